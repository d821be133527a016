// Result sets in the store (migration 6) and through the Api: create, fill, page, per sample,
// upgrade from version 4, delete (rows go, blobs stay until issue 17's collection), and the rules
// that keep a row whole (done ⇔ image, an error has its reason, one row per sample).
import fs from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiCallError } from '../../../shared/api/index.js';
import { openStore, type NewSample, type Store } from '../../../main/store/index.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { sqlOf } from '../../helpers/sql.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A real blob + image row's description (bytes differ per n). */
function image(store: Store, n: number) {
  const blob = store.blobs.put(Buffer.from(`png bytes ${n}`), 'image/png');
  return { sha256: blob.sha256, width: 16, height: 8, channels: 3, format: 'png', thumbSha256: null, size: blob.size };
}

function addDataset(store: Store, name: string, count: number): { datasetId: number; sampleIds: number[] } {
  const datasetId = store.datasets.create({ name, format: 'shapes', sourcePath: null, options: {} });
  const src = image(store, 1000 + datasetId);
  const samples: NewSample[] = Array.from({ length: count }, (_, i) => ({
    externalId: `s${i}`, sessionId: null, turnIndex: null, split: i % 2 ? 'val' : 'train', editType: null, instruction: `make ${i} red`,
    regionDescription: null, sceneDescription: null, inputCaption: null, outputCaption: null, source: src, target: null, mask: null, meta: {},
  }));
  store.samples.insertMany(datasetId, samples);
  store.datasets.setStatus(datasetId, 'ready');
  return { datasetId, sampleIds: store.results.editTargets(datasetId).map((t) => t.id) };
}

describe('result sets', () => {
  test('create, fill with done and error rows, page, per sample, through the Api', async () => {
    const t: TestApp = openTestApp();
    open.push(t);
    const store = t.app.store;
    const { datasetId, sampleIds } = addDataset(store, 'd', 5);
    const id = store.results.create({ datasetId, name: 'ip2p-20', method: 'InstructPix2Pix', origin: 'edit', jobId: null, modelFolder: '/m', configSha256: 'c'.repeat(64), provenance: { kind: 'edit', steps: 20 }, expected: 5 });
    expect(() => store.results.create({ datasetId, name: 'ip2p-20', method: 'x', origin: 'import', jobId: null, provenance: {} })).toThrow(/UNIQUE/);
    const img = image(store, 1);
    store.results.putImage(id, { sampleId: sampleIds[0]!, status: 'done', image: img, size: img.size, seconds: 1.5, seed: 7, jobId: null });
    store.results.putImage(id, { sampleId: sampleIds[2]!, status: 'error', error: 'sample s2: source is grayscale', jobId: null });
    const img2 = image(store, 2);
    store.results.putImage(id, { sampleId: sampleIds[1]!, status: 'done', image: img2, size: img2.size, seconds: 2.5, seed: 8, jobId: null, params: { guidanceScale: 5 } });
    // An error row replaced by its image on a re-run: still one row per sample.
    store.results.putImage(id, { sampleId: sampleIds[2]!, status: 'done', image: img, size: img.size, seconds: 0.5, seed: 9, jobId: null });

    const [summary] = await t.client.call('results.list', { datasetId });
    // 'running' with no live job filling it (none here) reads as 'incomplete'.
    expect(summary).toMatchObject({ id, name: 'ip2p-20', method: 'InstructPix2Pix', origin: 'edit', status: 'incomplete', done: 3, errors: 0, expected: 5, datasetName: 'd' });
    expect(summary!.secondsPerImage).toBeCloseTo((1.5 + 2.5 + 0.5) / 3, 6);
    const detail = await t.client.call('results.get', { id });
    expect(detail.provenance).toEqual({ kind: 'edit', steps: 20 });

    const page = await t.client.call('results.images', { id, offset: 1, limit: 1 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ sampleId: sampleIds[1], externalId: 's1', status: 'done', seconds: 2.5, seed: 8, params: { guidanceScale: 5 }, image: { sha256: img2.sha256, width: 16, height: 8 } });
    expect((await t.client.call('results.images', { id, status: 'error' })).total).toBe(0);

    const other = store.results.create({ datasetId, name: 'zone', method: 'ZONE', origin: 'import', jobId: null, provenance: { kind: 'import' } });
    store.results.putImage(other, { sampleId: sampleIds[0]!, status: 'error', error: 'unreadable file a.png', sourceFile: 'a.png', jobId: null });
    const per = await t.client.call('results.forSample', { sampleId: sampleIds[0]! });
    expect(per.map((p) => [p.resultSet.name, p.image.status])).toEqual([['zone', 'error'], ['ip2p-20', 'done']]);
    expect(per[0]!.image).toMatchObject({ error: 'unreadable file a.png', sourceFile: 'a.png', image: null });

    await expect(t.client.call('results.get', { id: 999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.client.call('results.list', { datasetId: 999 })).rejects.toBeInstanceOf(ApiCallError);
  });

  test("a set is 'running' only while its job is live; a killed job's set reads 'incomplete'", () => {
    const store = openStore(tempDir('rs-live-'));
    open.push(store);
    const { datasetId } = addDataset(store, 'd', 1);
    const jobId = store.jobs.create({ kind: 'edit', state: 'running', title: 'Edit', params: {} });
    const id = store.results.create({ datasetId, name: 'n', method: 'm', origin: 'edit', jobId, provenance: {} });
    expect(store.results.get(id)!.status).toBe('running');
    store.jobs.update(jobId, { state: 'interrupted' });
    expect(store.results.get(id)!.status).toBe('incomplete');
    store.results.attachJob(id, jobId, 'complete');
    expect(store.results.list(datasetId)[0]!.status).toBe('complete');
  });

  test('a row is whole or refused: done needs an image, an error needs its reason', () => {
    const store = openStore(tempDir('rs-check-'));
    open.push(store);
    const { datasetId, sampleIds } = addDataset(store, 'd', 1);
    const id = store.results.create({ datasetId, name: 'n', method: 'm', origin: 'edit', jobId: null, provenance: {} });
    const db = sqlOf(store);
    const now = new Date().toISOString();
    expect(() => db.prepare("INSERT INTO result_images(result_set_id, sample_id, status, created_at) VALUES (?, ?, 'done', ?)").run(id, sampleIds[0], now)).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO result_images(result_set_id, sample_id, status, created_at) VALUES (?, ?, 'error', ?)").run(id, sampleIds[0], now)).toThrow(/CHECK/);
    // An image that is not a stored blob is refused by the foreign key.
    expect(() =>
      store.results.putImage(id, { sampleId: sampleIds[0]!, status: 'done', image: { sha256: 'f'.repeat(64), width: 1, height: 1, channels: 3, format: 'png', thumbSha256: null }, size: 1, seconds: 1, seed: 1, jobId: null }),
    ).toThrow(/FOREIGN KEY/);
    expect(store.results.images(id, { offset: 0, limit: 10 }).total).toBe(0);
  });

  test('delete removes the set and its rows; the blobs stay; deleting the dataset cascades', async () => {
    const t = openTestApp();
    open.push(t);
    const store = t.app.store;
    const { datasetId, sampleIds } = addDataset(store, 'd', 2);
    const id = store.results.create({ datasetId, name: 'a', method: 'm', origin: 'edit', jobId: null, provenance: {}, status: 'complete' });
    const img = image(store, 5);
    store.results.putImage(id, { sampleId: sampleIds[0]!, status: 'done', image: img, size: img.size, seconds: 1, seed: 1, jobId: null });
    const events: unknown[] = [];
    t.client.on('results.changed', (e) => events.push(e));
    expect(await t.client.call('results.delete', { id })).toEqual({ id, name: 'a', images: 1, blobsFreed: 0 });
    expect(await t.client.call('results.list', { datasetId })).toEqual([]);
    expect(store.blobs.get(img.sha256)).toBeDefined();
    expect(events).toEqual([{ datasetId, resultSetId: id }]);
    await expect(t.client.call('results.delete', { id })).rejects.toMatchObject({ code: 'not_found' });

    const b = store.results.create({ datasetId, name: 'b', method: 'm', origin: 'edit', jobId: null, provenance: {} });
    store.results.putImage(b, { sampleId: sampleIds[1]!, status: 'done', image: img, size: img.size, seconds: 1, seed: 1, jobId: null });
    sqlOf(store).prepare('DELETE FROM datasets WHERE id = ?').run(datasetId);
    expect(sqlOf(store).prepare('SELECT count(*) FROM result_sets').pluck().get()).toBe(0);
    expect(sqlOf(store).prepare('SELECT count(*) FROM result_images').pluck().get()).toBe(0);
  });

  test('a store at version 4 upgrades with its data and takes result sets', () => {
    const dir = tempDir('rs-upgrade-');
    const v4 = openStore(dir, { targetVersion: 4 });
    const { datasetId } = addDataset(v4, 'old', 2);
    v4.close();
    const store = openStore(dir);
    open.push(store);
    expect(store.results.list(datasetId)).toEqual([]);
    const targets = store.results.editTargets(datasetId, { split: 'val' });
    expect(targets.map((x) => x.externalId)).toEqual(['s1']);
    expect(store.results.editTargets(datasetId, { limit: 1 }).map((x) => x.externalId)).toEqual(['s0']);
    const id = store.results.create({ datasetId, name: 'x', method: 'm', origin: 'import', jobId: null, provenance: {} });
    expect(store.results.get(id)).toMatchObject({ name: 'x', done: 0, errors: 0, expected: null });
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  });
});
