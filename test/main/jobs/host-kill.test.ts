// The engine host dies mid-step (SIGKILL, as the kernel's OOM killer would): the job ends
// interrupted with the reason, the app answers Api calls throughout, the store passes
// integrity_check, and resume continues from the last checkpoint with a continuous loss curve.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { collectPoints, importShapes, tinyTraining, until, waitState } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('engine host killed mid-step', () => {
  it('marks the job interrupted, keeps the app and store up, and resumes from the last checkpoint', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app);
    const { id, runId } = await app.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId) });
    expect(runId).not.toBeNull();
    const seen = collectPoints(app, runId!);
    await waitState(app, id, ['running']);
    // Past a checkpoint, then kill between two checkpoints.
    await until('a checkpoint and 5 steps', async () => {
      const run = await app.client.call('runs.get', { id: runId! });
      return run.checkpoints.length > 0 && Math.max(0, ...seen.steps('loss')) >= 5;
    });
    const pid = app.app.context.jobs.hostPid('gpu');
    expect(pid).toBeGreaterThan(0);

    // The Api answers while the host dies and after.
    let answered = 0;
    let failed = 0;
    const pinger = setInterval(() => {
      app.client.call('jobs.list', {}).then(() => answered++, () => failed++);
    }, 20);
    process.kill(pid!, 'SIGKILL');
    const job = await waitState(app, id, ['interrupted'], 30_000);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(pinger);
    expect(failed).toBe(0);
    expect(answered).toBeGreaterThan(5);
    expect(job.error).toMatch(/SIGKILL/);
    expect((await app.client.call('runs.get', { id: runId! })).status).toBe('interrupted');
    expect(app.app.store.integrityCheck()).toBe('ok');

    // What was committed before the kill: points up to some step; the last checkpoint is before it.
    const runs = app.app.store.runs;
    const stored = runs.metricHistory(runId!, 'loss');
    expect(stored.length).toBeGreaterThan(0);
    stored.forEach((r, i) => expect(r.step).toBe(i + 1));
    const lastCheckpoint = (await app.client.call('runs.get', { id: runId! })).checkpoints.at(-1)!;

    // Resume: the host starts again on demand and continues from the checkpoint's step.
    seen.points.length = 0;
    expect((await app.client.call('jobs.resume', { id })).state).toBe('queued');
    await until('steps after resume', () => seen.steps('loss').length >= 3, 120_000);
    expect(app.app.context.jobs.hostPid('gpu')).not.toBe(pid);
    expect(seen.steps('loss')[0]).toBe(lastCheckpoint.step + 1);
    await app.client.call('jobs.cancel', { id });
    const stopped = await waitState(app, id, ['cancelled'], 60_000);
    expect(stopped.error).toBeNull();

    // One loss point per step from 1 to the end: the curve is continuous across the kill.
    const after = runs.metricHistory(runId!, 'loss');
    after.forEach((r, i) => expect(r.step).toBe(i + 1));
    expect(after.length).toBeGreaterThan(lastCheckpoint.step + 2);
    const log = await app.client.call('jobs.log', { id });
    expect(log.map((l) => l.message).join('\n')).toMatch(/interrupted: the engine host was killed by SIGKILL[\s\S]*queued to resume from the checkpoint at step/);
    expect(app.app.store.integrityCheck()).toBe('ok');
  }, 300_000);
});
