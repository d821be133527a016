// Image rules and mask regions by hand: shortest-edge sizes, torchvision vs transformers centre-crop
// rounding, normalisation, the tight box at another threshold and resolution, and the blackout.
import { describe, expect, it } from 'vitest';
import { applyImageRule, blackOut, maskBox, resizedSize, scaleBox } from '../../../../main/engine/metrics/images.js';
import type { ImageRule } from '../../../../shared/metrics/presets.js';

const rule = (over: Partial<ImageRule>): ImageRule => ({ resize: { kind: 'shortest_edge', size: 224 }, filter: 'bicubic', antialias: true, centerCrop: null, mean: [0, 0, 0], std: [1, 1, 1], ...over });

describe('image rules', () => {
  it('shortest edge: the short side to size, the long one int(size·long/short)', () => {
    expect(resizedSize(640, 480, rule({}))).toEqual({ width: 298, height: 224 });
    expect(resizedSize(300, 1000, rule({}))).toEqual({ width: 224, height: 746 });
    expect(resizedSize(10, 10, rule({ resize: { kind: 'exact', height: 5, width: 7 } }))).toEqual({ width: 7, height: 5 });
  });

  it('centre crop offsets: torchvision rounds half to even, transformers floors', () => {
    // 7 columns, crop 4: offset round(1.5) = 2 (torchvision) vs 1 (transformers); column x has value 10·x
    const img = { width: 7, height: 4, data: Uint8Array.from({ length: 7 * 4 * 3 }, (_, i) => 10 * (Math.floor(i / 3) % 7)) };
    const keep = rule({ resize: { kind: 'exact', height: 4, width: 7 } });
    const tv = applyImageRule(img, { ...keep, centerCrop: { height: 4, width: 4, rounding: 'half_even' } });
    const hf = applyImageRule(img, { ...keep, centerCrop: { height: 4, width: 4, rounding: 'floor' } });
    expect(Array.from(tv.data.slice(0, 4), (v) => Math.round(v * 255))).toEqual([20, 30, 40, 50]);
    expect(Array.from(hf.data.slice(0, 4), (v) => Math.round(v * 255))).toEqual([10, 20, 30, 40]);
  });

  it('normalises per channel into CHW and pads a too-small image with zeros before cropping', () => {
    const img = { width: 2, height: 2, data: Uint8Array.from([255, 0, 51, 255, 0, 51, 255, 0, 51, 255, 0, 51]) };
    const out = applyImageRule(img, rule({ resize: { kind: 'exact', height: 2, width: 2 }, centerCrop: { height: 4, width: 4, rounding: 'floor' }, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }));
    expect([out.width, out.height]).toEqual([4, 4]);
    // red plane: padding → (0 − 0.5)/0.5 = −1, the image → 1; blue 51/255 → −0.6
    expect(Array.from(out.data.slice(0, 8), (v) => +v.toFixed(4))).toEqual([-1, -1, -1, -1, -1, 1, 1, -1]);
    expect(+out.data[2 * 16 + 5]!.toFixed(4)).toBe(-0.6);
  });
});

describe('mask regions', () => {
  const soft = { width: 8, height: 8, data: new Uint8Array(64) };
  soft.data[2 * 8 + 2] = 255;
  soft.data[5 * 8 + 6] = 150; // soft edge: in the region at 128, not at 200

  it('tight box at the preset threshold, mapped to another resolution covering every touched pixel', () => {
    expect(maskBox(soft, 128)).toEqual({ x: 2, y: 2, width: 5, height: 4 });
    expect(maskBox(soft, 200)).toEqual({ x: 2, y: 2, width: 1, height: 1 });
    expect(maskBox({ width: 8, height: 8, data: new Uint8Array(64) }, 128)).toBeNull();
    expect(scaleBox({ x: 2, y: 2, width: 5, height: 4 }, soft, { width: 4, height: 4 })).toEqual({ x: 1, y: 1, width: 3, height: 2 });
    expect(scaleBox({ x: 1, y: 1, width: 1, height: 1 }, { width: 4, height: 4 }, { width: 10, height: 10 })).toEqual({ x: 2, y: 2, width: 3, height: 3 });
  });

  it('blackout paints the region (nearest mask pixel) and nothing else', () => {
    const img = { width: 4, height: 4, data: new Uint8Array(48).fill(200) };
    const mask = { width: 2, height: 2, data: Uint8Array.from([255, 0, 0, 0]) };
    const out = blackOut(img, mask, 128, [1, 2, 3]);
    const px = (x: number, y: number) => Array.from(out.data.slice((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
    expect([px(0, 0), px(1, 1), px(2, 0), px(0, 2), px(3, 3)]).toEqual([[1, 2, 3], [1, 2, 3], [200, 200, 200], [200, 200, 200], [200, 200, 200]]);
    expect(img.data[0]).toBe(200); // the input is not changed
  });
});
