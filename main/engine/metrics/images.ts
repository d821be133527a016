// Decoded 8-bit RGB images → backbone input, as a preset's image rule says (resize with PIL's
// filters, centre crop, scale to [0, 1], normalise, NCHW), and the two mask regions:
// - inside: the tight box of the mask (Eq. 6; shared/mask's tightBox on the mask thresholded at the
//   preset's maskThreshold), mapped to each image's size (x₀ = ⌊x·W/Wₘ⌋, x₁ = ⌈(x + w)·W/Wₘ⌉), cut
//   out, then resized to the backbone's square input ('square') or put through the metric's rule;
// - outside: every pixel whose nearest mask pixel is in the edit region painted outsideFill (8-bit
//   RGB, black by default) in both images, before resizing and normalisation — so a black pixel
//   becomes −mean/std in the network's input space, the same value in both images.
import { thresholdMask, tightBox, type MaskBuffer, type Rect } from '../../../shared/mask/index.js';
import { cropRgb, resizeRgb, type RgbFloatImage, type RgbImage } from '../../../shared/metrics/resample.js';
import type { EvalPreset, ImageRule } from '../../../shared/metrics/presets.js';

export type { RgbImage, RgbFloatImage };

function checkImage(img: RgbImage | RgbFloatImage, name: string): void {
  if (!(Number.isInteger(img.width) && Number.isInteger(img.height) && img.width > 0 && img.height > 0)) throw new Error(`${name}: invalid size ${img.width}×${img.height}`);
  if (img.data.length !== img.width * img.height * 3) throw new Error(`${name}: ${img.width}×${img.height} RGB needs ${img.width * img.height * 3} bytes, got ${img.data.length} (decode to 3-channel raw RGB)`);
}

// Python's round(): halves to even, as torchvision's CenterCrop computes its offsets.
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** The size an image rule's resize gives (torchvision / transformers: int(size·long/short)). */
export function resizedSize(width: number, height: number, rule: ImageRule): { width: number; height: number } {
  const r = rule.resize;
  if (r.kind === 'exact') return { width: r.width, height: r.height };
  const short = Math.min(width, height);
  const long = Math.trunc((r.size * Math.max(width, height)) / short);
  return width <= height ? { width: r.size, height: long } : { width: long, height: r.size };
}

/** One image through a rule → normalised CHW float32 [3, H, W]. */
export function applyImageRule(img: RgbImage | RgbFloatImage, rule: ImageRule, name = 'image'): { data: Float32Array; width: number; height: number } {
  checkImage(img, name);
  const size = resizedSize(img.width, img.height, rule);
  let cur: RgbImage | RgbFloatImage = size.width === img.width && size.height === img.height ? img : resizeRgb(img, size.width, size.height, rule.filter, rule.antialias);
  if (rule.centerCrop) {
    const { height: ch, width: cw, rounding } = rule.centerCrop;
    // A smaller image is padded with zeros first (torchvision CenterCrop and transformers both pad).
    if (cur.width < cw || cur.height < ch) {
      const w = Math.max(cw, cur.width);
      const h = Math.max(ch, cur.height);
      const padded = new Float32Array(w * h * 3);
      const top = Math.floor((h - cur.height) / 2);
      const left = Math.floor((w - cur.width) / 2);
      for (let y = 0; y < cur.height; y++) for (let i = 0; i < cur.width * 3; i++) padded[((top + y) * w + left) * 3 + i] = cur.data[y * cur.width * 3 + i]!;
      cur = { width: w, height: h, data: padded };
    }
    const off = (d: number) => (rounding === 'half_even' ? roundHalfEven(d / 2) : Math.floor(d / 2));
    cur = cropRgb(cur, { x: off(cur.width - cw), y: off(cur.height - ch), width: cw, height: ch });
  }
  const { width, height } = cur;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = rule.mean[c]!;
    const s = rule.std[c]!;
    for (let i = 0; i < plane; i++) out[c * plane + i] = (cur.data[i * 3 + c]! / 255 - m) / s;
  }
  return { data: out, width, height };
}

/** The square input a rule ends in (its crop, else its exact size); null for a shortest-edge resize without crop. */
export function ruleInputSize(rule: ImageRule): { width: number; height: number } | null {
  if (rule.centerCrop) return { width: rule.centerCrop.width, height: rule.centerCrop.height };
  if (rule.resize.kind === 'exact') return { width: rule.resize.width, height: rule.resize.height };
  return null;
}

/** The rule for an "inside" crop: 'square' resizes the whole box to the rule's input size, no crop. */
export function insideRule(rule: ImageRule, mode: EvalPreset['regionRules']['insideResize']): ImageRule {
  const size = ruleInputSize(rule);
  if (mode === 'rule' || !size) return rule;
  return { ...rule, resize: { kind: 'exact', height: size.height, width: size.width }, centerCrop: null };
}

/** The tight box of the edit region at the mask's resolution, or null for an empty mask. */
export function maskBox(mask: MaskBuffer, threshold: number): Rect | null {
  checkMask(mask);
  if (threshold === 128) return tightBox(mask);
  const binary: MaskBuffer = { width: mask.width, height: mask.height, data: Uint8Array.from(mask.data) };
  thresholdMask(binary, threshold);
  return tightBox(binary);
}

function checkMask(mask: MaskBuffer): void {
  if (mask.data.length !== mask.width * mask.height) throw new Error(`mask: ${mask.width}×${mask.height} needs ${mask.width * mask.height} bytes, got ${mask.data.length}`);
}

/** A mask box mapped onto an image of another size (covering every image pixel it touches). */
export function scaleBox(box: Rect, mask: { width: number; height: number }, img: { width: number; height: number }): Rect {
  const sx = img.width / mask.width;
  const sy = img.height / mask.height;
  const x0 = Math.max(0, Math.floor(box.x * sx + 1e-9));
  const y0 = Math.max(0, Math.floor(box.y * sy + 1e-9));
  const x1 = Math.min(img.width, Math.ceil((box.x + box.width) * sx - 1e-9));
  const y1 = Math.min(img.height, Math.ceil((box.y + box.height) * sy - 1e-9));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

/** The image with the edit region painted `fill` (nearest mask pixel per image pixel). */
export function blackOut(img: RgbImage, mask: MaskBuffer, threshold: number, fill: readonly [number, number, number]): RgbImage {
  checkMask(mask);
  const out = Uint8Array.from(img.data);
  for (let y = 0; y < img.height; y++) {
    const my = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / img.height));
    for (let x = 0; x < img.width; x++) {
      const mx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / img.width));
      if (mask.data[my * mask.width + mx]! >= threshold) out.set(fill, (y * img.width + x) * 3);
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/** The mask resampled (nearest) to an image's size, for per-pixel measures. */
export function maskAt(mask: MaskBuffer, width: number, height: number): Uint8Array {
  checkMask(mask);
  if (mask.width === width && mask.height === height) return mask.data;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const my = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) out[y * width + x] = mask.data[my * mask.width + Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width))]!;
  }
  return out;
}

/** An 8-bit image cut to a box (the "inside" region). */
export function cropImage(img: RgbImage, box: Rect): RgbImage {
  return cropRgb(img, box);
}
