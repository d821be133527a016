// Whole-mask operations: the tight box of Eq. 6, area, invert, threshold, bucket fill, grow and
// shrink, and the difference of two versions. Pure functions on one-byte-per-pixel masks.
import { fullRect, isOn, MASK_OFF, MASK_ON, MASK_THRESHOLD, type MaskBuffer, type Point, type Rect, emptyRect } from './types.js';

/** Pixels in the edit region (value ≥ MASK_THRESHOLD). */
export function maskArea(m: MaskBuffer): number {
  let n = 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) if (d[i]! >= MASK_THRESHOLD) n++;
  return n;
}

/**
 * The tightest box around the edit region (Eq. 6: the crop the region loss sees), or null for an
 * empty mask. Scans rows from the top and bottom and stops early, so a small region is cheap.
 */
export function tightBox(m: MaskBuffer): Rect | null {
  const { width: w, height: h, data: d } = m;
  const rowHas = (y: number) => {
    const start = y * w;
    for (let i = start; i < start + w; i++) if (d[i]! >= MASK_THRESHOLD) return true;
    return false;
  };
  let top = 0;
  while (top < h && !rowHas(top)) top++;
  if (top === h) return null;
  let bottom = h - 1;
  while (bottom > top && !rowHas(bottom)) bottom--;
  let left = w;
  let right = -1;
  for (let y = top; y <= bottom; y++) {
    const row = y * w;
    for (let x = 0; x < left; x++) if (d[row + x]! >= MASK_THRESHOLD) { left = x; break; }
    for (let x = w - 1; x > right; x--) if (d[row + x]! >= MASK_THRESHOLD) { right = x; break; }
  }
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/** Area and box in one call, as the store records them. */
export function maskStats(m: MaskBuffer): { area: number; box: Rect | null; fraction: number } {
  const area = maskArea(m);
  return { area, box: area === 0 ? null : tightBox(m), fraction: area / (m.width * m.height) };
}

/** Edit region ↔ kept region, in place (soft values mirror: v → 255 − v). */
export function invertMask(m: MaskBuffer): Rect {
  const d = m.data;
  for (let i = 0; i < d.length; i++) d[i] = 255 - d[i]!;
  return fullRect(m);
}

export function clearMask(m: MaskBuffer, value = MASK_OFF): Rect {
  m.data.fill(value);
  return fullRect(m);
}

/** Soft values to hard: ≥ threshold → 255, else 0. */
export function thresholdMask(m: MaskBuffer, threshold = MASK_THRESHOLD): Rect {
  const d = m.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! >= threshold ? MASK_ON : MASK_OFF;
  return fullRect(m);
}

/**
 * Bucket fill: the 4-connected region of pixels sharing the seed's state (in or out of the edit
 * region) becomes `value`. Filling the inside of a closed outline with 255 fills the hole; a
 * region touching the image border is filled to the border. Returns the changed box.
 */
export function floodFill(m: MaskBuffer, seed: Point, value = MASK_ON): Rect {
  const { width: w, height: h, data: d } = m;
  const sx = Math.floor(seed.x);
  const sy = Math.floor(seed.y);
  if (sx < 0 || sy < 0 || sx >= w || sy >= h) return emptyRect();
  const target = isOn(d[sy * w + sx]!);
  const visited = new Uint8Array(w * h);
  const stack: number[] = [sy * w + sx];
  let x0 = sx, x1 = sx, y0 = sy, y1 = sy;
  const matches = (i: number) => visited[i] === 0 && isOn(d[i]!) === target;
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (!matches(i)) continue;
    const y = (i / w) | 0;
    const row = y * w;
    // Scanline: run left and right, then queue the rows above and below once per run.
    let l = i - row;
    let r = l;
    while (l > 0 && matches(row + l - 1)) l--;
    while (r < w - 1 && matches(row + r + 1)) r++;
    for (let x = l; x <= r; x++) {
      visited[row + x] = 1;
      d[row + x] = value;
    }
    if (l < x0) x0 = l;
    if (r > x1) x1 = r;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    for (const ny of [y - 1, y + 1]) {
      if (ny < 0 || ny >= h) continue;
      const nrow = ny * w;
      let inRun = false;
      for (let x = l; x <= r; x++) {
        const j = nrow + x;
        if (matches(j)) {
          if (!inRun) stack.push(j);
          inRun = true;
        } else inRun = false;
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Grow (n > 0) or shrink (n < 0) the edit region by |n| pixels in Euclidean distance: growing
 * adds every pixel within n of the region; shrinking removes every region pixel within |n| of a
 * kept pixel. Outside the image counts as neither, so a region touching the border stays there.
 * The result is hard (0 / 255).
 *
 * Exact and linear in the pixels: a column pass finds each pixel's vertical distance k to the
 * nearest feature (capped at |n| + 1); then every pixel with k ≤ |n| covers the run of its row
 * within ⌊√(n² − k²)⌋, marked with a difference array. Only the region's box widened by |n| can
 * change, so only that part is visited.
 */
export function growMask(m: MaskBuffer, n: number): Rect {
  if (!Number.isInteger(n)) throw new Error(`grow/shrink distance must be a whole number of pixels, got ${n}`);
  thresholdMask(m);
  const box = tightBox(m);
  if (n === 0 || box === null) return fullRect(m);
  const feature = n > 0;
  const a = Math.abs(n);
  const x0 = Math.max(0, box.x - a), y0 = Math.max(0, box.y - a);
  const w = Math.min(m.width, box.x + box.width + a) - x0;
  const h = Math.min(m.height, box.y + box.height + a) - y0;
  const W = m.width;
  const d = m.data;
  const cap = a + 1;
  const g = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    const src = (y0 + y) * W + x0;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (d[src + x]! >= MASK_THRESHOLD === feature) g[row + x] = 0;
      else g[row + x] = y > 0 ? Math.min(cap, g[row - w + x]! + 1) : cap;
    }
  }
  for (let y = h - 2; y >= 0; y--) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const below = g[row + w + x]! + 1;
      if (below < g[row + x]!) g[row + x] = below;
    }
  }
  const halfWidth = new Int32Array(a + 1);
  for (let k = 0; k <= a; k++) halfWidth[k] = Math.floor(Math.sqrt(a * a - k * k));
  const diff = new Int32Array(w + 1);
  const value = feature ? MASK_ON : MASK_OFF;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    diff.fill(0);
    for (let x = 0; x < w; x++) {
      const k = g[row + x]!;
      if (k > a) continue;
      const hw = halfWidth[k]!;
      diff[x - hw < 0 ? 0 : x - hw]!++;
      diff[x + hw + 1 > w ? w : x + hw + 1]!--;
    }
    const dst = (y0 + y) * W + x0;
    let run = 0;
    for (let x = 0; x < w; x++) {
      run += diff[x]!;
      if (run > 0) d[dst + x] = value;
    }
  }
  return { x: x0, y: y0, width: w, height: h };
}

/** Pixels in `after`'s edit region but not `before`'s (added), and the other way (removed). */
export function diffMasks(before: MaskBuffer, after: MaskBuffer): { added: number; removed: number; kept: number } {
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error(`cannot diff masks of different sizes: ${before.width}×${before.height} vs ${after.width}×${after.height}`);
  }
  let added = 0, removed = 0, kept = 0;
  const a = before.data, b = after.data;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! >= MASK_THRESHOLD, y = b[i]! >= MASK_THRESHOLD;
    if (x && y) kept++;
    else if (y) added++;
    else if (x) removed++;
  }
  return { added, removed, kept };
}
