import { describe, expect, it } from 'vitest';
import { clearMask, createMask, diffMasks, floodFill, growMask, invertMask, maskArea, maskStats, thresholdMask, tightBox } from '../../../shared/mask/index.js';
import { maskOf, picture } from './helpers.js';

describe('tight box (Eq. 6) and area', () => {
  it('is the smallest box holding every edit pixel', () => {
    const m = maskOf(['......', '..#...', '....#.', '...#..', '......']);
    expect(tightBox(m)).toEqual({ x: 2, y: 1, width: 3, height: 3 });
    expect(maskArea(m)).toBe(3);
  });
  it('is null for an empty mask and the whole image for a full one', () => {
    expect(tightBox(createMask(7, 5))).toBeNull();
    expect(maskStats(createMask(7, 5)).box).toBeNull();
    expect(tightBox(createMask(7, 5, 255))).toEqual({ x: 0, y: 0, width: 7, height: 5 });
  });
  it('counts soft pixels at or above 128 only', () => {
    const m = maskOf(['-+', '..']);
    expect(maskArea(m)).toBe(1);
    expect(tightBox(m)).toEqual({ x: 1, y: 0, width: 1, height: 1 });
    expect(maskStats(m).fraction).toBe(0.25);
  });
  it('finds single pixels in the corners', () => {
    const m = maskOf(['#...', '....', '...#']);
    expect(tightBox(m)).toEqual({ x: 0, y: 0, width: 4, height: 3 });
  });
});

describe('invert, clear, threshold', () => {
  it('invert swaps edit and kept pixels and mirrors soft values', () => {
    const m = maskOf(['#.', '-+']);
    invertMask(m);
    expect([...m.data]).toEqual([0, 255, 195, 55]);
    invertMask(m);
    expect(picture(m)).toEqual(['#.', '-+']);
  });
  it('clear empties', () => {
    const m = maskOf(['##', '#.']);
    clearMask(m);
    expect(maskArea(m)).toBe(0);
  });
  it('threshold makes soft values hard', () => {
    const m = maskOf(['-+', '#.']);
    thresholdMask(m);
    expect(picture(m)).toEqual(['.#', '#.']);
  });
});

describe('bucket fill', () => {
  it('fills the inside of a closed outline, not the outside', () => {
    const m = maskOf(['.......', '.#####.', '.#...#.', '.#...#.', '.#####.', '.......']);
    const dirty = floodFill(m, { x: 3, y: 3 });
    expect(picture(m)).toEqual(['.......', '.#####.', '.#####.', '.#####.', '.#####.', '.......']);
    expect(dirty).toEqual({ x: 2, y: 2, width: 3, height: 2 });
  });
  it('is 4-connected: a diagonal gap does not leak', () => {
    const m = maskOf(['..#', '.#.', '#..']);
    floodFill(m, { x: 0, y: 0 });
    expect(picture(m)).toEqual(['###', '##.', '#..']);
  });
  it('fills the outside to the border and can erase a region', () => {
    const m = maskOf(['....', '.##.', '....']);
    floodFill(m, { x: 0, y: 0 });
    expect(maskArea(m)).toBe(12);
    const n = maskOf(['##..', '##.#', '...#']);
    floodFill(n, { x: 1, y: 1 }, 0);
    expect(picture(n)).toEqual(['....', '...#', '...#']);
  });
  it('ignores a seed outside the image', () => {
    const m = maskOf(['..']);
    expect(floodFill(m, { x: -1, y: 0 }).width).toBe(0);
    expect(maskArea(m)).toBe(0);
  });
  it('fills a large spiral without overflowing the stack', () => {
    const m = createMask(512, 512);
    for (let i = 0; i < 512; i += 4) for (let x = 0; x < 510; x++) m.data[i * 512 + (i % 8 === 0 ? x : x + 2)] = 255;
    floodFill(m, { x: 0, y: 1 });
    expect(maskArea(m)).toBe(512 * 512);
  });
});

describe('grow and shrink (Euclidean)', () => {
  it('grows a single pixel into a disc of radius n', () => {
    const m = createMask(11, 11);
    m.data[5 * 11 + 5] = 255;
    growMask(m, 2);
    // Offsets with dx² + dy² ≤ 4: 13 pixels.
    expect(maskArea(m)).toBe(13);
    expect(picture(m).slice(3, 8)).toEqual(['.....#.....', '....###....', '...#####...', '....###....', '.....#.....']);
  });
  it('matches a brute-force distance check on a random mask', () => {
    const w = 40, h = 30;
    const m = createMask(w, h);
    let seed = 7;
    for (let i = 0; i < m.data.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      m.data[i] = seed % 97 === 0 ? 255 : 0;
    }
    for (const n of [1, 3, 5, -1, -3]) {
      const src = { width: w, height: h, data: m.data.slice() };
      const out = { width: w, height: h, data: m.data.slice() };
      growMask(out, n);
      const feature = n > 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        let best = Infinity;
        for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) {
          if ((src.data[yy * w + xx]! >= 128) === feature) best = Math.min(best, (xx - x) ** 2 + (yy - y) ** 2);
        }
        const was = src.data[y * w + x]! >= 128;
        const expected = best <= n * n ? feature : was;
        expect(out.data[y * w + x] === 255, `n=${n} at ${x},${y}`).toBe(expected);
      }
    }
  });
  it('shrinks a square by n from every side but not from the image border', () => {
    const m = maskOf(['######..', '######..', '######..', '######..', '........']);
    growMask(m, -1);
    expect(picture(m)).toEqual(['#####...', '#####...', '#####...', '........', '........']);
  });
  it('shrinking by more than half the size empties the region; 0 only thresholds', () => {
    const m = maskOf(['.....', '.###.', '.###.', '.###.', '.....']);
    growMask(m, -2);
    expect(maskArea(m)).toBe(0);
    const s = maskOf(['-+']);
    growMask(s, 0);
    expect(picture(s)).toEqual(['.#']);
    expect(() => growMask(s, 1.5)).toThrow(/whole number/);
  });
});

describe('diff', () => {
  it('counts added, removed and kept pixels', () => {
    const a = maskOf(['##..', '....']);
    const b = maskOf(['#.#.', '...#']);
    expect(diffMasks(a, b)).toEqual({ added: 2, removed: 1, kept: 1 });
    expect(() => diffMasks(a, createMask(3, 3))).toThrow(/different sizes/);
  });
});
