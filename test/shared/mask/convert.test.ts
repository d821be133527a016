import { describe, expect, it } from 'vitest';
import { sameBytes } from './helpers.js';
import { base64ToBytes, bytesToBase64, intensityOf, maskFromPixels, rleDecode, rleEncode, rleFromBase64, rleToBase64, toPolarity } from '../../../shared/mask/index.js';

describe('polarity, alpha and threshold', () => {
  it('greyscale white = edit passes through; black = edit inverts', () => {
    const raw = new Uint8Array([0, 255, 100, 200]);
    expect([...maskFromPixels(raw, 2, 2, 1, { polarity: 'white', alpha: 'composite', threshold: 128 }).data]).toEqual([0, 255, 0, 255]);
    expect([...maskFromPixels(raw, 2, 2, 1, { polarity: 'black', alpha: 'composite', threshold: 128 }).data]).toEqual([255, 0, 255, 0]);
  });
  it('the threshold decides anti-aliased edges', () => {
    const raw = new Uint8Array([60, 130, 200]);
    expect([...maskFromPixels(raw, 3, 1, 1, { polarity: 'white', alpha: 'ignore', threshold: 50 }).data]).toEqual([255, 255, 255]);
    expect([...maskFromPixels(raw, 3, 1, 1, { polarity: 'white', alpha: 'ignore', threshold: 201 }).data]).toEqual([0, 0, 0]);
    expect(() => maskFromPixels(raw, 3, 1, 1, { polarity: 'white', alpha: 'ignore', threshold: 0 })).toThrow(/threshold/);
  });
  it('RGB uses luma', () => {
    // Pure green has luma 150, pure blue 29.
    const raw = new Uint8Array([0, 255, 0, 0, 0, 255]);
    expect([...intensityOf(raw, 3, 'composite')]).toEqual([150, 29]);
  });
  it('RGBA: composite over black, ignore alpha, or the alpha channel itself', () => {
    // white opaque, white transparent, black opaque, black transparent
    const raw = new Uint8Array([255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0]);
    const conv = (alpha: 'composite' | 'ignore' | 'alpha', polarity: 'white' | 'black') => [...maskFromPixels(raw, 4, 1, 4, { polarity, alpha, threshold: 128 }).data];
    expect(conv('composite', 'white')).toEqual([255, 0, 0, 0]);
    expect(conv('ignore', 'white')).toEqual([255, 255, 0, 0]);
    expect(conv('alpha', 'white')).toEqual([255, 0, 255, 0]);
    // MagicBrush: transparency marks the edit.
    expect(conv('alpha', 'black')).toEqual([0, 255, 0, 255]);
  });
  it('grey + alpha (2 channels) and size mismatches', () => {
    expect([...intensityOf(new Uint8Array([200, 128]), 2, 'composite')]).toEqual([100]);
    expect(() => maskFromPixels(new Uint8Array(5), 2, 2, 1, { polarity: 'white', alpha: 'ignore', threshold: 128 })).toThrow(/needs 4/);
    expect(() => intensityOf(new Uint8Array(5), 5, 'ignore')).toThrow(/1 to 4 channels/);
  });
  it('toPolarity returns a copy, inverted for black', () => {
    const d = new Uint8Array([0, 255, 10]);
    expect([...toPolarity(d, 'black')]).toEqual([255, 0, 245]);
    const w = toPolarity(d, 'white');
    w[0] = 9;
    expect(d[0]).toBe(0);
  });
});

describe('run-length and base64', () => {
  it('round-trips masks including long runs and single pixels', () => {
    const m = new Uint8Array(300_000);
    m.fill(255, 1000, 200_000);
    m[250_000] = 7;
    const enc = rleEncode(m);
    expect(enc.length).toBeLessThan(20);
    expect(sameBytes(rleDecode(enc, m.length), m)).toBe('same');
    expect(sameBytes(rleFromBase64(rleToBase64(m), m.length), m)).toBe('same');
    expect(rleDecode(rleEncode(new Uint8Array(0)), 0).length).toBe(0);
  });
  it('rejects data that does not add up', () => {
    const enc = rleEncode(new Uint8Array(10));
    expect(() => rleDecode(enc, 11)).toThrow(/holds 10 pixels, expected 11/);
    expect(() => rleDecode(enc, 9)).toThrow(/more than the expected 9/);
    expect(() => rleDecode(new Uint8Array([255, 0x80]), 5)).toThrow(/ends inside/);
  });
  it('base64 matches the standard alphabet for every tail length', () => {
    for (const s of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar']) {
      const bytes = new TextEncoder().encode(s);
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(s).toString('base64'));
      expect(base64ToBytes(b64)).toEqual(bytes);
    }
    const rnd = new Uint8Array(50_000).map((_, i) => (i * 131 + 7) & 255);
    expect(bytesToBase64(rnd)).toBe(Buffer.from(rnd).toString('base64'));
    expect(() => base64ToBytes('ab$=')).toThrow(/invalid base64/);
  });
});
