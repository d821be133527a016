// `ric jobs` as a child process beside a running app: it lists the queue, a cancel reaches the job
// in the other process (carried out there within a second), and `ric jobs resume` runs the job in
// its own engine host from the last checkpoint to the end.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../main/paths.js';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { importShapes, tinyTraining, until, waitState } from '../jobs/helpers.js';

const ric = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot(), 'bin/ric.js'), '--data', dataDir, ...args], { encoding: 'utf8', timeout: 240_000 });

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('ric jobs', () => {
  it('lists, cancels a job another process runs, and resumes it here to the end', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 32);
    const { id, runId } = await app.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId, { max_steps: 60 }) });
    await until('a checkpoint', async () => (await app.client.call('runs.get', { id: runId! })).checkpoints.length > 0 && (await app.client.call('jobs.get', { id })).state === 'running');
    // Paused, so it cannot finish while the CLI starts (a busy 2-core machine).
    await app.client.call('jobs.pause', { id });
    await waitState(app, id, ['paused']);
    const list = ric(app.dataDir, 'jobs', '--json');
    expect(list.status).toBe(0);
    const jobs = JSON.parse(list.stdout) as { id: number; state: string; kind: string }[];
    expect(jobs.find((j) => j.id === id)).toMatchObject({ state: 'paused', kind: 'train-regionclip' });

    const cancel = ric(app.dataDir, 'jobs', 'cancel', String(id), '--json');
    expect(cancel.status).toBe(0);
    expect(JSON.parse(cancel.stdout)).toEqual({ id, state: 'paused' });
    const stopped = await waitState(app, id, ['cancelled'], 30_000);
    expect(stopped.error).toBeNull();
    const stoppedAt = (await app.client.call('runs.get', { id: runId! })).checkpoints.at(-1)!.step;
    expect(stoppedAt).toBeLessThan(60);

    const resumed = ric(app.dataDir, 'jobs', 'resume', String(id), '--json', '--no-progress');
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, state: 'completed', runId });
    const steps = app.app.store.runs.metricHistory(runId!, 'loss').map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

    const bad = ric(app.dataDir, 'jobs', 'resume', '999');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/job 999 not found/);
  }, 300_000);
});
