// A training job on tensor workers through the real engine host: the run records how many workers
// ran it (runs.backend, shown in the runs table and the monitor) and the job's log says so.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { importShapes, tinyTraining, waitState } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('training job on tensor workers', () => {
  it('records the worker count on the run and in the log', async () => {
    t = openTestApp();
    const datasetId = await importShapes(t, 24);
    const { id, runId } = await t.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId, { workers: 2, max_steps: 3 }) });
    const job = await waitState(t, id, ['completed', 'failed'], 120_000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    const run = await t.client.call('runs.get', { id: runId! });
    expect(run.backend).toBe('wasm × 2 workers');
    expect(run.config['workers']).toBe(2);
    expect(run.lastStep).toBe(3);
    const log = (await t.client.call('jobs.log', { id })).map((l) => l.message).join('\n');
    expect(log).toMatch(/backend wasm × 2 workers \(the config's "workers" = 2\)/);
    expect(log).toMatch(/tensor workers: 2 on wasm/);
  });
});
