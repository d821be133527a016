// The mask editor in Chromium against a real `ric serve` whose data folder was seeded straight into
// the store (bench/mask-seed.mjs): draw, undo/redo, save, reload and compare every stored pixel
// with the same shapes rasterised by shared/mask; import masks (inverted polarity, RGBA); restore
// and diff versions; unsaved edits kept as a draft across samples.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { apiCall as call, expect, projectRoot, withSeededServer, type WebServerHandle } from './fixtures.js';
import { seedMaskSamples } from '../../bench/mask-seed.mjs';
import type * as MaskLib from '../../shared/mask/index.js';

// The built shared code, so the expectation is computed by the same rules the editor uses.
const mask = (await import(pathToFileURL(path.join(projectRoot, 'dist/shared/mask/index.js')).href)) as typeof MaskLib;

const W = 200;
const H = 160;

const test = withSeededServer(async (dataDir) => {
  await seedMaskSamples(dataDir, [
    { externalId: 'S1', width: W, height: H },
    { externalId: 'S2', width: W, height: H, flagged: true },
    { externalId: 'S3', width: 64, height: 48, flagged: true },
    { externalId: 'S4', width: W, height: H, masks: [[10, 10, 50, 40], [30, 20, 80, 60]] },
  ]);
});

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

async function openEditor(page: Page, server: WebServerHandle, sampleId: number) {
  await page.goto(`${server.urlWithToken}#/masks/${sampleId}`);
  await expect(page.getByTestId('mask-editor')).toHaveAttribute('data-sample-id', String(sampleId));
}

/**
 * Zoom to one image pixel per CSS pixel (the 1 key) and return how image coordinates map to page
 * coordinates: the stage shows its view (data-scale, and where the image's top-left pixel lands in
 * it, data-image-x / data-image-y), the toolbar the zoom.
 */
async function oneToOne(page: Page): Promise<(x: number, y: number) => [number, number]> {
  await page.keyboard.press('1');
  const stage = page.getByTestId('mask-stage');
  await expect(stage).toHaveAttribute('data-scale', '1');
  await expect(page.getByTestId('mask-zoom')).toHaveText('100%');
  const ox = Number(await stage.getAttribute('data-image-x'));
  const oy = Number(await stage.getAttribute('data-image-y'));
  const box = (await stage.boundingBox())!;
  // Integer offsets keep pointer positions exact image coordinates.
  expect(Number.isInteger(box.x + ox) && Number.isInteger(box.y + oy)).toBe(true);
  return (x, y) => [box.x + ox + x, box.y + oy + y];
}

async function storedMask(page: Page, sampleId: number, width: number, height: number) {
  const got = await call<{ mask: { version: number; area: number; box: unknown; pngSha256: string }; rle: string }>(page, 'masks.get', { sampleId });
  return { ...got.mask, data: mask.rleFromBase64(got.rle, width * height) };
}

test('brush strokes, polygon and rectangle; undo and redo; save; reload: every stored pixel as expected', async ({ page, server }) => {
  const problems = watchProblems(page);
  await openEditor(page, server, 1);
  const at = await oneToOne(page);
  await expect(page.getByTestId('mask-warning')).toContainText('Empty mask');
  await page.getByRole('slider', { name: 'Brush size' }).fill('10');
  await page.keyboard.press('b');

  // Expected pixels, by the rules of shared/mask (capsules, pixel centres, even-odd polygons).
  const expected = mask.createMask(W, H);
  const brush = { radiusFrom: 5, radiusTo: 5, hardness: 1, mode: 'paint' as const };
  const drag = async (from: [number, number], to: [number, number], steps: number) => {
    await page.mouse.move(...at(...from));
    await page.mouse.down();
    await page.mouse.move(...at(...to), { steps });
    await page.mouse.up();
  };
  await drag([20, 30], [120, 30], 10);
  mask.strokeSegment(expected, { x: 20, y: 30 }, { x: 120, y: 30 }, brush);
  await drag([30, 100], [90, 140], 4);
  mask.strokeSegment(expected, { x: 30, y: 100 }, { x: 90, y: 140 }, brush);
  const afterStrokes = mask.maskArea(expected);
  await expect(page.getByTestId('mask-stage')).toHaveAttribute('data-area', String(afterStrokes));

  await page.keyboard.press('p');
  const poly = [[130, 60], [185, 70], [160, 125]] as const;
  for (const p of poly) await page.mouse.click(...at(p[0], p[1]));
  await page.mouse.click(...at(poly[0][0], poly[0][1]));
  mask.fillPolygon(expected, poly.map(([x, y]) => ({ x, y })));

  await page.keyboard.press('r');
  await drag([40, 60], [80, 90], 3);
  mask.fillRect(expected, mask.rectFromCorners({ x: 40, y: 60 }, { x: 80, y: 90 }));
  const all = mask.maskStats(expected);
  const boxAttr = (b: MaskLib.Rect) => `${b.x},${b.y},${b.width},${b.height}`;
  const stage = page.getByTestId('mask-stage');
  await expect(stage).toHaveAttribute('data-area', String(all.area));
  await expect(stage).toHaveAttribute('data-box', boxAttr(all.box!));
  await expect(page.getByTestId('mask-dirty')).toHaveText('Unsaved edits');

  // Undo the rectangle and the polygon, then redo both.
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(stage).toHaveAttribute('data-area', String(afterStrokes));
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+Shift+Z');
  await expect(stage).toHaveAttribute('data-area', String(all.area));

  await page.getByTestId('mask-save').click();
  await expect(page.getByTestId('mask-message')).toContainText('Saved version 1');
  await expect(page.getByTestId('mask-dirty')).toHaveText('Saved');

  const stored = await storedMask(page, 1, W, H);
  expect(stored.area).toBe(all.area);
  expect(stored.box).toEqual(all.box);
  expect(Buffer.compare(Buffer.from(stored.data), Buffer.from(expected.data))).toBe(0);
  // The blob itself: a single-channel PNG, white = edit.
  const png = path.join(server.dataDir, 'blobs', stored.pngSha256.slice(0, 2), stored.pngSha256);
  expect((await sharp(png).metadata()).channels).toBe(1);
  expect(Buffer.compare(await sharp(png).extractChannel(0).raw().toBuffer(), Buffer.from(expected.data))).toBe(0);

  await page.reload();
  await expect(page.getByTestId('mask-editor')).toBeVisible();
  await expect(stage).toHaveAttribute('data-area', String(all.area));
  await expect(stage).toHaveAttribute('data-box', boxAttr(all.box!));
  await expect(page.getByTestId('mask-dirty')).toHaveText('Saved');
  await expect(page.getByTestId('mask-versions').locator('li')).toHaveCount(1);
  expect(problems).toEqual([]);
});

test('imports a mask with inverted polarity and an RGBA mask through the panel with a live preview', async ({ page, server }) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-mask-import-'));
  try {
    // S2: greyscale, black marks the edit (HumanEdit's convention).
    const grey = Buffer.alloc(W * H, 255);
    for (let y = 40; y < 70; y++) grey.fill(0, y * W + 50, y * W + 110);
    fs.mkdirSync(path.join(tmp, 'grey'));
    await sharp(grey, { raw: { width: W, height: H, channels: 1 } }).png().toFile(path.join(tmp, 'grey', 'S2.png'));
    // S3: RGBA, transparency marks the edit (MagicBrush), with an anti-aliased row at alpha 100.
    const rgba = Buffer.alloc(64 * 48 * 4, 255);
    for (let y = 5; y < 15; y++) for (let x = 10; x < 30; x++) rgba[(y * 64 + x) * 4 + 3] = 0;
    for (let x = 10; x < 30; x++) rgba[(15 * 64 + x) * 4 + 3] = 100;
    fs.mkdirSync(path.join(tmp, 'rgba'));
    await sharp(rgba, { raw: { width: 64, height: 48, channels: 4 } }).png().toFile(path.join(tmp, 'rgba', 's3_mask.png'));

    await openEditor(page, server, 2);
    await page.getByLabel('Import folder').fill(path.join(tmp, 'grey'));
    await expect(page.getByTestId('import-match')).toContainText('1 of 1 files match');
    // White polarity first: the preview shows an (almost) all-edit mask; then switch to black.
    await expect(page.locator('.mask-import-previews figcaption')).toContainText('94.4% edit');
    await page.getByLabel('Import polarity').selectOption('black');
    await expect(page.locator('.mask-import-previews figcaption')).toContainText('5.6% edit');
    await page.getByRole('button', { name: 'Import 1 masks' }).click();
    await expect(page.getByTestId('mask-io-report')).toContainText('1 imported');
    const stage = page.getByTestId('mask-stage');
    await expect(stage).toHaveAttribute('data-area', String(60 * 30));
    await expect(stage).toHaveAttribute('data-box', '50,40,60,30');
    const s2 = await storedMask(page, 2, W, H);
    expect([s2.area, s2.box]).toEqual([1800, { x: 50, y: 40, width: 60, height: 30 }]);

    await page.getByLabel('Import folder').fill(path.join(tmp, 'rgba'));
    await page.getByLabel('Alpha handling').selectOption('alpha');
    await expect(page.locator('.mask-import-previews figcaption')).toContainText('4 ch');
    await page.getByLabel('Import threshold').fill('200');
    await page.getByRole('button', { name: 'Import 1 masks' }).click();
    await expect(page.getByTestId('mask-io-report')).toContainText(`${path.join(tmp, 'rgba')}: 1 imported`);
    const s3 = await storedMask(page, 3, 64, 48);
    // Threshold 200: alpha 100 (→ 155 after polarity) stays outside the edit region.
    expect([s3.area, s3.box]).toEqual([200, { x: 10, y: 5, width: 20, height: 10 }]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('diff and restore versions; unsaved edits survive switching samples; next with the flagged filter', async ({ page, server }) => {
  await openEditor(page, server, 4);
  const stage = page.getByTestId('mask-stage');
  await expect(stage).toHaveAttribute('data-area', String(80 * 60));
  const versions = page.getByTestId('mask-versions').locator('li');
  await expect(versions).toHaveCount(2);
  // v1 = 50×40 at (10,10); v2 = 80×60 at (30,20): overlap 30×30.
  await page.locator('[data-version="1"]').getByRole('button', { name: 'Diff' }).click();
  await expect(page.getByTestId('diff-legend')).toContainText(`+${(4800 - 900).toLocaleString()}`);
  await expect(page.getByTestId('diff-legend')).toContainText(`−${(2000 - 900).toLocaleString()}`);
  await page.locator('[data-version="1"]').getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByTestId('mask-message')).toContainText('Restored version 1 as version 3');
  await expect(stage).toHaveAttribute('data-area', '2000');
  await expect(stage).toHaveAttribute('data-box', '10,10,50,40');
  await expect(versions).toHaveCount(3);
  const v = await call<{ version: number; area: number; parentVersion: number; current: boolean }[]>(page, 'masks.versions', { sampleId: 4 });
  expect(v[0]).toMatchObject({ version: 3, area: 2000, parentVersion: 1, current: true });

  // An unsaved edit, then the next sample and back: the draft comes back.
  await page.keyboard.press('i');
  await expect(stage).toHaveAttribute('data-area', String(W * H - 2000));
  await expect(page.getByTestId('mask-dirty')).toHaveText('Unsaved edits');
  await page.getByRole('button', { name: /Prev/ }).click();
  await expect(page.getByTestId('mask-editor')).toHaveAttribute('data-sample-id', '3');
  await page.goBack();
  await expect(page.getByTestId('mask-editor')).toHaveAttribute('data-sample-id', '4');
  await expect(stage).toHaveAttribute('data-area', String(W * H - 2000));
  await expect(page.getByTestId('mask-message')).toContainText('Restored unsaved edits');
  await page.keyboard.press('Control+z');
  await expect(stage).toHaveAttribute('data-area', '2000');
  // Warnings: cleared, then inverted to the whole image.
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('mask-warning')).toContainText('Empty mask');
  await page.keyboard.press('i');
  await expect(page.getByTestId('mask-warning')).toContainText('100.0% of the image');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(stage).toHaveAttribute('data-area', '2000');
  await expect(page.getByTestId('mask-warning')).toHaveCount(0);

  // Flagged filter: from S4 backwards the flagged ones are S3 then S2.
  await page.getByLabel('Step through').selectOption('flagged');
  await page.keyboard.press('Shift+N');
  await expect(page.getByTestId('mask-editor')).toHaveAttribute('data-sample-id', '3');
  await expect(page.getByTestId('mask-nav-pos')).toHaveText('2 / 2');
  await page.keyboard.press('Shift+N');
  await expect(page.getByTestId('mask-editor')).toHaveAttribute('data-sample-id', '2');
  // Unflag S2 here: the flagged filter then has only S3.
  await page.getByLabel('Flagged for review').uncheck();
  await expect.poll(async () => (await call<{ total: number }>(page, 'masks.navigate', { datasetId: 1, fromSampleId: null, direction: 'next', filter: { flagged: true } })).total).toBe(1);
  // Help overlay.
  await page.keyboard.press('?');
  await expect(page.getByTestId('mask-help')).toContainText('Undo');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('mask-help')).toHaveCount(0);
});

test('grow, shrink, eraser, bucket fill, a soft brush and pen pressure: every stored pixel as expected', async ({ page, server }) => {
  const problems = watchProblems(page);
  await openEditor(page, server, 2);
  const at = await oneToOne(page);
  const stage = page.getByTestId('mask-stage');
  const expected = mask.createMask(W, H);
  const drag = async (from: [number, number], to: [number, number], steps: number) => {
    await page.mouse.move(...at(...from));
    await page.mouse.down();
    await page.mouse.move(...at(...to), { steps });
    await page.mouse.up();
  };
  const area = () => expect(stage).toHaveAttribute('data-area', String(mask.maskArea(expected)));

  await page.keyboard.press('r');
  await drag([40, 40], [100, 100], 2);
  mask.fillRect(expected, mask.rectFromCorners({ x: 40, y: 40 }, { x: 100, y: 100 }));
  await area();
  await page.getByLabel('Grow or shrink by').fill('6');
  await stage.focus();
  await page.keyboard.press('g');
  mask.growMask(expected, 6);
  await area();
  await page.keyboard.press('Shift+G');
  mask.growMask(expected, -6);
  await area();

  await page.getByRole('slider', { name: 'Brush size' }).fill('10');
  await page.keyboard.press('e');
  await drag([30, 70], [110, 70], 8);
  mask.strokeSegment(expected, { x: 30, y: 70 }, { x: 110, y: 70 }, { radiusFrom: 5, radiusTo: 5, hardness: 1, mode: 'erase' });
  await area();

  // Alt + fill erases the closed region above the eraser's cut.
  await page.keyboard.press('f');
  await page.keyboard.down('Alt');
  await page.mouse.click(...at(70, 50));
  await page.keyboard.up('Alt');
  mask.floodFill(expected, { x: 70, y: 50 }, 0);
  await area();

  // A soft brush: coverage falls off outside hardness × radius.
  await page.keyboard.press('b');
  await page.getByRole('slider', { name: 'Brush size' }).fill('20');
  await page.getByRole('slider', { name: 'Hardness' }).fill('0.5');
  await drag([20, 130], [180, 130], 8);
  mask.strokeSegment(expected, { x: 20, y: 130 }, { x: 180, y: 130 }, { radiusFrom: 10, radiusTo: 10, hardness: 0.5, mode: 'paint' });
  await area();

  // A pen: pressure 0.5 at the start, 1 at the end → radius 5 growing to 10.
  await page.getByRole('slider', { name: 'Hardness' }).fill('1');
  const cdp = await page.context().newCDPSession(page);
  const pen = (type: 'mousePressed' | 'mouseMoved' | 'mouseReleased', [x, y]: [number, number], force: number) =>
    cdp.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1, pointerType: 'pen', force });
  await pen('mouseMoved', at(20, 20), 0);
  await pen('mousePressed', at(20, 20), 0.5);
  await pen('mouseMoved', at(120, 20), 1);
  await pen('mouseReleased', at(120, 20), 0);
  mask.strokeSegment(expected, { x: 20, y: 20 }, { x: 20, y: 20 }, { radiusFrom: 5, radiusTo: 5, hardness: 1, mode: 'paint' });
  mask.strokeSegment(expected, { x: 20, y: 20 }, { x: 120, y: 20 }, { radiusFrom: 5, radiusTo: 10, hardness: 1, mode: 'paint' });
  await area();

  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('mask-message')).toContainText('Saved version 1');
  const stored = await storedMask(page, 2, W, H);
  expect(stored.box).toEqual(mask.tightBox(expected));
  expect(Buffer.compare(Buffer.from(stored.data), Buffer.from(expected.data))).toBe(0);
  // Soft values are stored as they are (the threshold decides area and box only).
  expect(stored.data.some((v) => v > 0 && v < 255)).toBe(true);
  expect(problems).toEqual([]);
});
