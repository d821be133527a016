// The bounds every entry point shares (shared/api/bounds.ts): the byte scanner agrees with the
// value it describes however the bytes are split into chunks, strings full of brackets, quotes and
// escapes included; the walk of built values needs no recursion and refuses what is not JSON data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkValue, JsonScanner, parseBoundedJson, scanJson, type Bounds } from '../../../shared/api/bounds.js';

const encoder = new TextEncoder();

function depthOf(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x !== null && typeof x === 'object') {
      max = Math.max(max, d + 1);
      for (const c of Object.values(x)) stack.push([c, d + 1]);
    }
  }
  return max;
}

function scanInChunks(bytes: Uint8Array, cuts: number[], bounds: Bounds) {
  const scanner = new JsonScanner(bounds);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    const v = scanner.feed(bytes.subarray(from, to));
    if (v) return v;
    from = to;
  }
  return null;
}

describe('JsonScanner', () => {
  it('finds exactly the values nested deeper than the bound, however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 6 }), (value, cuts, maxDepth) => {
        const bounds = { maxBytes: 1e9, maxDepth, maxValues: 1e9 };
        const bytes = encoder.encode(JSON.stringify(value));
        const verdict = scanInChunks(bytes, cuts, bounds);
        expect(verdict?.code ?? null).toBe(depthOf(value) > maxDepth ? 'invalid_args' : null);
        expect(scanJson(JSON.stringify(value), bounds)?.code ?? null).toBe(verdict?.code ?? null);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('counts at least every value, so a value over the bound is never let through; chunking changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (value, cuts, maxValues) => {
        const bounds = { maxBytes: 1e9, maxDepth: 1000, maxValues };
        const bytes = encoder.encode(JSON.stringify(value));
        const whole = new JsonScanner(bounds).feed(bytes);
        expect(scanInChunks(bytes, cuts, bounds)?.code ?? null).toBe(whole?.code ?? null);
        if (checkValue(value, bounds)?.code === 'too_large') expect(whole?.code).toBe('too_large');
      }),
      { numRuns: 400, seed: 8 },
    );
  });

  it('skips brackets inside strings and escaped quotes, split anywhere', () => {
    const text = JSON.stringify({ a: '[[[[{{{{"\\"]]]]', b: ['\\', '"', '\\"['] });
    const bytes = encoder.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(scanInChunks(bytes, [cut], { maxBytes: 1e9, maxDepth: 2, maxValues: 1e9 }), `cut at ${cut}`).toBeNull();
    }
    expect(new JsonScanner({ maxBytes: 10, maxDepth: 9, maxValues: 9 }).feed(encoder.encode('"' + 'x'.repeat(20) + '"'))?.code).toBe('too_large');
  });

  it('parses a bounded text or throws a typed refusal before JSON.parse', () => {
    const bounds = { maxBytes: 1e6, maxDepth: 64, maxValues: 1000 };
    expect(parseBoundedJson('{"a":[1,2]}', bounds)).toEqual({ a: [1, 2] });
    expect(() => parseBoundedJson('['.repeat(65) + ']'.repeat(65), bounds)).toThrow(/deeper than 64/);
    expect(() => parseBoundedJson(`[${'1,'.repeat(2000)}1]`, bounds)).toThrow(/more than 1000 values/);
    expect(() => parseBoundedJson('{"a":', bounds)).toThrow(SyntaxError);
  });
});

describe('checkValue', () => {
  const bounds = { maxBytes: 1000, maxDepth: 8, maxValues: 100 };
  it('walks a million levels without recursion and stops at the bound', () => {
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(checkValue(deep, bounds)?.code).toBe('invalid_args');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkValue(cyclic, bounds)?.code).toBe('invalid_args');
  });

  it('refuses what is not JSON data, and long text', () => {
    for (const bad of [new Map(), new Set(), new Date(), /x/, new Uint8Array(2), () => 1, Symbol('s'), 10n, new (class Thing {})()]) {
      expect(checkValue({ a: [bad] }, bounds)?.code, String(bad)).toBe('invalid_args');
    }
    expect(checkValue({ a: 'x'.repeat(1001) }, bounds)?.code).toBe('too_large');
    expect(checkValue({ ['k'.repeat(1001)]: 1 }, bounds)?.code).toBe('too_large');
    expect(checkValue(new Array(101).fill(0), bounds)?.code).toBe('too_large');
    expect(checkValue({ a: [1, 'b', null, true, undefined, { c: -0 }], d: Object.create(null) }, bounds)).toBeNull();
  });
});
