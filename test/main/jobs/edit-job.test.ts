// The `edit` job end to end through the Api and the engine host, on the tiny InstructPix2Pix folder
// (the ip2p_pipeline fixture + a word tokenizer) and a tiny ShapesEdit set: a dataset edit into a
// result set with its provenance, a re-run that skips finished samples and a longer one that edits
// only the new ones, other settings refused, cancel between steps leaving whole rows and a re-run
// finishing the set; the Edit view's single job (a guidance grid, x̂0 previews, keep into a set); and
// the pre-flight refusing a folder with a missing part before anything is queued (the text-to-image UNet: test/main/engine/pipelines/editor.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editDatasetResultSchema, editSingleResultSchema } from '../../../shared/api/index.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { makeTinyPipeline } from '../../helpers/tiny-pipeline.mjs';
import { importShapes, until, waitState } from './helpers.js';

let t: TestApp;
let datasetId: number;
const tmp = tempDir('ric-edit-job-');
const MODEL = makeTinyPipeline(path.join(tmp, 'tiny'));
const settings = { model: MODEL, steps: 2, guidanceScale: 7.5, imageGuidanceScale: 1.5, seed: 5 };

beforeAll(async () => {
  process.env['RIC_BACKEND'] = 'wasm';
  process.env['RIC_ENGINE_WORKERS'] = '1';
  t = openTestApp();
  datasetId = await importShapes(t, 6);
}, 120_000);
afterAll(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const runDataset = async (over: Record<string, unknown>) => {
  const { jobId } = await t.client.call('edit.start', { mode: 'dataset', datasetId, name: 'ip2p', ...settings, ...over });
  const job = await waitState(t, jobId, ['completed', 'failed', 'cancelled'], 120_000);
  expect(job.error).toBeNull();
  return editDatasetResultSchema.parse(job.result);
};

describe('edit job', () => {
  it('edits a dataset into a result set, resumes without redoing samples, and refuses other settings', async () => {
    const first = await runDataset({ limit: 3 });
    expect(first).toMatchObject({ total: 3, edited: 3, skipped: 0, errors: [], backend: 'wasm', workers: 1, layout: 'resident' });
    const set = await t.client.call('results.get', { id: first.resultSetId });
    expect(set).toMatchObject({ name: 'ip2p', method: 'InstructPix2Pix', origin: 'edit', status: 'complete', done: 3, errors: 0, expected: 3, modelFolder: MODEL });
    expect(set.provenance).toMatchObject({ kind: 'edit', steps: 2, guidanceScale: 7.5, imageGuidanceScale: 1.5, seed: 5, resolution: 32, scheduler: 'EulerAncestralDiscreteScheduler', schedulerName: null, instruction: 'sample', limit: 3 });
    expect(set.configSha256).toMatch(/^[0-9a-f]{64}$/);
    const images = await t.client.call('results.images', { id: first.resultSetId });
    expect(images.items.map((i) => [i.status, i.image?.width, i.image?.height])).toEqual([
      ['done', 32, 32],
      ['done', 32, 32],
      ['done', 32, 32],
    ]);
    const seeds = images.items.map((i) => i.seed);
    expect(new Set(seeds).size).toBe(3); // per-sample seeds from the job's seed and the sample id
    expect(images.items.every((i) => i.seconds! > 0 && i.size! > 0)).toBe(true);

    // The same command again: nothing redone; with a larger limit only the new samples.
    const again = await runDataset({ limit: 3 });
    expect(again).toMatchObject({ resultSetId: first.resultSetId, total: 3, edited: 0, skipped: 3 });
    const more = await runDataset({ limit: 4 });
    expect(more).toMatchObject({ total: 4, edited: 1, skipped: 3 });
    const after = await t.client.call('results.images', { id: first.resultSetId });
    // The first three rows are untouched (same images, same seeds).
    expect(after.items.slice(0, 3).map((i) => i.image!.sha256)).toEqual(images.items.map((i) => i.image!.sha256));

    // Other settings into the same set: refused before anything is queued, naming what differs.
    await expect(t.client.call('edit.start', { mode: 'dataset', datasetId, name: 'ip2p', ...settings, steps: 3 })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('steps 2 → 3'),
    });
  }, 180_000);

  it('cancels between steps keeping whole rows; running it again finishes the set', async () => {
    // 8 steps of the tiny UNet take a few seconds on wasm: cancel inside the second sample's loop.
    let ready = false;
    const off = t.client.on('job.progress', (p) => {
      if (p.done >= 1 && /: step [2-7]\/8$/.test(p.message ?? '')) ready = true;
    });
    const { jobId } = await t.client.call('edit.start', { mode: 'dataset', datasetId, name: 'long', ...settings, steps: 8 });
    await until('the second sample half-way', () => ready, 120_000, 20);
    off();
    await t.client.call('jobs.cancel', { id: jobId });
    const job = await waitState(t, jobId, ['cancelled', 'completed', 'failed'], 60_000);
    expect(job.state).toBe('cancelled');
    const set = (await t.client.call('results.list', { datasetId })).find((s) => s.name === 'long')!;
    expect(set.status).toBe('incomplete');
    expect(set.done).toBeGreaterThanOrEqual(1);
    expect(set.done).toBeLessThan(6);
    const rows = await t.client.call('results.images', { id: set.id });
    expect(rows.items.every((i) => i.status === 'done' && i.image !== null)).toBe(true);
    const finish = await runDataset({ name: 'long', steps: 8, limit: set.done + 1 });
    expect(finish).toMatchObject({ edited: 1, skipped: set.done });
    expect((await t.client.call('results.get', { id: set.id })).status).toBe('complete');
  }, 180_000);

  it('runs the Edit view job: a guidance grid with previews, kept into a result set', async () => {
    const sampleId = (await t.client.call('samples.query', { datasetId, limit: 1 })).items[0]!.id;
    const previews: number[] = [];
    const outputs: number[] = [];
    const offs = [t.client.on('edit.preview', (p) => void previews.push(p.step)), t.client.on('edit.output', (o) => void outputs.push(o.index))];
    const { jobId, resultSetId } = await t.client.call('edit.start', {
      mode: 'single', sampleId, instruction: 'make the circle blue', ...settings, previewEvery: 1, grid: { text: [5, 7.5], image: [1.5] },
    });
    expect(resultSetId).toBeNull();
    const job = await waitState(t, jobId, ['completed', 'failed'], 120_000);
    offs.forEach((off) => off());
    expect(job.error).toBeNull();
    const result = editSingleResultSchema.parse(job.result);
    expect(result.outputs.map((o) => [o.index, o.guidanceScale, o.imageGuidanceScale])).toEqual([[0, 5, 1.5], [1, 7.5, 1.5]]);
    expect(result.outputs[0]!.image.sha256).not.toBe(result.outputs[1]!.image.sha256);
    expect(outputs.sort()).toEqual([0, 1]);
    expect(previews.length).toBeGreaterThanOrEqual(2);

    const kept = await t.client.call('edit.keep', { jobId, index: 1, name: 'kept' });
    expect(kept).toMatchObject({ sampleId, created: true, replaced: false });
    const [row] = (await t.client.call('results.images', { id: kept.resultSetId })).items;
    expect(row).toMatchObject({ sampleId, status: 'done', image: { sha256: result.outputs[1]!.image.sha256 }, params: { instruction: 'make the circle blue', guidanceScale: 7.5 } });
    await expect(t.client.call('edit.keep', { jobId, index: 0, name: 'kept' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await t.client.call('edit.keep', { jobId, index: 0, name: 'kept', replace: true })).toMatchObject({ created: false, replaced: true });
  }, 120_000);

  it('refuses a pipeline folder with a missing part before queueing, naming the file', async () => {
    const noVae = makeTinyPipeline(path.join(tmp, 'no-vae'), { parts: ['unet', 'text_encoder', 'tokenizer', 'scheduler'] });
    await expect(t.client.call('edit.start', { mode: 'dataset', datasetId, name: 'x', ...settings, model: noVae })).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringContaining(`${path.join(noVae, 'vae')}: the vae folder is missing`),
    });
    const check = await t.client.call('edit.check', { model: MODEL });
    expect(check).toMatchObject({ problems: [], nativeResolution: 32, memory: { layout: 'resident' } });
    expect((await t.client.call('results.list', { datasetId })).some((s) => s.name === 'x')).toBe(false);
  });
});
