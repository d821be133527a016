// The captions Api through the real dispatcher (in-process transport), on a real store.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../../shared/api/contract.js';
import { createApiClient, type ApiClient } from '../../../shared/api/client.js';
import { openApp, type App } from '../../../main/app.js';
import { createInProcessTransport } from '../../../main/api/transports/in-process.js';
import { trainingTexts } from '../../../main/captions/training-texts.js';
import { seededStore, tempDir } from './fixtures.js';
import { writeTinyTokenizer } from './tiny-tokenizer.js';
import { FIXTURES } from '../engine/shared-dir.js';
import { startTestServer, type TestServer } from './vlm-test-server.js';

let app: App | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  app?.close();
  await server?.close();
});

/** A data folder with n samples and a pending caption (version 1, source vlm) on each. */
async function appWithCaptions(n: number): Promise<{ api: ApiClient; datasetId: number; sampleIds: number[]; dir: string }> {
  const { store, dir, datasetId, sampleIds } = await seededStore(n);
  const repo = store.captions;
  sampleIds.forEach((id, i) => repo.insert({ sampleId: id, kind: 'scene', text: `word `.repeat(i + 1).trim(), source: 'vlm', model: i % 2 ? 'a' : 'b' }));
  store.close();
  app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
  return { api: createApiClient(createInProcessTransport(app.dispatcher, app.events)), datasetId, sampleIds, dir };
}

describe('captions Api', () => {
  it('queues current versions pending first, filters, reviews, edits into a new human version, and keeps the history', async () => {
    const { api, datasetId, sampleIds } = await appWithCaptions(5);
    let q = await api.call('captions.queue', { datasetId, kind: 'scene' });
    expect(q.total).toBe(5);
    expect(q.counts).toEqual({ pending: 5, approved: 0, rejected: 0 });

    const first = q.items[0]!;
    const approved = await api.call('captions.review', { captionId: first.captionId, action: 'approve' });
    expect(approved.status).toBe('approved');
    await api.call('captions.review', { captionId: q.items[1]!.captionId, action: 'reject' });
    const edited = await api.call('captions.review', { captionId: q.items[2]!.captionId, action: 'edit', text: '  a red circle  ', author: 'ana' });
    expect(edited).toMatchObject({ version: 2, source: 'human', status: 'approved', text: 'a red circle', parentId: q.items[2]!.captionId, author: 'ana' });

    q = await api.call('captions.queue', { datasetId, kind: 'scene' });
    expect(q.items.map((i) => i.status)).toEqual(['pending', 'pending', 'rejected', 'approved', 'approved']);
    expect(q.counts).toEqual({ pending: 2, approved: 2, rejected: 1 });
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { status: 'approved' } })).counts).toEqual(q.counts);
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { source: 'human' } })).items.map((i) => i.sampleId)).toEqual([sampleIds[2]]);
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { model: 'a' } })).total).toBe(2);
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { minWords: 4 } })).items.map((i) => i.words)).toEqual([4, 5]);
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { maxWords: 1 } })).total).toBe(1);
    expect((await api.call('captions.queue', { datasetId, kind: 'scene', filter: { search: 'RED' } })).total).toBe(1);

    const history = await api.call('captions.get', { sampleId: sampleIds[2]!, kind: 'scene' });
    expect(history.versions.map((v) => [v.version, v.source, v.status])).toEqual([
      [2, 'human', 'approved'],
      [1, 'vlm', 'pending'],
    ]);
    expect(history.sample).toMatchObject({ externalId: 's002', instruction: 'make object 2 blue', maskBox: { x: 4, y: 2, width: 10, height: 8 }, image: { which: 'target', width: 32, height: 24 } });
    await api.call('captions.setConfig', { image: 'source' });
    expect((await api.call('captions.get', { sampleId: sampleIds[2]!, kind: 'scene' })).sample.image.which).toBe('source');

    await expect(api.call('captions.review', { captionId: first.captionId, action: 'edit', text: '   ' })).rejects.toMatchObject({ code: 'invalid_args' });
    await expect(api.call('captions.review', { captionId: 99_999, action: 'approve' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('bulk-approves exactly the filtered set the user confirmed', async () => {
    const { api, datasetId } = await appWithCaptions(6);
    const filter = { model: 'a' };
    const { count } = await api.call('captions.bulkCount', { datasetId, kind: 'scene', filter });
    expect(count).toBe(3);
    const err = await api.call('captions.bulkApprove', { datasetId, kind: 'scene', filter, expectedCount: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).code).toBe('conflict');
    expect(await api.call('captions.bulkApprove', { datasetId, kind: 'scene', filter, expectedCount: 3 })).toEqual({ approved: 3 });
    expect((await api.call('captions.queue', { datasetId, kind: 'scene' })).counts).toEqual({ pending: 3, approved: 3, rejected: 0 });
    expect((await api.call('captions.bulkCount', { datasetId, kind: 'scene', filter })).count).toBe(0);
  });

  it('seeds the Table 4 prompt as version 1 and versions every edit', async () => {
    const { api } = await appWithCaptions(0);
    const [scene] = await api.call('captions.templates', { kind: 'scene' });
    expect(scene).toMatchObject({ version: 1, current: true });
    expect(scene!.text).toBe(fs.readFileSync(path.resolve(import.meta.dirname, '../../../resources/prompts/scene-v1.txt'), 'utf8').trimEnd());
    expect(scene!.text).toContain('"{edit_prompt}"');
    expect(scene!.text).toContain('maximum 520 tokens');
    const v2 = await api.call('captions.updateTemplate', { kind: 'scene', text: `${scene!.text}\nBe brief.` });
    expect(v2).toMatchObject({ version: 2, current: true });
    expect(await api.call('captions.updateTemplate', { kind: 'scene', text: v2.text })).toMatchObject({ id: v2.id });
    expect((await api.call('captions.templates', { kind: 'scene' })).map((t) => [t.version, t.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    await expect(api.call('captions.updateTemplate', { kind: 'region', text: 'Describe {edit_promt}' })).rejects.toThrow(/unknown placeholder \{edit_promt\}/);
  });

  it('counts tokens with the configured folders, and says when none is configured', async () => {
    const { api } = await appWithCaptions(0);
    const none = await api.call('captions.tokens', { text: 'a red circle' });
    expect(none.map((b) => [b.reader, b.available])).toEqual([
      ['clip', false],
      ['blip', false],
    ]);
    // A model folder is checked when saved (issue 17): the fixture CLIP's config and weights, with a tiny tokenizer.
    const clipDir = writeTinyTokenizer(path.join(tempDir(), 'clip'), 5);
    for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(FIXTURES, 'parity/clip/case_a', f), path.join(clipDir, f));
    await api.call('settings.update', { modelFolders: { clip: clipDir } });
    const [clip, blip] = await api.call('captions.tokens', { text: 'a red circle on grey' });
    expect(clip).toMatchObject({ available: true, window: 5, count: 5, readUntil: 'a red circle'.length + 1 });
    expect(blip!.available).toBe(false);
  });

  it('starts a job, pushes progress, reports, and refuses without an endpoint', { timeout: 120_000 }, async () => {
    const { api, datasetId } = await appWithCaptions(0);
    await expect(api.call('captions.generate', { datasetId, kind: 'scene' })).rejects.toMatchObject({ code: 'failed_precondition' });
    // The template captioner has nothing to render on an empty dataset: refused at once, saying so.
    await expect(api.call('captions.generate', { datasetId, kind: 'scene', captioner: 'template' })).rejects.toMatchObject({
      code: 'failed_precondition',
      message: '"fixture" has no samples yet, so there is nothing to describe.',
    });
    server = await startTestServer();
    await api.call('settings.update', { vlm: { baseUrl: server.url, model: 'served' } });
    const events: { jobId: number; done: number; total: number | null; state: string }[] = [];
    const off = api.on('job.progress', (p) => events.push(p));
    // An empty dataset: a VLM job still runs, reports and ends (no request is needed). The waits below
    // allow 60 s: the job runs in an engine host process, whose start took over 6 s at load 12.
    const { jobId } = await api.call('captions.generate', { datasetId, kind: 'scene' });
    for (let i = 0; i < 3000 && !events.some((e) => e.jobId === jobId && e.state !== 'running' && e.state !== 'queued'); i++) await new Promise((r) => setTimeout(r, 20));
    off();
    const job = await api.call('captions.job', { jobId });
    expect(job.job.state).toBe('completed');
    expect(job.report).toMatchObject({ selected: 0, written: 0 });
    expect(job.params).toMatchObject({ datasetId, kind: 'scene', captioner: 'vlm' });
  });

  it('runs a VLM job through the Api with the settings endpoint, and cancels one', { timeout: 240_000 }, async () => {
    const { store, dir, datasetId } = await seededStore(6);
    store.close();
    app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
    const api = createApiClient(createInProcessTransport(app.dispatcher, app.events));
    server = await startTestServer(() => ({ kind: 'ok', delayMs: 100 }));
    await api.call('settings.update', { vlm: { baseUrl: server.url, model: 'served', apiKey: 'sk-secret' } });
    const changed: number[] = [];
    api.on('captions.changed', (e) => changed.push(e.datasetId));
    // Queued in the job queue's light lane: it runs in an engine host process.
    const { jobId } = await api.call('captions.generate', { datasetId, kind: 'scene', concurrency: 1 });
    for (let i = 0; i < 3000 && server.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await api.call('captions.cancel', { jobId })).toEqual({ cancelled: true });
    for (let i = 0; i < 3000 && (await api.call('captions.job', { jobId })).job.state === 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    const cancelled = await api.call('captions.job', { jobId });
    expect(cancelled.job.state).toBe('cancelled');
    expect(server.requests[0]!.authorization).toBe('Bearer sk-secret');
    expect(cancelled.report!.cancelled).toBe(true);
    const { jobId: resumed } = await api.call('captions.resume', { jobId });
    expect(resumed).not.toBe(jobId); // a new job with the same arguments
    for (let i = 0; i < 3000 && ['queued', 'running'].includes((await api.call('captions.job', { jobId: resumed })).job.state); i++) await new Promise((r) => setTimeout(r, 20));
    const final = await api.call('captions.job', { jobId: resumed });
    expect(final.job.state).toBe('completed');
    const report = final.report!;
    expect(report.written + report.skipped).toBe(6);
    expect(report.skipped).toBe(cancelled.report!.written);
    expect(changed).toContain(datasetId);
  });
});

describe('training texts', () => {
  it('uses only approved captions (newest approved version), else the dataset text when chosen', async () => {
    const { store, datasetId, sampleIds } = await seededStore(3);
    const repo = store.captions;
    const a1 = repo.insert({ sampleId: sampleIds[0]!, kind: 'region', text: 'approved v1', source: 'vlm', status: 'approved' });
    repo.insert({ sampleId: sampleIds[0]!, kind: 'region', text: 'pending v2', source: 'vlm' });
    repo.insert({ sampleId: sampleIds[1]!, kind: 'region', text: 'rejected', source: 'vlm', status: 'rejected' });
    const strict = trainingTexts(store, datasetId, 'region', 'none');
    expect([...strict.texts.values()].map((t) => [t.sampleId, t.text, t.origin])).toEqual([[sampleIds[0], 'approved v1', { kind: 'caption', captionId: a1.id, version: 1, source: 'vlm' }]]);
    expect(strict.missing).toEqual([sampleIds[1], sampleIds[2]]);
    const withFallback = trainingTexts(store, datasetId, 'region', 'dataset');
    expect(withFallback.texts.get(sampleIds[1]!)).toMatchObject({ text: 'object 1', origin: { kind: 'dataset', field: 'region_description' } });
    expect(withFallback.missing).toEqual([]);
    expect(trainingTexts(store, datasetId, 'scene', 'dataset', [sampleIds[2]!]).texts.get(sampleIds[2]!)!.text).toBe('scene 2');
    store.close();
  });
});
