// `ric import results` (main/data/results/import.ts) on a real store and real files: outputs of a
// method run elsewhere matched to samples by name (method suffixes, any case, NFC), and hostile
// folders — strange names, two files for one sample, a link, a text file called .png, a sparse
// 65 MB file, a folder too deep — each reported naming the file, nothing stored half-written, a good
// image never replaced by a later broken one, and a name already used by an edit refused.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { importResults } from '../../../main/data/results/import.js';
import { openStore, type NewSample, type Store } from '../../../main/store/index.js';
import { tempDir } from '../../helpers/app.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function setup(ids: string[]) {
  const dir = tempDir('ric-results-import-');
  const store = openStore(path.join(dir, 'data'));
  cleanup.push(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const datasetId = store.datasets.create({ name: 'd', format: 'shapes', sourcePath: null, options: {} });
  const blob = store.blobs.put(Buffer.from('source bytes'), 'image/png');
  const src = { sha256: blob.sha256, width: 16, height: 16, channels: 3, format: 'png', thumbSha256: null };
  const samples: NewSample[] = ids.map((externalId) => ({
    externalId, sessionId: null, turnIndex: null, split: 'test', editType: null, instruction: 'make it red',
    regionDescription: null, sceneDescription: null, inputCaption: null, outputCaption: null, source: src, target: null, mask: null, meta: {},
  }));
  store.samples.insertMany(datasetId, samples);
  store.datasets.setStatus(datasetId, 'ready');
  const out = path.join(dir, 'outputs');
  fs.mkdirSync(out);
  return { store, datasetId, out, dir };
}

const png = (shade: number, size = 12) => sharp({ create: { width: size, height: size, channels: 3, background: { r: shade, g: 40, b: 90 } } }).png().toBuffer();

const run = (store: Store, datasetId: number, dir: string, name = 'zone') => importResults(store, { jobId: null, datasetId, dir, name, method: 'ZONE', codeVersion: 'test' });

describe('import results', () => {
  test('matches files to samples, reports every other file by name, and keeps rows whole', async () => {
    const { store, datasetId, out } = setup(['s0', 's1', 's2', 's3', 's4', 's5', 'café', 's7']);
    const w = async (rel: string, bytes: Buffer | string) => {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel), bytes);
    };
    await w('s0.png', await png(10));
    await w('s1_edited.PNG', await png(20)); // a method suffix and an upper-case extension
    await w('sub/S2.png', await png(30, 20)); // any case, in a sub-folder
    await w('s3.png', await png(40));
    await w('s3-output.png', await png(41)); // two files for one sample: neither is taken
    await w('s4.png', 'this is not an image'); // matched, unreadable → an error row naming the file
    await w('cafe\u0301.png', await png(50)); // NFD on disk, NFC in the store
    await w('nosuch.png', await png(60)); // no such sample
    await w('weird\nname\u0007.png', await png(61)); // control characters: unmatched, reported as is
    await w('notes.txt', 'hello');
    await w('.DS_Store.png', 'hidden'); // hidden files are not read
    await w('a/b/c/d/e/s7.png', await png(70)); // deeper than 4 folders
    fs.symlinkSync(path.join(out, 's0.png'), path.join(out, 's5.png')); // links are not followed
    fs.writeFileSync(path.join(out, 'big'), '');
    fs.truncateSync(path.join(out, 'big'), 65 * 1024 * 1024); // sparse: 65 MB on paper
    fs.renameSync(path.join(out, 'big'), path.join(out, 's7.webp'));

    const r = await run(store, datasetId, out);
    expect(r.state).toBe('completed');
    expect(r.imported).toBe(4);
    expect(r.unchanged).toBe(0);
    expect(r.unmatched.sort()).toEqual(['nosuch.png', 'weird\nname\u0007.png']);
    const reasons = new Map(r.errors.map((e) => [e.file, e.reason]));
    expect(reasons.get('notes.txt')).toMatch(/not an image file/);
    expect(reasons.get('s5.png')).toMatch(/symbolic link/);
    expect(reasons.get(path.join('a', 'b', 'c', 'd', 'e'))).toMatch(/more than 4 levels deep/);
    expect(reasons.get('s3.png')).toMatch(/2 files name sample s3 \(s3-output\.png, s3\.png\); none is imported/);
    expect(reasons.get('s3-output.png')).toBeDefined();
    expect(reasons.get('s4.png')).toMatch(/^s4\.png: not a readable image/);
    expect(reasons.get('s7.webp')).toMatch(/^s7\.webp: 68 MB is larger than the 64 MiB/);
    expect([...reasons.keys()].some((f) => f.includes('DS_Store'))).toBe(false);

    const set = store.results.findByName(datasetId, 'zone')!;
    expect(set).toMatchObject({ origin: 'import', method: 'ZONE', status: 'complete', done: 4, errors: 2, expected: 8 });
    expect(set.provenance).toMatchObject({ kind: 'import', folder: out, matched: 6, unmatched: 2, unreadable: 2 });
    const rows = new Map(store.results.images(set.id, { offset: 0, limit: 100 }).items.map((i) => [i.externalId, i]));
    expect(rows.get('s2')).toMatchObject({ status: 'done', sourceFile: path.join('sub', 'S2.png'), image: { width: 20, height: 20 } });
    expect(rows.get('café')).toMatchObject({ status: 'done', sourceFile: 'cafe\u0301.png' });
    expect(rows.get('s4')).toMatchObject({ status: 'error', image: null, sourceFile: 's4.png' });
    expect(rows.get('s4')!.error).toContain('s4.png');
    expect(rows.has('s3')).toBe(false);
    // Every done row's image is a stored blob with its thumbnail.
    for (const i of rows.values()) if (i.image) expect(store.blobs.get(i.image.sha256)?.size).toBeGreaterThan(0);

    // Again: unchanged files count as unchanged; a fixed file replaces its error row; a good image is
    // not replaced by a broken file that arrives later.
    fs.writeFileSync(path.join(out, 's4.png'), await png(80));
    fs.writeFileSync(path.join(out, 's0.png'), 'broken now');
    const again = await run(store, datasetId, out);
    expect(again.imported).toBe(1);
    expect(again.unchanged).toBe(3);
    expect(again.errors.find((e) => e.file === 's0.png')?.reason).toMatch(/^s0\.png: not a readable image/);
    const after = new Map(store.results.images(set.id, { offset: 0, limit: 100 }).items.map((i) => [i.externalId, i]));
    expect(after.get('s0')).toMatchObject({ status: 'done', image: rows.get('s0')!.image });
    expect(after.get('s4')).toMatchObject({ status: 'done', error: null });
  });

  test('refuses a folder that is not one and a name an edit already holds, storing nothing', async () => {
    const { store, datasetId, out, dir } = setup(['a']);
    await expect(run(store, datasetId, path.join(dir, 'missing'))).rejects.toThrow(`${path.join(dir, 'missing')}: no such folder`);
    fs.writeFileSync(path.join(dir, 'file.png'), 'x');
    await expect(run(store, datasetId, path.join(dir, 'file.png'))).rejects.toThrow(/file\.png: not a folder/);
    store.results.create({ datasetId, name: 'ours', method: 'ours', origin: 'edit', jobId: null, provenance: { kind: 'edit' } });
    fs.writeFileSync(path.join(out, 'a.png'), await png(1));
    await expect(run(store, datasetId, out, 'ours')).rejects.toThrow(/result set "ours" on "d" holds edit results; choose another name/);
    expect(store.results.list(datasetId).map((s) => [s.name, s.done])).toEqual([['ours', 0]]);
    expect(store.results.findByName(datasetId, 'zone')).toBeUndefined();
  });
});
