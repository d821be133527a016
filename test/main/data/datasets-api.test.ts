// The datasets Api driven through the real dispatcher (in-process transport): import jobs with
// progress events, cancellation, conflicts, the polarity preview, queries, flags and the folder browser.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createApiClient, type ApiClient } from '../../../shared/api/client.js';
import type { ApiEventPayload } from '../../../shared/api/index.js';
import { createInProcessTransport } from '../../../main/api/transports/in-process.js';
import { openApp, type App } from '../../../main/app.js';
import { img, maskImage, pngImage, tempDir, writeHumanEditParquet } from './helpers.js';

const apps: App[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.close();
});

function client(): { app: App; api: ApiClient } {
  const app = openApp({ dataDir: tempDir('ric-api-'), mode: 'in-process', log: () => {} });
  apps.push(app);
  return { app, api: createApiClient(createInProcessTransport(app.dispatcher, app.events)) };
}

async function finished(api: ApiClient, jobId: number): Promise<ApiEventPayload<'job.progress'>[]> {
  const seen: ApiEventPayload<'job.progress'>[] = [];
  return new Promise((resolve) => {
    const off = api.on('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      seen.push(p);
      // Imports run in the job queue: 'queued' comes first; the first final state ends the wait.
      if (p.state !== 'running' && p.state !== 'queued' && p.state !== 'paused') {
        off();
        resolve(seen);
      }
    });
  });
}

describe('datasets Api', () => {
  test('importShapes runs as a job with progress, then lists, facets, queries and flags', async () => {
    const { app, api } = client();
    const changed: number[] = [];
    api.on('dataset.changed', (p) => changed.push(p.datasetId));
    const { jobId, datasetId } = await api.call('datasets.importShapes', { count: 80, seed: 2 });
    const events = await finished(api, jobId);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ state: 'completed', done: 80, total: 80 });
    expect(events.some((e) => e.state === 'running' && e.done > 0 && e.rate !== null && e.etaSeconds !== null)).toBe(true);
    expect(changed).toContain(datasetId);
    expect(app.store.jobs.list()[0]).toMatchObject({ id: jobId, kind: 'import', state: 'completed', done: 80 });
    // It ran in the job queue's light engine host, a process of its own (issue 6), not in main.
    const log = await api.call('jobs.log', { id: jobId });
    const hostPid = Number(/started in the light engine host \(pid (\d+)\)/.exec(log.map((l) => l.message).join('\n'))?.[1]);
    expect(hostPid).toBeGreaterThan(0);
    expect(hostPid).not.toBe(process.pid);

    const list = await api.call('datasets.list', {});
    expect(list).toEqual([expect.objectContaining({ id: datasetId, name: 'shapes-seed2-n80-64px', format: 'shapes', status: 'ready', sampleCount: 80, errorCount: 0 })]);
    const detail = await api.call('datasets.get', { id: datasetId });
    expect(detail.maskCount).toBe(80);
    expect(detail.editTypes.reduce((n, e) => n + e.count, 0)).toBe(80);
    expect(detail.splits.map((s) => s.split).sort()).toEqual(['train', 'val']);

    const page = await api.call('samples.query', { datasetId, limit: 10, offset: 5 });
    expect(page.total).toBe(80);
    expect(page.items).toHaveLength(10);
    expect(page.items[0]!.externalId).toBe('shapes-0000005');
    const recolours = await api.call('samples.query', { datasetId, filter: { editType: 'recolour' }, sort: 'instruction', limit: 1000 });
    expect(recolours.total).toBe(detail.editTypes.find((e) => e.editType === 'recolour')!.count);
    const instr = recolours.items.map((i) => i.instruction);
    expect(instr).toEqual([...instr].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const val = await api.call('samples.query', { datasetId, filter: { split: 'val' }, limit: 1000 });
    expect(val.items.every((i) => i.split === 'val')).toBe(true);

    const one = page.items[0]!;
    await api.call('samples.setFlag', { id: one.id, flagged: true });
    const flagged = await api.call('samples.query', { datasetId, filter: { flagged: true } });
    expect(flagged.items.map((i) => i.id)).toEqual([one.id]);
    const full = await api.call('samples.get', { id: one.id });
    expect(full).toMatchObject({ id: one.id, flagged: true, datasetId });
    expect(full.meta).toHaveProperty('sceneGraph');
    expect(app.store.blobs.get(full.mask!.pngSha256)).toBeDefined();

    // Re-running the same generation is idempotent; a different one under the same name is a conflict.
    const again = await api.call('datasets.importShapes', { count: 80, seed: 2 });
    expect(again.datasetId).toBe(datasetId);
    expect((await finished(api, again.jobId)).at(-1)).toMatchObject({ state: 'completed' });
    expect((await api.call('datasets.get', { id: datasetId })).sampleCount).toBe(80);
    await expect(api.call('datasets.importShapes', { count: 81, seed: 2, name: 'shapes-seed2-n80-64px' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(api.call('samples.get', { id: 999_999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.call('datasets.get', { id: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('search is safe FTS5 with prefix matching on the last term, and sorts by relevance', async () => {
    const { api } = client();
    const { jobId, datasetId } = await api.call('datasets.importShapes', { count: 120, seed: 9 });
    await finished(api, jobId);
    const all = await api.call('samples.query', { datasetId, limit: 1000 });
    const blueCircles = all.items.filter((i) => /\bblue\b/.test(i.instruction) && /\bcircle\b/.test(i.instruction)).length;
    const r = await api.call('samples.query', { datasetId, filter: { search: 'blue circ' }, sort: 'relevance', limit: 1000 });
    // Descriptions are searched too, so at least every instruction naming a blue circle matches.
    expect(r.total).toBeGreaterThanOrEqual(blueCircles);
    expect(r.total).toBe(r.items.length);
    for (const hostile of ['"', 'AND OR NOT', 'instruction:blue', 'blue*)(', 'NEAR(', "'; DROP TABLE samples; --", '^*']) {
      await expect(api.call('samples.query', { datasetId, filter: { search: hostile } })).resolves.toHaveProperty('total');
    }
    expect((await api.call('samples.query', { datasetId, filter: { search: '!!!' } })).total).toBe(120);
  });

  test('file imports: not-found path, cancellation, errors listing, polarity preview', async () => {
    const { api } = client();
    await expect(api.call('datasets.import', { format: 'folder', path: '/no/such/folder' })).rejects.toMatchObject({ code: 'not_found' });

    const root = tempDir('api-he-');
    const rows = [];
    for (let i = 0; i < 6; i++) {
      rows.push({
        IMAGE_ID: `p${i}`,
        EDITING_TYPE: 'Add',
        CORE: '1',
        MASK: 'm',
        EDITING_INSTRUCTION: i === 3 ? '' : `add a patch ${i}`,
        OUTPUT_DESCRIPTION: 'x',
        INPUT_CAPTION_BY_LLAMA: 'x',
        OUTPUT_CAPTION_BY_LLAMA: 'x',
        INPUT_IMG: img(await pngImage(32, 32, [0, 90, 0])),
        MASK_IMG: img(await maskImage(32, 32, 0, 255)),
        OUTPUT_IMG: img(await pngImage(32, 32, [0, 90, 0], [255, 255, 255])),
      });
    }
    writeHumanEditParquet(path.join(root, 'data', 'train-0.parquet'), rows, 3);
    const preview = await api.call('datasets.previewMasks', { format: 'humanedit', path: root, count: 2 });
    expect(preview).toHaveLength(2);
    expect(preview[0]!.maskPng.startsWith('data:image/png;base64,')).toBe(true);
    expect(preview[0]!.editFraction).toBeCloseTo(64 / 1024, 5);
    const inverted = await api.call('datasets.previewMasks', { format: 'humanedit', path: root, count: 1, options: { maskPolarity: 'white' } });
    expect(inverted[0]!.editFraction).toBeCloseTo(1 - 64 / 1024, 5);

    const { jobId, datasetId } = await api.call('datasets.import', { format: 'humanedit', path: root, name: 'he' });
    const done = await finished(api, jobId);
    expect(done.at(-1)).toMatchObject({ state: 'completed' });
    const errors = await api.call('datasets.errors', { id: datasetId });
    expect(errors).toEqual([expect.objectContaining({ stage: 'import', sampleRef: 'p3', field: 'instruction', reason: 'empty instruction' })]);

    // Cancel: a big generation stopped right away keeps what it committed and says 'cancelled'.
    const big = await api.call('datasets.importShapes', { count: 5000, seed: 1 });
    const progress = finished(api, big.jobId);
    // The same import again while it runs is a conflict (the queue would otherwise run it twice).
    await expect(api.call('datasets.importShapes', { count: 5000, seed: 1 })).rejects.toMatchObject({ code: 'conflict' });
    expect(await api.call('datasets.cancelImport', { jobId: big.jobId })).toEqual({ jobId: big.jobId, cancelled: true });
    expect((await progress).at(-1)).toMatchObject({ state: 'cancelled' });
    const d = await api.call('datasets.get', { id: big.datasetId });
    expect(d.sampleCount).toBeLessThan(5000);
    expect(await api.call('datasets.cancelImport', { jobId: big.jobId })).toEqual({ jobId: big.jobId, cancelled: false });
    await expect(api.call('datasets.cancelImport', { jobId: 999_999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('imports beyond the light lane wait queued; cancelling a queued one leaves its dataset failed, not importing', async () => {
    const { api } = client();
    const a = await api.call('datasets.importShapes', { count: 5000, seed: 11 });
    const b = await api.call('datasets.importShapes', { count: 5000, seed: 12 });
    const c = await api.call('datasets.importShapes', { count: 5000, seed: 13 });
    expect((await api.call('jobs.get', { id: c.jobId })).state).toBe('queued');
    expect((await api.call('datasets.get', { id: c.datasetId })).status).toBe('importing');
    expect(await api.call('datasets.cancelImport', { jobId: c.jobId })).toEqual({ jobId: c.jobId, cancelled: true });
    expect((await api.call('jobs.get', { id: c.jobId })).state).toBe('cancelled');
    expect((await api.call('datasets.get', { id: c.datasetId })).status).toBe('failed');
    const ends = [finished(api, a.jobId), finished(api, b.jobId)];
    for (const j of [a, b]) expect(await api.call('datasets.cancelImport', { jobId: j.jobId })).toEqual({ jobId: j.jobId, cancelled: true });
    for (const e of await Promise.all(ends)) expect(e.at(-1)).toMatchObject({ state: 'cancelled' });
  });

  test('files.browse lists folders and importable files, dirs first', async () => {
    const { api } = client();
    const dir = tempDir('browse-');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.mkdirSync(path.join(dir, '.hidden'));
    for (const f of ['a.parquet', 'b.jsonl', 'c.csv', 'd.json', 'e.png', 'f.txt']) fs.writeFileSync(path.join(dir, f), 'x');
    const r = await api.call('files.browse', { path: dir });
    expect(r.path).toBe(dir);
    expect(r.parent).toBe(path.dirname(dir));
    expect(r.entries).toEqual([
      { name: 'sub', kind: 'dir', size: null },
      { name: 'a.parquet', kind: 'file', size: 1 },
      { name: 'b.jsonl', kind: 'file', size: 1 },
      { name: 'c.csv', kind: 'file', size: 1 },
      { name: 'd.json', kind: 'file', size: 1 },
    ]);
    const home = await api.call('files.browse', {});
    expect(home.path).toBe((await import('node:os')).homedir());
    await expect(api.call('files.browse', { path: path.join(dir, 'nope') })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.call('files.browse', { path: path.join(dir, 'a.parquet') })).rejects.toMatchObject({ code: 'failed_precondition' });
  });
});
