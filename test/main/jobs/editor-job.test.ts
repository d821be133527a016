// The train-editor job in the engine host (issue 15): per-term loss points reach the live monitor,
// pause keeps the model loaded, a SIGKILL of the host leaves the run resumable from its last
// checkpoint with a continuous curve, the validation edits are stored per checkpoint, and cancel
// writes a final checkpoint. Tiny pixel-space UNet at 16², random frozen towers (test/…/towers.ts).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { TINY_EDITOR_UNET } from '../../helpers/tiny-editor.js';
import { shapesEditorPairs } from '../../../main/data/shapes-pairs.js';
import { writeRandomTowers } from '../engine/training/editor/towers.js';
import { collectPoints, importShapes, until, waitState } from './helpers.js';

let t: TestApp | null = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-editor-job-'));
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

const tinyUnet = TINY_EDITOR_UNET;

describe('train-editor job', () => {
  it('per-term metrics, pause, SIGKILL and resume from the checkpoint, stored edits, cancel', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 24);
    expect(app.app.store.samples.editorTrainingSamples(datasetId).length).toBeGreaterThan(10);
    // the towers' vocabulary: the imported samples' descriptions (importShapes: seed 3, 64 px)
    const texts = shapesEditorPairs({ seed: 3, count: 24, size: 64 }).flatMap((p) => [p.regionText, p.sceneText]);
    const towers = await writeRandomTowers(path.join(tmp, 'towers'), texts, 5);
    const config = { resolution: 16, batch_size: 4, steps: 200, checkpoint_every: 3, keep_checkpoints: 0, tiny_pipeline: { unet: tinyUnet }, validation: { samples: 2, metric_samples: 0, loss_samples: 2, steps: 2 }, ...towers };
    const { id, runId } = await app.client.call('jobs.start', { kind: 'train-editor', params: { datasetId, preset: 'tiny', config } });
    expect(runId).not.toBeNull();
    const seen = collectPoints(app, runId!);
    await until('a checkpoint and 4 steps', async () => (await app.client.call('runs.get', { id: runId! })).checkpoints.length > 0 && Math.max(0, ...seen.steps('loss')) >= 4, 180_000);
    for (const k of ['loss_denoise', 'loss_region', 'loss_global', 'lr', 'grad_norm', 'step_time_ms', 'val_loss_region']) expect(seen.steps(k).length, k).toBeGreaterThan(0);
    // the validation edits of the first checkpoint, with their PNG in the blob store
    const samples = await app.client.call('runs.samples', { runId: runId! });
    expect(samples.samples.length).toBeGreaterThan(0); // up to validation.samples (2): the dataset's val split may hold fewer
    expect(samples.samples.length).toBeLessThanOrEqual(2);
    expect(samples.samples[0]!.kind).toBe('edit');
    expect(app.app.store.blobs.read(samples.samples[0]!.blobSha256!)?.subarray(1, 4).toString()).toBe('PNG');

    // pause at a step boundary, then go on
    await app.client.call('jobs.pause', { id });
    await waitState(app, id, ['paused'], 60_000);
    const pausedAt = Math.max(...seen.steps('loss'));
    await app.client.call('jobs.resume', { id });
    await until('2 steps after the pause', () => Math.max(...seen.steps('loss')) >= pausedAt + 2, 120_000);

    // SIGKILL mid-run: interrupted, resumable from the last checkpoint
    const pid = app.app.context.jobs.hostPid('gpu');
    process.kill(pid!, 'SIGKILL');
    await waitState(app, id, ['interrupted'], 30_000);
    expect(app.app.store.integrityCheck()).toBe('ok');
    const last = (await app.client.call('runs.get', { id: runId! })).checkpoints.at(-1)!;
    seen.points.length = 0;
    await app.client.call('jobs.resume', { id });
    await until('2 steps after the resume', () => seen.steps('loss').length >= 2, 180_000);
    expect(seen.steps('loss')[0]).toBe(last.step + 1);
    await app.client.call('jobs.cancel', { id });
    await waitState(app, id, ['cancelled'], 120_000);
    const steps = app.app.store.runs.metricHistory(runId!, 'loss').map((r) => r.step);
    steps.forEach((s, i) => expect(s).toBe(i + 1));
    // cancel wrote a checkpoint at the last step
    expect((await app.client.call('runs.get', { id: runId! })).checkpoints.at(-1)!.step).toBe(steps.at(-1));
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 420_000);
});
