// Run-length encoding of mask bytes: how masks and undo patches travel and rest compactly.
// Format: a sequence of (value: 1 byte, run length: unsigned LEB128). A 4096² mask with one
// region is a few kilobytes; the worst case (alternating pixels) is 2 bytes per pixel.
import { base64ToBytes, bytesToBase64 } from './base64.js';

export function rleEncode(pixels: Uint8Array): Uint8Array {
  // Upper bound: every pixel its own run of length 1 → 2 bytes per pixel.
  let out = new Uint8Array(Math.min(pixels.length * 2 + 8, 1 << 16));
  let o = 0;
  const ensure = (n: number) => {
    if (o + n <= out.length) return;
    const bigger = new Uint8Array(Math.max(out.length * 2, o + n));
    bigger.set(out.subarray(0, o));
    out = bigger;
  };
  let i = 0;
  const n = pixels.length;
  while (i < n) {
    const v = pixels[i]!;
    let j = i + 1;
    while (j < n && pixels[j] === v) j++;
    let run = j - i;
    ensure(6);
    out[o++] = v;
    while (run >= 0x80) {
      out[o++] = (run & 0x7f) | 0x80;
      run >>>= 7;
    }
    out[o++] = run;
    i = j;
  }
  return out.slice(0, o);
}

/** Decodes into `expectedLength` bytes; a stream that does not add up to it is an error. */
export function rleDecode(encoded: Uint8Array, expectedLength: number): Uint8Array {
  const out = new Uint8Array(expectedLength);
  let o = 0;
  let i = 0;
  while (i < encoded.length) {
    const v = encoded[i++]!;
    let run = 0;
    let shift = 0;
    for (;;) {
      if (i >= encoded.length) throw new Error('run-length data ends inside a run length');
      const b = encoded[i++]!;
      run += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) throw new Error('run-length data has a run length over 2^35');
    }
    if (o + run > expectedLength) throw new Error(`run-length data holds more than the expected ${expectedLength} pixels`);
    if (v !== 0) out.fill(v, o, o + run);
    o += run;
  }
  if (o !== expectedLength) throw new Error(`run-length data holds ${o} pixels, expected ${expectedLength}`);
  return out;
}

export function rleToBase64(pixels: Uint8Array): string {
  return bytesToBase64(rleEncode(pixels));
}

export function rleFromBase64(text: string, expectedLength: number): Uint8Array {
  return rleDecode(base64ToBytes(text), expectedLength);
}
