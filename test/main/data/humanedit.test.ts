import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { startImport } from '../../../main/data/import-runner.js';
import type { Store } from '../../../main/store/index.js';
import { freshStore, img, maskImage, patchArea, pngImage, tempDir, writeHumanEditParquet, type HumanEditRow } from './helpers.js';
import { sqlOf } from '../../helpers/sql.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function row(id: string, overrides: Partial<HumanEditRow> = {}): Promise<HumanEditRow> {
  return {
    IMAGE_ID: id,
    EDITING_TYPE: 'Replace',
    CORE: '1',
    MASK: 'mask',
    EDITING_INSTRUCTION: `replace the red patch in ${id} with blue`,
    OUTPUT_DESCRIPTION: `a green field with a blue patch (${id})`,
    INPUT_CAPTION_BY_LLAMA: 'a green field with a red patch',
    OUTPUT_CAPTION_BY_LLAMA: 'a green field with a blue patch',
    INPUT_IMG: img(await pngImage(48, 32, [30, 160, 40], [200, 20, 20]), `${id}-in.png`),
    // HumanEdit marks the edit region black.
    MASK_IMG: img(await maskImage(48, 32, 0, 255)),
    OUTPUT_IMG: img(await pngImage(48, 32, [30, 160, 40], [20, 20, 200])),
    ...overrides,
  };
}

describe('HumanEdit importer', () => {
  test('imports a shard folder streamed by row group, masks inverted to white = edit, bad samples reported', async () => {
    const root = tempDir('humanedit-');
    const good = await Promise.all(['he-1', 'he-2', 'he-3', 'he-4'].map((id) => row(id)));
    const corrupt = await row('he-corrupt', { OUTPUT_IMG: img(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])) });
    const wrongMask = await row('he-mask-size', { MASK_IMG: img(await maskImage(20, 20, 0, 255)) });
    const notUtf8 = await row('he-bytes', { EDITING_INSTRUCTION: new Uint8Array([0x72, 0x65, 0xff, 0xfe, 0x64]) });
    const huge = await row('he-huge', { EDITING_INSTRUCTION: 'x'.repeat(10_001) });
    const missing = await row('he-missing', { OUTPUT_IMG: null });
    writeHumanEditParquet(path.join(root, 'data', 'train-00000-of-00002.parquet'), [...good.slice(0, 2), corrupt, wrongMask, notUtf8], 2);
    writeHumanEditParquet(path.join(root, 'data', 'train-00001-of-00002.parquet'), [...good.slice(2), huge, missing], 3);
    // A third shard cut off mid-file (an interrupted download).
    const whole = path.join(root, 'whole.tmp');
    writeHumanEditParquet(whole, [await row('he-lost')], 1);
    const bytes = fs.readFileSync(whole);
    fs.writeFileSync(path.join(root, 'data', 'train-00002-of-00003.parquet'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    fs.rmSync(whole);

    const store = freshStore();
    stores.push(store);
    const report = await startImport(store, null, { format: 'humanedit', path: root }).done;
    expect(report.state).toBe('completed');
    expect(report.imported).toBe(4);
    const byRef = Object.fromEntries(report.errors.map((e) => [e.sampleRef, e]));
    expect(Object.keys(byRef).sort()).toEqual(['he-bytes', 'he-corrupt', 'he-huge', 'he-mask-size', 'he-missing', 'train-00002-of-00003.parquet'].sort());
    expect(byRef['he-corrupt']).toMatchObject({ field: 'target' });
    expect(byRef['he-mask-size']).toMatchObject({ field: 'mask' });
    expect(byRef['he-mask-size']!.reason).toContain('20×20');
    expect(byRef['he-bytes']).toMatchObject({ field: 'instruction' });
    expect(byRef['he-bytes']!.reason).toContain('UTF-8');
    expect(byRef['he-huge']!.reason).toContain('10001 characters');
    expect(byRef['he-missing']).toMatchObject({ field: 'target' });
    expect(byRef['train-00002-of-00003.parquet']!.reason).toMatch(/truncated|parquet/);

    // Nothing of a failed sample was written.
    const ids = sqlOf(store).prepare('SELECT external_id FROM samples ORDER BY external_id').pluck().all();
    expect(ids).toEqual(['he-1', 'he-2', 'he-3', 'he-4']);
    expect(store.datasets.errors(report.datasetId, 100)).toHaveLength(6);

    const first = store.samples.query({ datasetId: report.datasetId, filter: {}, sort: 'id', order: 'asc', offset: 0, limit: 10 }).items[0]!;
    const detail = store.samples.get(first.id)!;
    expect(detail.editType).toBe('Replace');
    expect(detail.sceneDescription).toBe('a green field with a blue patch (he-1)');
    expect(detail.inputCaption).toBe('a green field with a red patch');
    expect(detail.split).toBe('train');
    expect(detail.source).toMatchObject({ width: 48, height: 32 });
    expect(detail.mask).toMatchObject({ area: patchArea(48, 32), box: { x: 12, y: 8, width: 12, height: 8 }, source: 'dataset' });
    // Original bytes are kept as they were; the thumbnail is WebP.
    expect(store.blobs.read(detail.source.sha256)!.equals(Buffer.from(good[0]!.INPUT_IMG!.bytes))).toBe(true);
    expect((await sharp(store.blobs.read(detail.source.thumbSha256!)!).metadata()).format).toBe('webp');
    const maskPng = store.blobs.read(detail.mask!.pngSha256)!;
    const maskMeta = await sharp(maskPng).metadata();
    expect(maskMeta.channels).toBe(1);

    const d = store.datasets.detail(report.datasetId)!;
    expect(d).toMatchObject({ format: 'humanedit', status: 'ready', sampleCount: 4, errorCount: 6, maskCount: 4 });
    expect(d.options).toMatchObject({ polarity: 'black' });
  });

  test('a single shard path works, and the polarity option overrides the default', async () => {
    const root = tempDir('humanedit-one-');
    const file = path.join(root, 'train-00000-of-00001.parquet');
    writeHumanEditParquet(file, [await row('one', { MASK_IMG: img(await maskImage(48, 32, 255, 0)) })], 1);
    const store = freshStore();
    stores.push(store);
    const report = await startImport(store, null, { format: 'humanedit', path: file, options: { maskPolarity: 'white' } }).done;
    expect(report).toMatchObject({ state: 'completed', imported: 1, errors: [] });
    const id = sqlOf(store).prepare('SELECT id FROM samples').pluck().get() as number;
    expect(store.samples.get(id)!.mask!.area).toBe(patchArea(48, 32));
  });

  test('binary (non-struct) image columns are read too', async () => {
    const root = tempDir('humanedit-bin-');
    const file = path.join(root, 'train-0.parquet');
    const r = await row('bin');
    const { parquetWriteFile } = await import('hyparquet-writer');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'IMAGE_ID', data: ['bin'], type: 'STRING' },
        { name: 'EDITING_INSTRUCTION', data: ['make it blue'], type: 'STRING' },
        { name: 'INPUT_IMG', data: [r.INPUT_IMG!.bytes], type: 'BYTE_ARRAY' },
        { name: 'MASK_IMG', data: [r.MASK_IMG!.bytes], type: 'BYTE_ARRAY' },
        { name: 'OUTPUT_IMG', data: [r.OUTPUT_IMG!.bytes], type: 'BYTE_ARRAY' },
      ],
    });
    const store = freshStore();
    stores.push(store);
    const report = await startImport(store, null, { format: 'humanedit', path: file }).done;
    expect(report).toMatchObject({ state: 'completed', imported: 1, errors: [] });
  });
});
