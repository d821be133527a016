import { describe, expect, it } from 'vitest';
import { createMask, fillPolygon, fillRect, maskArea, rectFromCorners, strokeSegment, tightBox } from '../../../shared/mask/index.js';
import { picture, sameBytes } from './helpers.js';

const hard = (r: number) => ({ radiusFrom: r, radiusTo: r, hardness: 1, mode: 'paint' as const });

describe('rectangle', () => {
  it('covers the pixels whose centres lie between the corners, in any drag direction', () => {
    expect(rectFromCorners({ x: 2, y: 1 }, { x: 5, y: 3 })).toEqual({ x: 2, y: 1, width: 3, height: 2 });
    expect(rectFromCorners({ x: 5, y: 3 }, { x: 2, y: 1 })).toEqual({ x: 2, y: 1, width: 3, height: 2 });
    expect(rectFromCorners({ x: 2.2, y: 1 }, { x: 2.4, y: 3 }).width).toBe(0);
    const m = createMask(6, 4);
    fillRect(m, rectFromCorners({ x: 2, y: 1 }, { x: 5, y: 3 }));
    expect(picture(m)).toEqual(['......', '..###.', '..###.', '......']);
  });
  it('is clipped to the image', () => {
    const m = createMask(4, 4);
    const dirty = fillRect(m, { x: -2, y: 2, width: 10, height: 10 });
    expect(dirty).toEqual({ x: 0, y: 2, width: 4, height: 2 });
    expect(maskArea(m)).toBe(8);
  });
});

describe('polygon', () => {
  it('fills a triangle by pixel centres', () => {
    const m = createMask(8, 8);
    fillPolygon(m, [{ x: 0, y: 0 }, { x: 8, y: 0 }, { x: 0, y: 8 }]);
    // Row y has centres x + 0.5 < 8 − (y + 0.5): 7 − y pixels.
    expect(picture(m)).toEqual(['#######.', '######..', '#####...', '####....', '###.....', '##......', '#.......', '........']);
  });
  it('an axis-aligned polygon equals the rectangle with the same corners', () => {
    const a = createMask(20, 20), b = createMask(20, 20);
    fillPolygon(a, [{ x: 3, y: 4 }, { x: 15, y: 4 }, { x: 15, y: 11 }, { x: 3, y: 11 }]);
    fillRect(b, rectFromCorners({ x: 3, y: 4 }, { x: 15, y: 11 }));
    expect(sameBytes(a.data, b.data)).toBe('same');
    expect(maskArea(a)).toBe(12 * 7);
  });
  it('uses the even-odd rule for self-intersections and erases with value 0', () => {
    const m = createMask(10, 10, 255);
    // A bow-tie: two triangles meeting at (5, 5).
    fillPolygon(m, [{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 10, y: 0 }, { x: 0, y: 10 }], 0);
    // The left and right triangles are inside; the wedges above and below the crossing are not.
    expect(m.data[0 * 10 + 5]).toBe(255);
    expect(m.data[5 * 10 + 1]).toBe(0);
    expect(m.data[5 * 10 + 8]).toBe(0);
    expect(fillPolygon(m, [{ x: 1, y: 1 }, { x: 2, y: 2 }]).width).toBe(0);
  });
});

describe('brush', () => {
  it('a hard dab covers the pixels whose centres lie within the radius', () => {
    const m = createMask(9, 9);
    strokeSegment(m, { x: 4.5, y: 4.5 }, { x: 4.5, y: 4.5 }, hard(2));
    expect(maskArea(m)).toBe(13);
    expect(tightBox(m)).toEqual({ x: 2, y: 2, width: 5, height: 5 });
  });
  it('a stroke does not depend on how the segment was split', () => {
    const a = createMask(64, 32), b = createMask(64, 32);
    strokeSegment(a, { x: 5, y: 10 }, { x: 55, y: 20 }, hard(4));
    const pts = [0, 0.13, 0.5, 0.51, 0.9, 1].map((t) => ({ x: 5 + 50 * t, y: 10 + 10 * t }));
    for (let i = 1; i < pts.length; i++) strokeSegment(b, pts[i - 1]!, pts[i]!, hard(4));
    expect(sameBytes(b.data, a.data)).toBe('same');
  });
  it('a horizontal stroke is a capsule with exact width', () => {
    const m = createMask(40, 20);
    strokeSegment(m, { x: 10, y: 10 }, { x: 30, y: 10 }, hard(3));
    const box = tightBox(m)!;
    expect(box).toEqual({ x: 7, y: 7, width: 26, height: 6 });
    // Column x = 20 (centre 20.5): rows whose centres are within 3 of y = 10 → 7..12.
    const col = [...Array(20).keys()].filter((y) => m.data[y * 40 + 20] === 255);
    expect(col).toEqual([7, 8, 9, 10, 11, 12]);
  });
  it('a soft brush falls off towards the edge and never builds up', () => {
    const m = createMask(21, 1);
    const soft = { radiusFrom: 10, radiusTo: 10, hardness: 0, mode: 'paint' as const };
    strokeSegment(m, { x: 10.5, y: 0.5 }, { x: 10.5, y: 0.5 }, soft);
    expect(m.data[10]).toBe(255);
    expect(m.data[15]).toBe(128);
    expect(m.data[0]).toBe(0);
    const once = m.data.slice();
    strokeSegment(m, { x: 10.5, y: 0.5 }, { x: 10.5, y: 0.5 }, soft);
    expect(sameBytes(m.data, once)).toBe('same');
  });
  it('the eraser removes coverage; pressure changes the radius along the segment', () => {
    const m = createMask(30, 30, 255);
    strokeSegment(m, { x: 15, y: 15 }, { x: 15, y: 15 }, { radiusFrom: 3, radiusTo: 3, hardness: 1, mode: 'erase' });
    // Centres within 3 of (15, 15): 8 per quadrant.
    expect(maskArea(m)).toBe(900 - 32);
    const p = createMask(60, 30);
    strokeSegment(p, { x: 10, y: 15 }, { x: 50, y: 15 }, { radiusFrom: 1, radiusTo: 8, hardness: 1, mode: 'paint' });
    const colHeight = (x: number) => [...Array(30).keys()].filter((y) => p.data[y * 60 + x] === 255).length;
    expect(colHeight(12)).toBeLessThan(colHeight(48));
  });
});
