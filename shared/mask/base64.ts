// Base64 without Node's Buffer or the DOM's btoa (shared/ runs in neither for sure): masks cross
// the Api as run-length bytes in base64, and a 4096² mask must encode in milliseconds.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    }
    if (i < end) {
      const rest = end - i;
      const n = (bytes[i]! << 16) | (rest > 1 ? bytes[i + 1]! << 8 : 0);
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + (rest > 1 ? ALPHABET[(n >> 6) & 63]! : '=') + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length % 4 !== 0) throw new Error(`base64 text has length ${s.length}, not a multiple of 4`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const c0 = DECODE[s.charCodeAt(i)] ?? -1;
    const c1 = DECODE[s.charCodeAt(i + 1)] ?? -1;
    const ch2 = s[i + 2];
    const ch3 = s[i + 3];
    const c2 = ch2 === '=' ? 0 : (DECODE[s.charCodeAt(i + 2)] ?? -1);
    const c3 = ch3 === '=' ? 0 : (DECODE[s.charCodeAt(i + 3)] ?? -1);
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0) throw new Error(`invalid base64 character near offset ${i}`);
    const n = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
