// Pause at a step boundary keeps the model loaded in the same host and the step count; resume
// continues with the next step, so the loss curve has one point per step and no gap.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { collectPoints, importShapes, tinyTraining, until, waitState } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('pause and resume', () => {
  it('keeps the step count and the loss curve continuous, with the model still loaded', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app);
    const { id, runId } = await app.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId) });
    const seen = collectPoints(app, runId!);
    await until('4 steps', () => Math.max(0, ...seen.steps('loss')) >= 4);
    const pid = app.app.context.jobs.hostPid('gpu');
    expect((await app.client.call('jobs.pause', { id })).state).toBe('running');
    await waitState(app, id, ['paused'], 30_000);
    expect((await app.client.call('runs.get', { id: runId! })).status).toBe('paused');
    const pausedAt = Math.max(...seen.steps('loss'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(Math.max(...seen.steps('loss'))).toBe(pausedAt);
    const runs = app.app.store.runs;
    expect(runs.metricHistory(runId!, 'loss').at(-1)?.step).toBe(pausedAt);
    // Same process, tensors still allocated: the model was not unloaded.
    const res = await app.client.call('runs.resources', {});
    expect(res.host?.pid).toBe(pid);
    expect(res.host?.backend).toBe('wasm');
    expect(res.host?.tensors?.numTensors).toBeGreaterThan(10);
    expect(res.host?.runningJobs).toEqual([id]);
    expect((await app.client.call('system.info', {})).tensorBackend).toBe('wasm');
    await expect(app.client.call('jobs.resume', { id, checkpointId: 999 })).resolves.toMatchObject({ state: 'paused' });

    const before = seen.points.length;
    await until('running again', async () => (await app.client.call('jobs.get', { id })).state === 'running');
    await until('3 more steps', () => Math.max(...seen.steps('loss')) >= pausedAt + 3);
    const resumed = seen.points.slice(before).filter((p) => p.key === 'loss');
    expect(resumed[0]!.step).toBe(pausedAt + 1);
    expect(app.app.context.jobs.hostPid('gpu')).toBe(pid);

    // Import jobs have no step boundaries: pausing one is refused with the reason.
    await app.client.call('jobs.cancel', { id });
    await waitState(app, id, ['cancelled'], 60_000);
    const steps = runs.metricHistory(runId!, 'loss').map((r) => r.step);
    steps.forEach((s, i) => expect(s).toBe(i + 1));
    expect(steps.length).toBeGreaterThanOrEqual(pausedAt + 3);
    // Stop writes a checkpoint at the last step, so a stopped run resumes where it stopped.
    const run = await app.client.call('runs.get', { id: runId! });
    expect(run.checkpoints.at(-1)!.step).toBe(steps.at(-1));
    expect(run.status).toBe('cancelled');
    // Each checkpoint stored retrieval examples made with it: the step slider's samples.
    const samples = await app.client.call('runs.samples', { runId: runId! });
    expect(samples.steps).toEqual(run.checkpoints.map((c) => c.step));
    expect(samples.step).toBe(steps.at(-1));
    expect(samples.samples.length).toBe(4); // the dataset's 4 validation pairs
    for (const s of samples.samples) {
      expect(s.kind).toBe('retrieval');
      expect(s.blobSha256).toMatch(/^[0-9a-f]{64}$/);
      const p = s.payload as { truth: string; retrieved: { text: string; score: number; correct: boolean }[] };
      expect(p.retrieved).toHaveLength(3);
      expect(p.retrieved[0]!.score).toBeGreaterThanOrEqual(p.retrieved[2]!.score);
      if (p.retrieved.some((r) => r.correct)) expect(p.retrieved.map((r) => r.text)).toContain(p.truth);
    }
    const earlier = await app.client.call('runs.samples', { runId: runId!, step: run.checkpoints[0]!.step });
    expect(earlier.step).toBe(run.checkpoints[0]!.step);
  }, 300_000);

  it('refuses to pause a job without step boundaries, and cancels a queued job at once', async () => {
    t = openTestApp();
    const app = t;
    const { id } = await app.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count: 400, seed: 1, size: 64 } });
    await waitState(app, id, ['running']);
    await expect(app.client.call('jobs.pause', { id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/cannot pause/) });
    // Two light slots: a third import waits in the queue; cancelling it never starts it.
    const b = await app.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count: 400, seed: 2, size: 64 } });
    const c = await app.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count: 10, seed: 4, size: 64 } });
    expect((await app.client.call('jobs.get', { id: c.id })).state).toBe('queued');
    expect((await app.client.call('jobs.cancel', { id: c.id })).state).toBe('cancelled');
    await app.client.call('jobs.cancel', { id });
    await app.client.call('jobs.cancel', { id: b.id });
    expect((await waitState(app, id, ['cancelled'])).state).toBe('cancelled');
    await waitState(app, b.id, ['cancelled']);
    expect((await app.client.call('jobs.get', { id: c.id })).startedAt).toBeNull();
    await expect(app.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count: 0 } })).rejects.toMatchObject({ code: 'invalid_args', message: 'The import job was refused: Number of samples: must be at least 1' });
  }, 120_000);
});
