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

const FAR = 1e9;

/** 1-D squared distance transform of Felzenszwalb & Huttenlocher (lower envelope of parabolas). */
function dt1d(f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  const meet = (q: number, p: number) => (f[q]! + q * q - (f[p]! + p * p)) / (2 * q - 2 * p);
  for (let q = 1; q < n; q++) {
    let s = meet(q, v[k]!);
    // z[0] is -Infinity, so this stops at k = 0.
    while (s <= z[k]!) {
      k--;
      s = meet(q, v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    out[q] = (q - p) * (q - p) + f[p]!;
  }
}

/** Squared Euclidean distance from every pixel to the nearest pixel whose state is `feature`. */
export function squaredDistanceTo(m: MaskBuffer, feature: boolean): Float32Array {
  const { width: w, height: h, data: d } = m;
  const grid = new Float32Array(w * h);
  const n = Math.max(w, h);
  const f = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = isOn(d[y * w + x]!) === feature ? 0 : FAR;
    dt1d(f, h, out, v, z);
    for (let y = 0; y < h; y++) grid[y * w + x] = out[y]!;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) f[x] = grid[row + x]!;
    dt1d(f, w, out, v, z);
    for (let x = 0; x < w; x++) grid[row + x] = out[x]!;
  }
  return grid;
}

/**
 * Grow (n > 0) or shrink (n < 0) the edit region by |n| pixels in Euclidean distance: growing
 * adds every pixel within n of the region; shrinking removes every region pixel within |n| of a
 * kept pixel. Outside the image counts as neither, so a region touching the border stays there.
 * The result is hard (0 / 255).
 */
export function growMask(m: MaskBuffer, n: number): Rect {
  if (!Number.isInteger(n)) throw new Error(`grow/shrink distance must be a whole number of pixels, got ${n}`);
  thresholdMask(m);
  if (n === 0) return fullRect(m);
  const grow = n > 0;
  const r2 = n * n;
  const dist = squaredDistanceTo(m, grow);
  const d = m.data;
  for (let i = 0; i < d.length; i++) if (dist[i]! <= r2) d[i] = grow ? MASK_ON : MASK_OFF;
  return fullRect(m);
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
