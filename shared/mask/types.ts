// A mask as the editor, the store and the region loss see it: one byte per pixel, row-major,
// at the image's own resolution. 255 marks the edit region (the store's polarity), 0 keeps.
// Soft edges (a brush with hardness < 1) use the values between; a pixel counts as part of the
// edit region when its value is at least MASK_THRESHOLD — the tight box of Eq. 6 and the area use
// that rule, so a mask with soft edges and its thresholded copy have the same box.

export const MASK_ON = 255;
export const MASK_OFF = 0;
export const MASK_THRESHOLD = 128;

export interface MaskBuffer {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An axis-aligned pixel rectangle: x, y of the top-left pixel, width and height in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export function createMask(width: number, height: number, fill = 0): MaskBuffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`mask size must be positive integers, got ${width}×${height}`);
  }
  const data = new Uint8Array(width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

export function cloneMask(m: MaskBuffer): MaskBuffer {
  return { width: m.width, height: m.height, data: m.data.slice() };
}

export function isOn(value: number): boolean {
  return value >= MASK_THRESHOLD;
}

export const emptyRect = (): Rect => ({ x: 0, y: 0, width: 0, height: 0 });

export function isEmptyRect(r: Rect): boolean {
  return r.width <= 0 || r.height <= 0;
}

/** The smallest rectangle holding both (an empty rectangle is the identity). */
export function unionRect(a: Rect, b: Rect): Rect {
  if (isEmptyRect(a)) return { ...b };
  if (isEmptyRect(b)) return { ...a };
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** `r` clipped to the mask's bounds (possibly empty). */
export function clipRect(r: Rect, width: number, height: number): Rect {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.width));
  const y1 = Math.min(height, Math.ceil(r.y + r.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : emptyRect();
}

export function fullRect(m: { width: number; height: number }): Rect {
  return { x: 0, y: 0, width: m.width, height: m.height };
}

/** Copies a rectangle of pixels out (row-major, rect.width × rect.height). */
export function extractRect(m: MaskBuffer, r: Rect): Uint8Array {
  const out = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const start = (r.y + y) * m.width + r.x;
    out.set(m.data.subarray(start, start + r.width), y * r.width);
  }
  return out;
}

/** Writes pixels extracted with `extractRect` back. */
export function putRect(m: MaskBuffer, r: Rect, pixels: Uint8Array): void {
  if (pixels.length !== r.width * r.height) throw new Error(`patch has ${pixels.length} pixels, rect ${r.width}×${r.height} needs ${r.width * r.height}`);
  for (let y = 0; y < r.height; y++) {
    m.data.set(pixels.subarray(y * r.width, (y + 1) * r.width), (r.y + y) * m.width + r.x);
  }
}
