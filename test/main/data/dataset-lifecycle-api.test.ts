// The dataset lifecycle through the Api (issue 17), with the real queue and engine host: a failed
// import says why on the dataset, a retry (even from a corrected path) reuses the dataset instead of
// adding one, rename, delete with its refusals, and jobs that fail say so — a caption job whose
// every sample failed, the template captioner on a dataset without scene graphs, training on a
// dataset without usable pairs.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../../shared/api/index.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { startTestServer, type TestServer } from '../captions/vlm-test-server.js';
import { waitState } from '../jobs/helpers.js';

let t: TestApp | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  t?.close();
  t = undefined;
  await server?.close();
  server = undefined;
});

/** A Folder dataset of `n` good 16×16 samples (source/, target/, mask/, instructions.jsonl). */
async function writeFolder(root: string, n: number): Promise<void> {
  for (const d of ['source', 'target', 'mask']) fs.mkdirSync(path.join(root, d), { recursive: true });
  const png = (v: number, grey: boolean) =>
    sharp({ create: { width: 16, height: 16, channels: 3, background: grey ? { r: v, g: v, b: v } : { r: v, g: 40, b: 90 } } })
      .png()
      .toBuffer();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(root, 'source', `s${i}.png`), await png(10 + i, false));
    fs.writeFileSync(path.join(root, 'target', `s${i}.png`), await png(100 + i, false));
    fs.writeFileSync(path.join(root, 'mask', `s${i}.png`), await png(255, true));
    lines.push(JSON.stringify({ id: `s${i}`, instruction: `make sample ${i} blue`, split: 'train' }));
  }
  fs.writeFileSync(path.join(root, 'instructions.jsonl'), `${lines.join('\n')}\n`);
}

const rejected = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(ApiCallError);
      return e as ApiCallError;
    },
  );

describe('dataset lifecycle', () => {
  it('a failed import says why; retry reuses the dataset, from the same or a corrected path; rename and delete', async () => {
    t = openTestApp();
    const api = t.client;
    const broken = tempDir('ric-no-source-');
    fs.writeFileSync(path.join(broken, 'instructions.jsonl'), '{"id":"s0","instruction":"x"}\n');
    const first = await api.call('datasets.import', { format: 'folder', path: broken, name: 'mine' });
    await waitState(t, first.jobId, ['failed']);
    let detail = await api.call('datasets.get', { id: first.datasetId });
    expect(detail).toMatchObject({ status: 'failed', sampleCount: 0, lastImport: { id: first.jobId, state: 'failed' } });
    expect(detail.lastImport?.error).toMatch(/has no source\/ folder/);

    // Retried as it is: the same dataset, a new job, still failing.
    const again = await api.call('datasets.retryImport', { id: first.datasetId });
    expect(again.datasetId).toBe(first.datasetId);
    await waitState(t, again.jobId, ['failed']);
    // Retried from a corrected path: still the same dataset, now imported.
    const fixed = tempDir('ric-fixed-');
    await writeFolder(fixed, 3);
    const third = await api.call('datasets.retryImport', { id: first.datasetId, path: fixed });
    expect(third.datasetId).toBe(first.datasetId);
    await waitState(t, third.jobId, ['completed']);
    const list = await api.call('datasets.list', {});
    expect(list).toEqual([expect.objectContaining({ id: first.datasetId, name: 'mine', status: 'ready', sampleCount: 3, sourcePath: fixed })]);
    detail = await api.call('datasets.get', { id: first.datasetId });
    expect(detail.lastImport).toMatchObject({ id: third.jobId, state: 'completed' });
    // A complete import has nothing to retry; a dataset with samples keeps its source.
    expect((await rejected(api.call('datasets.retryImport', { id: first.datasetId }))).code).toBe('failed_precondition');
    expect((await rejected(api.call('datasets.retryImport', { id: first.datasetId, path: broken }))).message).toMatch(/already holds 3 samples/);

    // Rename: a taken name is refused; then the new name is what a later retry imports into.
    await api.call('datasets.importShapes', { count: 2, seed: 1, size: 16, name: 'other' }).then((r) => waitState(t!, r.jobId, ['completed']));
    expect((await rejected(api.call('datasets.rename', { id: first.datasetId, name: 'other' }))).code).toBe('conflict');
    expect(await api.call('datasets.rename', { id: first.datasetId, name: ' renamed ' })).toMatchObject({ name: 'renamed' });

    // Delete: only with its current name; its blobs go unless another dataset shares them.
    expect((await rejected(api.call('datasets.delete', { id: first.datasetId, name: 'mine' }))).message).toMatch(/is called "renamed", not "mine": nothing was deleted/);
    const blobsBefore = countFiles(path.join(t.dataDir, 'blobs'));
    const gone = await api.call('datasets.delete', { id: first.datasetId, name: 'renamed' });
    expect(gone).toMatchObject({ name: 'renamed', samples: 3 });
    expect(gone.removedFiles).toBe(gone.freedBlobs);
    expect(gone.freedBlobs).toBeGreaterThanOrEqual(3 * 2); // at least the distinct sources and targets
    expect(countFiles(path.join(t.dataDir, 'blobs'))).toBe(blobsBefore - gone.removedFiles);
    expect((await api.call('datasets.list', {})).map((d) => d.name)).toEqual(['other']);
    // The other dataset's images are all still there.
    const others = await api.call('samples.query', { datasetId: list.length ? (await api.call('datasets.resolve', { ref: 'other' })).id : 0 });
    for (const item of others.items) {
      const sample = await api.call('samples.get', { id: item.id });
      for (const sha of [sample.source.sha256, sample.source.thumbSha256, sample.target?.sha256, sample.mask?.pngSha256]) {
        if (sha) expect(fs.existsSync(path.join(t.dataDir, 'blobs', sha.slice(0, 2), sha))).toBe(true);
      }
    }
    expect((await rejected(api.call('datasets.get', { id: first.datasetId }))).code).toBe('not_found');
    fs.rmSync(broken, { recursive: true, force: true });
    fs.rmSync(fixed, { recursive: true, force: true });
  });

  it('a dataset in use by a job cannot be deleted; the refusal names the job', async () => {
    t = openTestApp();
    const api = t.client;
    const { jobId, datasetId } = await api.call('datasets.importShapes', { count: 400, seed: 2, size: 64, name: 'busy' });
    await waitState(t, jobId, ['running']);
    const err = await rejected(api.call('datasets.delete', { id: datasetId, name: 'busy' }));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/"busy" is in use by "Import busy" \((running|queued)\); cancel that job or wait for it to finish/);
    await api.call('jobs.cancel', { id: jobId });
    await waitState(t, jobId, ['cancelled', 'completed']);
    expect((await api.call('datasets.delete', { id: datasetId, name: 'busy' })).name).toBe('busy');
  });
});

describe('jobs that failed say so', () => {
  it('a caption job whose every sample failed ends failed, listed as such; caption errors are not import errors', async () => {
    t = openTestApp();
    const api = t.client;
    const root = tempDir('ric-folder-');
    await writeFolder(root, 3);
    const imp = await api.call('datasets.import', { format: 'folder', path: root, name: 'f' });
    await waitState(t, imp.jobId, ['completed']);
    server = await startTestServer(() => ({ kind: 'status', status: 500, body: { error: { message: 'model crashed' } } }));
    const { jobId } = await api.call('captions.generate', { datasetId: imp.datasetId, kind: 'scene', endpoint: server.url, model: 'm', maxRetries: 0 });
    const job = await waitState(t, jobId, ['failed', 'completed']);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^All 3 samples failed, so nothing was written\. The first reason: HTTP 500: model crashed\. Check the VLM endpoint/);
    expect((await api.call('jobs.list', {})).find((j) => j.id === jobId)).toMatchObject({ state: 'failed', done: 3, total: 3 });
    const report = await api.call('captions.job', { jobId });
    expect(report.report?.failed).toHaveLength(3);

    const d = await api.call('datasets.get', { id: imp.datasetId });
    expect(d).toMatchObject({ errorCount: 0, captionErrorCount: 3 });
    expect(await api.call('datasets.errors', { id: imp.datasetId, stage: 'import' })).toEqual([]);
    expect((await api.call('datasets.errors', { id: imp.datasetId, stage: 'caption' })).map((e) => e.reason)).toEqual(Array(3).fill('HTTP 500: model crashed'));

    // The template captioner refuses at once, saying why; so does training without usable pairs.
    const template = await rejected(api.call('captions.generate', { datasetId: imp.datasetId, kind: 'scene', captioner: 'template' }));
    expect(template).toMatchObject({ code: 'failed_precondition' });
    expect(template.message).toBe(
      'The template captioner writes descriptions from ShapesEdit scene graphs, and "f" is a folder dataset without them. Describe it with a VLM instead: set the VLM endpoint in Settings and choose the VLM captioner.',
    );
    const train = await rejected(api.call('jobs.start', { kind: 'train-blip', params: { datasetId: imp.datasetId, preset: 'tiny' } }));
    expect(train.code).toBe('failed_precondition');
    // The training pre-flight's refusal (issue 12), the same words the form and `ric train` show.
    expect(train.message).toBe(
      'dataset "f" has 0 usable pairs for BLIP, training needs at least 2 to train and 2 to validate: 3 of its 3 samples have no approved scene caption (Review scene captions of f; or: ric caption --dataset f --kind scene --endpoint URL --model M)',
    );
    expect((await api.call('jobs.list', {})).filter((j) => j.kind !== 'import' && j.kind !== 'caption')).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += e.name === 'tmp' ? 0 : countFiles(path.join(dir, e.name));
    else n++;
  }
  return n;
}
