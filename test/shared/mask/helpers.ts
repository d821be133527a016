import { createMask, type MaskBuffer } from '../../../shared/mask/index.js';

/** A mask from rows of '#' (255) and '.' (0), for tests that read like pictures. */
export function maskOf(rows: string[]): MaskBuffer {
  const m = createMask(rows[0]!.length, rows.length);
  rows.forEach((row, y) => [...row].forEach((c, x) => (m.data[y * m.width + x] = c === '#' ? 255 : c === '+' ? 200 : c === '-' ? 60 : 0)));
  return m;
}

export function picture(m: MaskBuffer): string[] {
  const rows: string[] = [];
  for (let y = 0; y < m.height; y++) {
    let s = '';
    for (let x = 0; x < m.width; x++) {
      const v = m.data[y * m.width + x]!;
      s += v === 255 ? '#' : v === 0 ? '.' : v >= 128 ? '+' : '-';
    }
    rows.push(s);
  }
  return rows;
}

/** Byte-equality with the first differing index in the message (deep equality is slow on megapixels). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return `differs at ${i}: ${actual[i]} ≠ ${expected[i]}`;
  return 'same';
}
