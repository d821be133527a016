// Drawing into a mask at image resolution: rectangles, polygons and brush strokes. A pixel is
// covered when its centre (x + 0.5, y + 0.5) lies in the shape, so the result does not depend on
// the screen's zoom. Every function returns the box of pixels it may have changed (the dirty
// rectangle the canvas redraws and the undo history records).
import { clipRect, emptyRect, MASK_ON, type MaskBuffer, type Point, type Rect } from './types.js';

/** Pixels whose centres lie in the rectangle spanned by two corner points. */
export function rectFromCorners(a: Point, b: Point): Rect {
  const x0 = Math.ceil(Math.min(a.x, b.x) - 0.5);
  const x1 = Math.floor(Math.max(a.x, b.x) - 0.5);
  const y0 = Math.ceil(Math.min(a.y, b.y) - 0.5);
  const y1 = Math.floor(Math.max(a.y, b.y) - 0.5);
  return x1 >= x0 && y1 >= y0 ? { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } : emptyRect();
}

export function fillRect(m: MaskBuffer, r: Rect, value = MASK_ON): Rect {
  const c = clipRect(r, m.width, m.height);
  for (let y = c.y; y < c.y + c.height; y++) m.data.fill(value, y * m.width + c.x, y * m.width + c.x + c.width);
  return c;
}

/** Box of the pixels a polygon may cover (clipped to the mask). */
export function polygonBounds(points: readonly Point[], width: number, height: number): Rect {
  if (points.length === 0) return emptyRect();
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
  }
  return clipRect({ x: Math.floor(x0), y: Math.floor(y0), width: Math.ceil(x1) - Math.floor(x0) + 1, height: Math.ceil(y1) - Math.floor(y0) + 1 }, width, height);
}

/** Even-odd polygon fill (self-intersections leave holes, as in SVG's evenodd rule). */
export function fillPolygon(m: MaskBuffer, points: readonly Point[], value = MASK_ON): Rect {
  const bounds = polygonBounds(points, m.width, m.height);
  if (points.length < 3 || bounds.width === 0) return emptyRect();
  const xs: number[] = [];
  for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i]!;
      const b = points[(i + 1) % points.length]!;
      // Half-open in y so a vertex on the scanline is counted once.
      if ((a.y <= yc && yc < b.y) || (b.y <= yc && yc < a.y)) xs.push(a.x + ((yc - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    xs.sort((p, q) => p - q);
    const row = y * m.width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(m.width, Math.ceil(xs[k + 1]! - 0.5));
      if (to > from) m.data.fill(value, row + from, row + to);
    }
  }
  return bounds;
}

export type BrushMode = 'paint' | 'erase';

export interface BrushSpec {
  /** Radius in image pixels at the segment's start and end (pressure changes it along a stroke). */
  radiusFrom: number;
  radiusTo: number;
  /** 1: hard edge; 0: coverage falls linearly from the centre to the radius. */
  hardness: number;
  mode: BrushMode;
}

export function segmentBounds(a: Point, b: Point, radius: number, width: number, height: number): Rect {
  const x0 = Math.floor(Math.min(a.x, b.x) - radius - 1);
  const y0 = Math.floor(Math.min(a.y, b.y) - radius - 1);
  const x1 = Math.ceil(Math.max(a.x, b.x) + radius + 1);
  const y1 = Math.ceil(Math.max(a.y, b.y) + radius + 1);
  return clipRect({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, width, height);
}

/**
 * One piece of a brush stroke: every pixel whose centre lies within the radius of the segment a→b
 * (a capsule). A dab is a segment with a = b. Because the union of capsules along a straight line
 * is the capsule of the whole line, a stroke's pixels do not depend on how the pointer events
 * happened to split it. Painting keeps the larger coverage, erasing the smaller remainder, so
 * overlapping dabs of a soft brush do not build up.
 */
export function strokeSegment(m: MaskBuffer, a: Point, b: Point, brush: BrushSpec): Rect {
  const rMax = Math.max(brush.radiusFrom, brush.radiusTo);
  const bounds = segmentBounds(a, b, rMax, m.width, m.height);
  if (bounds.width === 0 || rMax <= 0) return emptyRect();
  const dx = b.x - a.x, dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const hardness = Math.min(1, Math.max(0, brush.hardness));
  const erase = brush.mode === 'erase';
  const d = m.data;
  for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
    const py = y + 0.5;
    const row = y * m.width;
    for (let x = bounds.x; x < bounds.x + bounds.width; x++) {
      const px = x + 0.5;
      let t = len2 === 0 ? 0 : ((px - a.x) * dx + (py - a.y) * dy) / len2;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (a.x + t * dx), ey = py - (a.y + t * dy);
      const dist = Math.sqrt(ex * ex + ey * ey);
      const r = brush.radiusFrom + t * (brush.radiusTo - brush.radiusFrom);
      if (dist > r) continue;
      const inner = r * hardness;
      const coverage = dist <= inner ? 255 : Math.round((255 * (r - dist)) / (r - inner));
      if (coverage <= 0) continue;
      const i = row + x;
      if (erase) {
        const keep = 255 - coverage;
        if (d[i]! > keep) d[i] = keep;
      } else if (d[i]! < coverage) d[i] = coverage;
    }
  }
  return bounds;
}
