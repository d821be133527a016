// The masks Api in-process over a real store (SQLite + blob files + sharp).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../../shared/api/client.js';
import { ApiCallError } from '../../../../shared/api/contract.js';
import { createMask, fillRect, rleFromBase64, rleToBase64, tightBox, maskArea } from '../../../../shared/mask/index.js';
import { createInProcessTransport } from '../../../../main/api/transports/in-process.js';
import { openApp, type App } from '../../../../main/app.js';
import { seedDataset, seedSample } from './seed.js';

let dir: string;
let app: App;
let api: ApiClient;
let datasetId: number;
let sampleId: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-masks-'));
  app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
  api = createApiClient(createInProcessTransport(app.dispatcher, app.events));
  datasetId = seedDataset(app.store);
  sampleId = await seedSample(app.store, datasetId, 'IMG_001', { width: 64, height: 48 });
});
afterEach(() => {
  app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rectMask = (x: number, y: number, w: number, h: number, W = 64, H = 48) => {
  const m = createMask(W, H);
  fillRect(m, { x, y, width: w, height: h });
  return m;
};

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiCallError);
  expect((err as ApiCallError).code).toBe(code);
  if (message) expect((err as ApiCallError).message).toMatch(message);
}

describe('save, versions, get', () => {
  it('saves a new version with area and tight box computed from the pixels, stored as a 1-channel PNG', async () => {
    const m = rectMask(10, 5, 20, 7);
    const events: unknown[] = [];
    app.events.subscribe((e, p) => events.push([e, p]));
    const v1 = await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(m.data), baseVersion: null, author: 'ana', note: 'first' });
    expect(v1).toMatchObject({ version: 1, area: 140, box: { x: 10, y: 5, width: 20, height: 7 }, source: 'editor', author: 'ana', note: 'first', parentId: null, current: true });
    expect(events).toContainEqual(['mask.saved', { sampleId, datasetId, version: 1 }]);
    const png = app.store.blobs.read(v1.pngSha256)!;
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.channels, meta.width, meta.height]).toEqual(['png', 1, 64, 48]);
    const got = await api.call('masks.get', { sampleId });
    expect(rleFromBase64(got.rle, 64 * 48)).toEqual(m.data);

    const m2 = rectMask(0, 0, 3, 3);
    const v2 = await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(m2.data), baseVersion: 1 });
    expect(v2).toMatchObject({ version: 2, parentId: v1.id, parentVersion: 1, area: 9 });
    const versions = await api.call('masks.versions', { sampleId });
    expect(versions.map((v) => [v.version, v.current])).toEqual([[2, true], [1, false]]);
    expect((await api.call('masks.sample', { sampleId })).mask?.version).toBe(2);
    const old = await api.call('masks.get', { sampleId, version: 1 });
    expect(maskArea({ width: 64, height: 48, data: rleFromBase64(old.rle, 64 * 48) })).toBe(140);
  });

  it('an empty mask has area 0 and no box', async () => {
    const v = await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(new Uint8Array(64 * 48)), baseVersion: null });
    expect([v.area, v.box]).toEqual([0, null]);
  });

  it('rejects a size other than the image, broken pixel data, a stale base version and unknown samples', async () => {
    const m = rectMask(0, 0, 4, 4, 32, 32);
    await expectCode(api.call('masks.save', { sampleId, width: 32, height: 32, rle: rleToBase64(m.data), baseVersion: null }), 'failed_precondition', /32×32, but sample IMG_001's image is 64×48/);
    await expectCode(api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(m.data), baseVersion: null }), 'failed_precondition', /rle: .*expected 3072/);
    await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(new Uint8Array(3072)), baseVersion: null });
    await expectCode(api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(new Uint8Array(3072)), baseVersion: null }), 'conflict', /mask version 1/);
    await expectCode(api.call('masks.get', { sampleId: 999 }), 'not_found', /sample 999/);
    await expectCode(api.call('masks.get', { sampleId, version: 7 }), 'not_found', /version 7/);
    await expectCode(api.call('masks.save', { sampleId, width: 64, height: 48, rle: 'not base64!', baseVersion: null }), 'invalid_args');
  });
});

describe('restore and diff', () => {
  it('restore adds a version copying the old pixels; diff counts added and removed', async () => {
    const a = rectMask(0, 0, 10, 10);
    const b = rectMask(5, 0, 10, 10);
    await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(a.data), baseVersion: null });
    await api.call('masks.save', { sampleId, width: 64, height: 48, rle: rleToBase64(b.data), baseVersion: 1 });
    const d = await api.call('masks.diff', { sampleId, from: 1, to: 2 });
    expect(d).toEqual({ from: 1, to: 2, added: 50, removed: 50, kept: 50, box: { x: 0, y: 0, width: 15, height: 10 } });
    const r = await api.call('masks.restore', { sampleId, version: 1 });
    expect(r).toMatchObject({ version: 3, area: 100, box: { x: 0, y: 0, width: 10, height: 10 }, parentVersion: 1, note: 'restored from version 1', current: true });
    const now = await api.call('masks.get', { sampleId });
    expect(rleFromBase64(now.rle, 64 * 48)).toEqual(a.data);
    expect((await api.call('masks.versions', { sampleId })).length).toBe(3);
  });
});

describe('navigate', () => {
  it('steps through a dataset with a filter and reports position and total', async () => {
    const s2 = await seedSample(app.store, datasetId, 'IMG_002', { width: 8, height: 8 }, { flagged: true });
    const s3 = await seedSample(app.store, datasetId, 'IMG_003', { width: 8, height: 8 });
    const s4 = await seedSample(app.store, datasetId, 'IMG_004', { width: 8, height: 8 }, { flagged: true });
    expect(await api.call('masks.navigate', { datasetId, fromSampleId: null, direction: 'next' })).toEqual({ sampleId, position: 1, total: 4 });
    expect(await api.call('masks.navigate', { datasetId, fromSampleId: s2, direction: 'next', filter: { flagged: true } })).toEqual({ sampleId: s4, position: 2, total: 2 });
    expect(await api.call('masks.navigate', { datasetId, fromSampleId: s4, direction: 'next', filter: { flagged: true } })).toEqual({ sampleId: null, position: null, total: 2 });
    expect(await api.call('masks.navigate', { datasetId, fromSampleId: s4, direction: 'previous', filter: { flagged: false } })).toEqual({ sampleId: s3, position: 2, total: 2 });
    await api.call('masks.save', { sampleId: s3, width: 8, height: 8, rle: rleToBase64(new Uint8Array(64)), baseVersion: null });
    expect(await api.call('masks.navigate', { datasetId, fromSampleId: null, direction: 'previous', filter: { hasMask: true } })).toEqual({ sampleId: s3, position: 1, total: 1 });
    await expectCode(api.call('masks.navigate', { datasetId: 99, fromSampleId: null, direction: 'next' }), 'not_found');
  });
});

describe('import and export', () => {
  async function writeFiles(folder: string) {
    fs.mkdirSync(folder, { recursive: true });
    // Inverted polarity: black marks the edit (HumanEdit).
    const grey = Buffer.alloc(64 * 48, 255);
    for (let y = 10; y < 20; y++) grey.fill(0, y * 64 + 5, y * 64 + 25);
    await sharp(grey, { raw: { width: 64, height: 48, channels: 1 } }).png().toFile(path.join(folder, 'IMG_001.png'));
    // RGBA, transparent = edit (MagicBrush), anti-aliased alpha 100 at one edge row.
    const rgba = Buffer.alloc(32 * 32 * 4, 255);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const i = (y * 32 + x) * 4;
      if (x < 8 && y < 4) rgba[i + 3] = 0;
      else if (x < 8 && y === 4) rgba[i + 3] = 100;
    }
    await sharp(rgba, { raw: { width: 32, height: 32, channels: 4 } }).png().toFile(path.join(folder, 'img_002_mask.png'));
    fs.writeFileSync(path.join(folder, 'stranger.png'), await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer());
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
  }

  it('matches files by external id, converts polarity/alpha/threshold, reports unmatched and errors', async () => {
    const s2 = await seedSample(app.store, datasetId, 'IMG_002', { width: 32, height: 32 });
    const s3 = await seedSample(app.store, datasetId, 'IMG_003', { width: 16, height: 16 });
    const folder = path.join(dir, 'in');
    await writeFiles(folder);
    // A wrong-size file for IMG_003.
    fs.writeFileSync(path.join(folder, 'IMG_003.webp'), await sharp({ create: { width: 20, height: 20, channels: 3, background: '#fff' } }).webp().toBuffer());

    const preview = await api.call('masks.previewImport', { datasetId, path: folder, options: { polarity: 'black' }, count: 4 });
    expect(preview.files).toBe(4);
    expect(preview.matched).toBe(3);
    expect(preview.unmatched).toEqual(['stranger.png']);
    const p1 = preview.previews.find((p) => p.externalId === 'IMG_001')!;
    expect(p1.editFraction).toBeCloseTo(200 / (64 * 48), 6);
    expect(p1.maskPng).toMatch(/^data:image\/png;base64,/);
    expect(preview.previews.find((p) => p.externalId === 'IMG_003')!.error).toMatch(/20×20, but the sample's image is 16×16/);

    // Polarity black applies to every file of one import: import the grey one first.
    const progress: { operation: string; done: number; total: number }[] = [];
    app.events.subscribe((e, p) => e === 'masks.progress' && progress.push(p as (typeof progress)[number]));
    const r1 = await api.call('masks.importFiles', { datasetId, path: folder, options: { polarity: 'black', alpha: 'composite', threshold: 128, sizeMismatch: 'error' } });
    expect(r1.files).toBe(4);
    expect(r1.unmatched).toEqual(['stranger.png']);
    expect(r1.errors.map((e) => e.externalId)).toEqual(['IMG_003']);
    // Progress: counts up to the matched files, the last event complete.
    expect(progress.at(-1)).toMatchObject({ operation: 'import', done: 3, total: 3 });
    const m1 = await api.call('masks.get', { sampleId });
    expect(m1.mask).toMatchObject({ source: 'import', area: 200, box: { x: 5, y: 10, width: 20, height: 10 } });

    // The RGBA file with alpha: transparent = edit (polarity black), threshold 128: alpha 100 → 155 ≥ 128 is edit too.
    const r2 = await api.call('masks.importFiles', { datasetId, path: folder, options: { polarity: 'black', alpha: 'alpha', threshold: 128, sizeMismatch: 'resize' } });
    const m2 = await api.call('masks.get', { sampleId: s2 });
    expect(m2.mask).toMatchObject({ area: 8 * 5, box: { x: 0, y: 0, width: 8, height: 5 } });
    // With a threshold above 155 the anti-aliased row is left out.
    await api.call('masks.importFiles', { datasetId, path: folder, options: { polarity: 'black', alpha: 'alpha', threshold: 200, sizeMismatch: 'resize' } });
    // (Composite over black in the first import gave the same 40 pixels, so the alpha import was unchanged.)
    expect(r2).toMatchObject({ imported: 1, unchanged: 2 });
    expect((await api.call('masks.get', { sampleId: s2 })).mask).toMatchObject({ area: 8 * 4, version: 2 });
    // resize made IMG_003 importable (its imported count above).
    expect(r2.errors).toEqual([]);
    expect((await api.call('masks.get', { sampleId: s3 })).mask.width).toBe(16);

    // Export in both polarities; re-import of the export is a no-op ("unchanged").
    const out = path.join(dir, 'out');
    const ex = await api.call('masks.export', { datasetId, path: out, polarity: 'white' });
    expect(ex).toMatchObject({ written: 3, withoutMask: 0 });
    expect(progress.at(-1)).toMatchObject({ operation: 'export', done: 3, total: 3 });
    expect((await sharp(path.join(out, 'IMG_002.png')).metadata()).channels).toBe(1);
    const data = await sharp(path.join(out, 'IMG_002.png')).extractChannel(0).raw().toBuffer();
    expect(tightBox({ width: 32, height: 32, data: new Uint8Array(data) })).toEqual({ x: 0, y: 0, width: 8, height: 4 });
    const again = await api.call('masks.importFiles', { datasetId, path: out, options: { polarity: 'white', alpha: 'composite', threshold: 128, sizeMismatch: 'error' } });
    expect(again).toMatchObject({ imported: 0, unchanged: 3 });
    const outBlack = path.join(dir, 'out-black');
    await api.call('masks.export', { datasetId, path: outBlack, polarity: 'black' });
    const black = await sharp(path.join(outBlack, 'IMG_001.png')).extractChannel(0).raw().toBuffer();
    expect(black[10 * 64 + 5]).toBe(0);
    expect(black[0]).toBe(255);
  });

  it('names missing folders and datasets', async () => {
    await expectCode(api.call('masks.importFiles', { datasetId, path: path.join(dir, 'nope') }), 'not_found', /nope does not exist/);
    await expectCode(api.call('masks.export', { datasetId: 42, path: dir }), 'not_found', /dataset 42/);
  });
});
