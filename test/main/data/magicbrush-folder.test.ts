import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { startImport } from '../../../main/data/import-runner.js';
import type { Store } from '../../../main/store/index.js';
import { freshStore, img, maskImage, patchArea, pngImage, tempDir, writeMagicBrushParquet } from './helpers.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
const open = () => {
  const s = freshStore();
  stores.push(s);
  return s;
};

/** An RGBA mask: opaque white everywhere except a transparent patch (the edit), as in MagicBrush's test set. */
async function rgbaMask(w: number, h: number): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 4, 255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x >= w / 4 && x < w / 2 && y >= h / 4 && y < h / 2) data[(y * w + x) * 4 + 3] = 0;
  return sharp(data, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
}

describe('MagicBrush importer', () => {
  test('HF parquet: multi-turn sessions kept as sessions', async () => {
    const root = tempDir('magicbrush-pq-');
    const a = await pngImage(32, 32, [100, 100, 100]);
    const b = await pngImage(32, 32, [100, 100, 100], [255, 0, 0]);
    const c = await pngImage(32, 32, [100, 100, 100], [0, 0, 255]);
    const m = await maskImage(32, 32, 255, 0);
    writeMagicBrushParquet(path.join(root, 'data', 'train-00000-of-00001.parquet'), [
      { img_id: '327726', turn_index: 1, source_img: img(a), mask_img: img(m), instruction: 'add a red square', target_img: img(b) },
      { img_id: '327726', turn_index: 2, source_img: img(b), mask_img: img(m), instruction: 'make the square blue', target_img: img(c) },
      { img_id: '100', turn_index: 1, source_img: img(a), mask_img: img(m), instruction: 'paint it red', target_img: img(b) },
    ]);
    writeMagicBrushParquet(path.join(root, 'data', 'dev-00000-of-00001.parquet'), [
      { img_id: '200', turn_index: 1, source_img: img(a), mask_img: img(m), instruction: 'paint it blue', target_img: img(c) },
    ]);
    const store = open();
    const report = await startImport(store, null, { format: 'magicbrush', path: root }).done;
    expect(report).toMatchObject({ state: 'completed', imported: 4, errors: [] });
    const q = store.samples.query({ datasetId: report.datasetId, filter: { search: 'square' }, sort: 'id', order: 'asc', offset: 0, limit: 10 });
    expect(q.items.map((i) => [i.externalId, i.sessionId, i.turnIndex])).toEqual([
      ['327726-1', '327726', 1],
      ['327726-2', '327726', 2],
    ]);
    const turn2 = store.samples.get(q.items[1]!.id)!;
    expect(turn2.session.map((s) => s.turnIndex)).toEqual([1, 2]);
    expect(turn2.mask!.area).toBe(patchArea(32, 32));
    expect(store.datasets.detail(report.datasetId)).toMatchObject({ sessionCount: 3, splits: [{ split: 'train', count: 3 }, { split: 'val', count: 1 }] });
  });

  test('test-set folder: edit_sessions.json + images/{id}/, RGBA masks where transparency marks the edit', async () => {
    const root = tempDir('magicbrush-dir-');
    const dir = path.join(root, 'images', '242679');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '242679-input.png'), await pngImage(40, 40, [50, 50, 50]));
    fs.writeFileSync(path.join(dir, '242679-output1.png'), await pngImage(40, 40, [50, 50, 50], [200, 0, 0]));
    fs.writeFileSync(path.join(dir, '242679-output2.png'), await pngImage(40, 40, [50, 50, 50], [0, 200, 0]));
    fs.writeFileSync(path.join(dir, '242679-mask1.png'), await rgbaMask(40, 40));
    fs.writeFileSync(path.join(dir, '242679-mask2.png'), await rgbaMask(40, 40));
    fs.writeFileSync(
      path.join(root, 'edit_sessions.json'),
      JSON.stringify({
        '242679': [
          { input: '242679-input.png', mask: '242679-mask1.png', output: '242679-output1.png', instruction: 'Put a red box on the table.' },
          { input: '242679-output1.png', mask: '242679-mask2.png', output: '242679-output2.png', instruction: 'Make the box green.' },
          { input: '242679-output2.png', mask: '242679-mask3.png', output: '242679-output3.png', instruction: 'Remove the box.' },
        ],
      }),
    );
    const store = open();
    const report = await startImport(store, null, { format: 'magicbrush', path: root }).done;
    expect(report.imported).toBe(2);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ sampleRef: '242679-3', field: 'target' });
    expect(report.errors[0]!.reason).toContain('242679-output3.png');
    const rows = store.samples.query({ datasetId: report.datasetId, filter: {}, sort: 'id', order: 'asc', offset: 0, limit: 10 }).items;
    const s = store.samples.get(rows[0]!.id)!;
    expect(s).toMatchObject({ split: 'test', sessionId: '242679', turnIndex: 1, instruction: 'Put a red box on the table.' });
    expect(s.mask).toMatchObject({ area: patchArea(40, 40), box: { x: 10, y: 10, width: 10, height: 10 } });
  });
});

describe('Folder importer', () => {
  async function folder(kind: 'jsonl' | 'csv'): Promise<string> {
    const root = tempDir(`folder-${kind}-`);
    for (const sub of ['source', 'target', 'mask']) fs.mkdirSync(path.join(root, sub));
    for (const id of ['a', 'b', 'c']) {
      fs.writeFileSync(path.join(root, 'source', `${id}.png`), await pngImage(24, 24, [10, 10, 10]));
      fs.writeFileSync(path.join(root, 'target', `${id}.png`), await pngImage(24, 24, [10, 10, 10], [240, 240, 0]));
      fs.writeFileSync(path.join(root, 'mask', `${id}.png`), await maskImage(24, 24, 255, 0));
    }
    fs.rmSync(path.join(root, 'target', 'c.png')); // missing pair
    fs.rmSync(path.join(root, 'mask', 'b.png')); // masks are optional
    fs.writeFileSync(path.join(root, 'source', 'orphan.png'), await pngImage(24, 24, [1, 2, 3])); // no instruction
    if (kind === 'jsonl') {
      fs.writeFileSync(
        path.join(root, 'instructions.jsonl'),
        Buffer.concat([
          Buffer.from(
            [
              JSON.stringify({ id: 'a', instruction: 'add a yellow square', region_description: 'a yellow square', split: 'val', edit_type: 'add' }),
              JSON.stringify({ file: 'b.png', instruction: 'add a yellow square too' }),
              '{"id": "c", "instruction": "broken',
              JSON.stringify({ id: 'c', instruction: 'add a third' }),
              '{"id": "d", "instruction": "caf',
            ].join('\n'),
          ),
          // Latin-1 bytes, not UTF-8: reported, never stored as mojibake.
          Buffer.from([0xe9, 0x22, 0x7d, 0x0a]),
        ]),
      );
    } else {
      fs.writeFileSync(
        path.join(root, 'pairs.csv'),
        'id,instruction,region_description,split,edit_type\n' +
          'a,"add a yellow square, bright",a yellow square,val,add\n' +
          'b,"add a ""quoted"" square",,,\n' +
          'c,add a third,,,\n',
      );
    }
    return root;
  }

  for (const kind of ['jsonl', 'csv'] as const) {
    test(`source/ target/ mask/ with a ${kind} of instructions`, async () => {
      const root = await folder(kind);
      const store = open();
      const report = await startImport(store, null, { format: 'folder', path: root }).done;
      expect(report.state).toBe('completed');
      expect(report.imported).toBe(2);
      const refs = report.errors.map((e) => `${e.sampleRef}:${e.field}`).sort();
      expect(refs).toEqual(
        kind === 'jsonl' ? ['c:target', 'instructions.jsonl:3:null', 'instructions.jsonl:5:null', 'orphan:instruction'] : ['c:target', 'orphan:instruction'],
      );
      if (kind === 'jsonl') expect(report.errors.find((e) => e.sampleRef === 'instructions.jsonl:5')!.reason).toContain('UTF-8');
      expect(report.errors.find((e) => e.sampleRef === 'c')!.reason).toContain('missing pair');
      const items = store.samples.query({ datasetId: report.datasetId, filter: {}, sort: 'id', order: 'asc', offset: 0, limit: 10 }).items;
      expect(items.map((i) => [i.externalId, i.hasMask])).toEqual([
        ['a', true],
        ['b', false],
      ]);
      const a = store.samples.get(items[0]!.id)!;
      expect(a).toMatchObject({ split: 'val', editType: 'add', regionDescription: 'a yellow square' });
      if (kind === 'csv') {
        expect(a.instruction).toBe('add a yellow square, bright');
        expect(store.samples.get(items[1]!.id)!.instruction).toBe('add a "quoted" square');
      }
    });
  }

  test('a folder without an instructions file fails the import with a clear message', async () => {
    const root = tempDir('folder-empty-');
    fs.mkdirSync(path.join(root, 'source'));
    const store = open();
    const report = await startImport(store, null, { format: 'folder', path: root }).done;
    expect(report.state).toBe('failed');
    expect(report.error).toContain('no .jsonl or .csv');
    const job = store.jobs.list()[0]!;
    expect(job).toMatchObject({ kind: 'import', state: 'failed' });
  });
});
