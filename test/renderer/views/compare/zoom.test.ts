// Synchronised pan/zoom of the Compare panes: zooming about the pointer keeps the image point under
// the pointer where it was, and the scale stays within 1..32.
import { describe, expect, test } from 'vitest';
import { IDENTITY, zoomAbout } from '../../../../renderer/src/views/compare/view.js';

describe('zoomAbout', () => {
  test('the point under the pointer stays put; bounds hold', () => {
    const at = (v: { scale: number; x: number; y: number }, px: number, py: number) => [(px - v.x) / v.scale, (py - v.y) / v.scale];
    let v = zoomAbout(IDENTITY, 1.25, 100, 40);
    expect(v.scale).toBe(1.25);
    expect(at(v, 100, 40)).toEqual([100, 40]);
    v = zoomAbout({ ...v, x: v.x - 30 }, 2, 10, 90);
    const before = at({ scale: 1.25, x: IDENTITY.x - 25 - 30, y: -10 }, 10, 90);
    expect(at(v, 10, 90)[0]).toBeCloseTo(before[0]!, 10);
    expect(zoomAbout(IDENTITY, 0.5, 5, 5)).toEqual({ scale: 1, x: 0, y: 0 });
    let big = IDENTITY;
    for (let i = 0; i < 40; i++) big = zoomAbout(big, 2, 0, 0);
    expect(big.scale).toBe(32);
  });
});
