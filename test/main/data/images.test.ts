import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { decodeImage, normaliseMask, SampleFieldError } from '../../../main/data/images.js';
import { maskImage, patchArea, pngImage } from './helpers.js';

const white = { polarity: 'white' as const, alphaMarksEdit: false, threshold: 128 };
const black = { polarity: 'black' as const, alphaMarksEdit: false, threshold: 128 };

async function pixels(png: Uint8Array) {
  const channels = (await sharp(png).metadata()).channels;
  const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, info: { channels } };
}

describe('mask normalisation', () => {
  test('white = edit stays; stored as a single-channel PNG with area and tight box', async () => {
    const m = await normaliseMask(await maskImage(40, 40, 255, 0), white);
    expect(m.area).toBe(patchArea(40, 40));
    expect(m.box).toEqual({ x: 10, y: 10, width: 10, height: 10 });
    const { data, info } = await pixels(m.png);
    expect(info.channels).toBe(1);
    expect(new Set(data)).toEqual(new Set([0, 255]));
  });

  test('a mask already in the stored form (8-bit grey PNG of 0/255, white = edit) keeps its bytes', async () => {
    const raw = Buffer.alloc(16 * 16);
    for (let i = 0; i < 40; i++) raw[i] = 255;
    const grey = await sharp(raw, { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const kept = await normaliseMask(grey, white);
    expect(Buffer.from(kept.png).equals(grey)).toBe(true);
    expect(kept.area).toBe(40);
    // Inverted, it is re-encoded (and still single-channel).
    const inverted = await normaliseMask(grey, black);
    expect(Buffer.from(inverted.png).equals(grey)).toBe(false);
    expect(inverted.area).toBe(256 - 40);
    expect((await pixels(inverted.png)).info.channels).toBe(1);
  });

  test('HumanEdit polarity (black = edit) is inverted to white = edit', async () => {
    const m = await normaliseMask(await maskImage(40, 40, 0, 255), black);
    expect(m.area).toBe(patchArea(40, 40));
    expect(m.box).toEqual({ x: 10, y: 10, width: 10, height: 10 });
    // The wrong polarity would mark everything except the patch.
    const wrong = await normaliseMask(await maskImage(40, 40, 0, 255), white);
    expect(wrong.area).toBe(40 * 40 - patchArea(40, 40));
  });

  test('RGBA masks where transparency marks the edit (MagicBrush test set)', async () => {
    const w = 32;
    const data = Buffer.alloc(w * w * 4, 0);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      data[o] = data[o + 1] = data[o + 2] = 255;
      data[o + 3] = x < 8 && y < 4 ? 0 : 255; // transparent top-left 8×4
    }
    const png = await sharp(data, { raw: { width: w, height: w, channels: 4 } }).png().toBuffer();
    const m = await normaliseMask(png, { polarity: 'white', alphaMarksEdit: true, threshold: 128 });
    expect(m.area).toBe(32);
    expect(m.box).toEqual({ x: 0, y: 0, width: 8, height: 4 });
  });

  test('the threshold binarises anti-aliased edges', async () => {
    const m = await normaliseMask(await maskImage(20, 20, 200, 60), { ...white, threshold: 100 });
    expect(m.area).toBe(patchArea(20, 20));
    const none = await normaliseMask(await maskImage(20, 20, 200, 60), { ...white, threshold: 201 });
    expect(none.area).toBe(0);
    expect(none.box).toBeNull();
  });

  test('a mask of the wrong size is refused, naming both sizes', async () => {
    const err = await normaliseMask(await maskImage(30, 20, 255, 0), white, { width: 40, height: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SampleFieldError);
    expect((err as SampleFieldError).field).toBe('mask');
    expect((err as Error).message).toContain('30×20');
    expect((err as Error).message).toContain('40×40');
  });

  test('a colour image is not a mask (channels disagree)', async () => {
    const png = await pngImage(24, 24, [255, 0, 0], [0, 0, 255]);
    await expect(normaliseMask(png, white)).rejects.toThrow(/3 channels .* colour image, not a mask/);
  });

  test('corrupt and truncated images are reported per field', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]), 'source')).rejects.toMatchObject({ field: 'source' });
    const png = await pngImage(64, 64, [10, 200, 30], [200, 10, 10]);
    const truncated = png.subarray(0, Math.floor(png.length * 0.6));
    const err = await decodeImage(truncated, 'target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SampleFieldError);
    expect((err as SampleFieldError).field).toBe('target');
    const ok = await decodeImage(png, 'source');
    expect([ok.width, ok.height, ok.format]).toEqual([64, 64, 'png']);
    expect((await sharp(ok.thumb).metadata()).format).toBe('webp');
  });
});
