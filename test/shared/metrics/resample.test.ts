// PIL-style resampling against values PIL 9.4 (Debian python3-pil) produced for the same 7×5 image:
// Image.fromarray(a).resize((W, H), filter) — listed below. PIL rounds to 8 bits after each pass;
// we do not, so ±1 level is allowed (and no more).
import { describe, expect, it } from 'vitest';
import { cropRgb, resampleTaps, resizeRgb, type ResampleFilter, type RgbImage } from '../../../shared/metrics/resample.js';

function testImage(): RgbImage {
  const w = 7, h = 5;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = (x * 37 + y * 11 + c * 5 + ((x * y * 13) % 17)) % 256;
  return { width: w, height: h, data };
}

const PIL: [ResampleFilter, number, number, number[]][] = [
  ['bilinear', 3, 2, [47, 52, 57, 126, 131, 136, 203, 208, 192, 68, 73, 78, 151, 156, 161, 164, 169, 153]],
  ['bicubic', 3, 2, [40, 45, 50, 125, 130, 136, 211, 216, 197, 64, 69, 74, 158, 163, 170, 163, 168, 149]],
  ['box', 4, 3, [28, 33, 38, 102, 107, 112, 154, 159, 164, 216, 221, 226, 45, 50, 55, 120, 125, 130, 172, 177, 182, 233, 238, 115, 59, 64, 69, 139, 144, 149, 190, 195, 200, 122, 127, 132]],
  ['nearest', 3, 2, [61, 66, 71, 127, 132, 137, 210, 215, 220, 75, 80, 85, 159, 164, 169, 226, 231, 236]],
  // upscaling with bicubic overshoot (the image wraps mod 256): PIL clips each pass to [0, 255]
  ['bicubic', 11, 9, [0, 1, 6, 12, 17, 22, 38, 43, 48, 62, 67, 72, 85, 90, 95, 110, 115, 120, 134, 139, 144, 157, 162, 167, 180, 185, 190, 207, 212, 217, 223, 228, 233, 2, 4, 9, 17, 22, 27, 47, 52, 57, 70, 75, 80, 92, 97, 102, 115, 120, 125, 138, 143, 148, 162, 167, 172, 188, 193, 198, 215, 220, 230, 230, 235, 249, 6, 11, 16, 28, 33, 38, 63, 68, 73, 83, 88, 93, 104, 109, 114, 125, 130, 135, 145, 150, 155, 171, 176, 181, 204, 209, 213, 230, 235, 246, 243, 248, 255, 12, 17, 22, 35, 40, 45, 69, 74, 79, 87, 92, 97, 109, 114, 119, 134, 139, 144, 153, 158, 163, 178, 183, 191, 210, 215, 225, 243, 248, 181, 255, 255, 146, 19, 24, 29, 40, 45, 50, 71, 76, 81, 88, 93, 98, 113, 118, 123, 143, 148, 153, 161, 166, 171, 184, 189, 201, 214, 219, 234, 237, 242, 98, 249, 254, 0, 25, 30, 35, 44, 49, 54, 75, 80, 85, 98, 103, 108, 125, 130, 135, 153, 158, 163, 169, 174, 179, 193, 198, 207, 224, 229, 239, 161, 166, 98, 107, 110, 0, 31, 36, 41, 49, 54, 59, 80, 85, 90, 107, 112, 117, 134, 139, 144, 160, 165, 170, 175, 180, 185, 203, 208, 212, 233, 238, 243, 98, 103, 114, 0, 0, 8, 38, 43, 48, 56, 61, 66, 84, 89, 94, 110, 115, 120, 134, 139, 144, 159, 164, 169, 180, 185, 190, 210, 215, 220, 238, 243, 248, 103, 108, 118, 0, 0, 10, 42, 47, 52, 59, 64, 69, 85, 90, 95, 110, 115, 120, 134, 139, 144, 158, 163, 168, 183, 188, 193, 214, 219, 224, 241, 246, 251, 109, 114, 119, 1, 6, 11]],
];

describe('resample (PIL Image.resize)', () => {
  for (const [filter, w, h, expected] of PIL) {
    it(`${filter} 7×5 → ${w}×${h} matches PIL within one 8-bit level`, () => {
      const out = resizeRgb(testImage(), w, h, filter, true);
      expect(out.data.length).toBe(expected.length);
      const worst = Math.max(...Array.from(out.data, (v, i) => Math.abs(v - expected[i]!)));
      expect(worst).toBeLessThanOrEqual(1.0001);
    });
  }

  it('2× bilinear shrink with antialias weighs 1/8, 3/8, 3/8, 1/8 (PIL); without it, the two middle pixels (torch)', () => {
    const aa = resampleTaps(8, 4, 'bilinear', true);
    expect(aa.start[1]).toBe(1);
    expect(Array.from(aa.weights[1]!)).toEqual([0.125, 0.375, 0.375, 0.125]);
    const plain = resampleTaps(8, 4, 'bilinear', false);
    expect(plain.start[1]).toBe(2);
    expect(Array.from(plain.weights[1]!)).toEqual([0.5, 0.5]);
    // torch F.interpolate(align_corners=False) clamps at the border: the first output is a blend of pixels 0 and 1 at 3:1 when upscaling 2×
    const up = resampleTaps(4, 8, 'bilinear', false);
    expect(Array.from(up.weights[0]!)).toEqual([1]);
    expect(Array.from(up.weights[1]!)).toEqual([0.75, 0.25]);
  });

  it('same size is the identity for every filter; crops cut the right pixels', () => {
    const img = testImage();
    for (const f of ['nearest', 'box', 'bilinear', 'bicubic'] as const) expect(Array.from(resizeRgb(img, 7, 5, f, true).data)).toEqual(Array.from(img.data));
    const c = cropRgb(img, { x: 2, y: 1, width: 3, height: 2 });
    expect(Array.from(c.data.slice(0, 3))).toEqual(Array.from(img.data.slice((1 * 7 + 2) * 3, (1 * 7 + 2) * 3 + 3)));
    expect(() => cropRgb(img, { x: 5, y: 0, width: 3, height: 1 })).toThrow(/not inside the 7×5/);
  });
});
