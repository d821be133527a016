// The job's step and the last checkpoint's, side by side (issue 12): a job's step counter runs ahead
// of its last checkpoint, and resume starts from the checkpoint, so runs.list and runs.get report both
// (the runs table and the monitor show both; the CLI names the checkpoint a resume continues from).
import { afterEach, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

it('reports the job step and the latest checkpoint step of a run, each from its own row', async () => {
  t = openTestApp();
  const { store } = t.app;
  const jobId = store.jobs.create({ kind: 'train-regionclip', state: 'interrupted', title: 'r', params: {} });
  const runId = store.runs.create({ jobId, kind: 'regionclip', name: 'ahead', datasetId: null, config: {}, seed: 0, codeVersion: 'test' });
  // Nothing yet: no checkpoint, the job at 0.
  expect((await t.client.call('runs.get', { id: runId })).checkpointStep).toBeNull();
  store.runs.addCheckpoint(runId, { step: 20, path: 'runs/1/checkpoint-20', size: 1, validationScore: 0.5, metrics: {} });
  store.runs.addCheckpoint(runId, { step: 30, path: 'runs/1/checkpoint-30', size: 1, validationScore: 0.4, metrics: {} });
  store.jobs.update(jobId, { done: 37 });
  const [listed] = await t.client.call('runs.list', {});
  expect(listed).toMatchObject({ id: runId, jobStep: 37, checkpointStep: 30 });
  expect(await t.client.call('runs.get', { id: runId })).toMatchObject({ jobStep: 37, checkpointStep: 30 });
  // A run without a job (imported, or its job row gone) has no job step.
  const lone = store.runs.create({ jobId: null, kind: 'blip', name: 'lone', datasetId: null, config: {}, seed: 0, codeVersion: 'test' });
  expect(await t.client.call('runs.get', { id: lone })).toMatchObject({ jobStep: null, checkpointStep: null });
});
