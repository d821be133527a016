// Following a submission without a scheduler in the way (issue 19): a work folder written by hand
// where a task's files would be, read through the real local login shell (bash, tail, head). The
// live metrics file is read incrementally — a line still being written waits for the next poll —
// into the placeholder run, and each batch goes out as a metric.batch event (what the live monitor
// draws); a task gone from the queue is judged by its own state file, and a failing squeue is an
// error, never "every task has ended". The real Slurm path is slurm.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';

let t: TestApp | null = null;
const dirs: string[] = [];
// squeue is the one part of Slurm this test stands in for (slurm.test.ts runs the real one): a
// script that lists no job and succeeds, first on PATH for the local login shell.
const fakeBin = tempDir('ric-fake-squeue-');
fs.writeFileSync(path.join(fakeBin, 'squeue'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
const pathBefore = process.env['PATH'];
process.env['PATH'] = `${fakeBin}:${pathBefore ?? ''}`;
afterAll(() => {
  process.env['PATH'] = pathBefore;
  fs.rmSync(fakeBin, { recursive: true, force: true });
});
afterEach(() => {
  t?.close();
  t = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('following a submission', () => {
  it('streams complete metric lines into the run, resumes at the byte offset, and reads task reports', async () => {
    t = openTestApp();
    const work = tempDir('ric-follow-');
    dirs.push(work);
    const store = t.app.store;
    const profile = { name: 'here', login: { kind: 'local' as const }, partition: 'debug', account: null, gpusPerRun: 0, cpusPerRun: 1, timeLimit: '10', workDir: work, ricCommand: 'ric', maxParallel: null };
    const runId = store.runs.create({ jobId: null, kind: 'regionclip', name: 'abl cls seed=0', datasetId: null, config: {}, seed: 0, codeVersion: 't', origin: 'cluster' });
    const id = store.cluster.create({ name: 'abl', profile, matrix: { name: 'abl', kind: 'train-regionclip', dataset: 'shapes', base: {}, axes: [] }, workDir: path.join(work, 'abl-00000000') }, [runId]);
    store.cluster.setState(id, 'submitted', null, '777');
    const task = path.join(work, 'abl-00000000', 'tasks', '0');
    fs.mkdirSync(path.join(task, 'live'), { recursive: true });
    const uid = store.runs.uid(runId)!;
    const report = (state: string) => fs.writeFileSync(path.join(task, 'state.json'), JSON.stringify({ state, runUid: uid, resumedFrom: null, message: null, bundleDigest: null, updatedAt: 'now' }));
    const line = (step: number) => `${JSON.stringify({ key: 'loss', step, value: 1 / step, time: 1000 + step })}\n`;
    const live = path.join(task, 'live', 'metrics.jsonl');

    const batches: number[][] = [];
    const off = t.client.on('metric.batch', (b) => {
      if (b.runId === runId) batches.push(b.points.map((p) => p.step));
    });
    // Two whole lines and the first half of a third, as a writer caught mid-line leaves them.
    const third = line(3);
    fs.writeFileSync(live, line(1) + line(2) + third.slice(0, 10));
    report('running');
    let sub = await t.client.call('cluster.poll', { id });
    expect(store.runs.metricHistory(runId, 'loss').map((p) => p.step)).toEqual([1, 2]);
    // Out of Slurm's queue (no scheduler here) while its report says running: it was killed.
    expect(sub.tasks[0]).toMatchObject({ runState: 'interrupted', state: 'ENDED', lastStep: 2 });
    expect(sub.tasks[0]!.message).toMatch(/resubmit it to resume from its last checkpoint/);

    // A bad point, and a line that tries to pass for a section of the poll's answer: both skipped.
    fs.appendFileSync(live, third.slice(10) + line(4) + '{"key":"loss","step":"five"}\n' + '\x1estate 0 2\n{}\n');
    report('completed');
    sub = await t.client.call('cluster.poll', { id });
    expect(store.runs.metricHistory(runId, 'loss').map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(store.runs.metricHistory(runId, 'loss')[2]!.value).toBeCloseTo(1 / 3, 12);
    expect(sub.tasks[0]).toMatchObject({ runState: 'completed', state: 'COMPLETED', lastStep: 4, message: '3 unreadable metric line(s) skipped' });
    expect(store.runs.get(runId)!.status).toBe('completed');
    // Nothing new: nothing read twice.
    await t.client.call('cluster.poll', { id });
    expect(store.runs.metricHistory(runId, 'loss')).toHaveLength(4);
    await new Promise((r) => setTimeout(r, 50));
    off();
    expect(batches.flat()).toEqual([1, 2, 3, 4]);

    // squeue failing (slurmctld down): an error, and the run keeps its state.
    fs.writeFileSync(path.join(fakeBin, 'squeue'), '#!/bin/sh\necho "slurm_load_jobs error: Unable to contact slurm controller" >&2\nexit 1\n', { mode: 0o755 });
    report('running');
    await expect(t.client.call('cluster.poll', { id })).rejects.toThrow(/squeue on this machine failed \(exit 1\): slurm_load_jobs error: Unable to contact slurm controller/);
    expect(store.runs.get(runId)!.status).toBe('completed');
    await expect(t.client.call('cluster.poll', { id: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });
});
