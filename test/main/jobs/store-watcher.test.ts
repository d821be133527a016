// One live truth (issue 12): an app follows the jobs another process runs on the same data folder
// through the store — state, progress, metric points and log lines arrive as the same events its own
// queue emits, nothing twice — and commands issued here for such a job (pause, resume, cancel) are
// carried out by the process that runs it, with the new state seen here. The second process is first
// a second store connection writing as a queue would, then the real `ric train` in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEventName, ApiEventPayload } from '../../../shared/api/index.js';
import { openStore, type Store } from '../../../main/store/index.js';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { importShapes, until, waitState } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
let t: TestApp | null = null;
let other: Store | null = null;
let child: ChildProcess | null = null;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = null;
  other?.close();
  other = null;
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

/** Every event of the app's hub, in order, with its arrival time. */
function record(app: TestApp) {
  const events: { event: ApiEventName; payload: unknown; at: number }[] = [];
  app.app.events.subscribe((event, payload) => void events.push({ event, payload, at: Date.now() }));
  return {
    events,
    of: <E extends ApiEventName>(e: E) => events.filter((x) => x.event === e).map((x) => x.payload as ApiEventPayload<E>),
  };
}

describe('following another process through the store', () => {
  it('turns another connection\'s job rows, points and log lines into events, once each', async () => {
    t = openTestApp();
    const app = t;
    void app.app.context.jobs; // the queue (and its watcher) starts with the app in desktop and web mode
    const seen = record(app);
    other = openStore(app.dataDir);
    const s = other;
    // As another app's queue writes a training job it runs (its owner on another machine: alive by heartbeat).
    const id = s.jobs.create({ kind: 'train-blip', state: 'queued', title: 'Train blip elsewhere', params: {}, queue: { lane: 'gpu', runId: null, resume: null, owner: null } });
    const runId = s.runs.create({ jobId: id, kind: 'blip', name: 'elsewhere', datasetId: null, config: {}, seed: 0, codeVersion: 'test' });
    s.jobs.patchQueue(id, { runId, owner: 'another-machine:4242' });
    s.jobs.update(id, { state: 'running', done: 0, total: 10, heartbeatAt: new Date().toISOString() });
    await until('running', () => seen.of('job.progress').find((p) => p.jobId === id && p.state === 'running'), 5000, 20);

    const writer = s.runs.metricWriter();
    for (let step = 1; step <= 3; step++) writer.add(runId, 'loss', step, 3 - step / 10);
    writer.flush();
    s.jobs.update(id, { done: 3, message: 'blip epoch 1', heartbeatAt: new Date().toISOString() });
    s.jobs.addLog(id, 'info', 'step 3 of 10', 1000);
    await until('3 points', () => seen.of('metric.batch').flatMap((b) => b.points).length >= 3, 5000, 20);
    await until('done 3', () => seen.of('job.progress').find((p) => p.jobId === id && p.done === 3), 5000, 20);
    await until('the log line', () => seen.of('log.line').find((l) => l.message === 'step 3 of 10'), 5000, 20);
    // A validation point at a step already seen (same step, later) is news too.
    writer.add(runId, 'val_r1', 3, 0.25);
    writer.add(runId, 'loss', 4, 2.5);
    writer.flush();
    await until('val_r1 and step 4', () => seen.of('metric.batch').flatMap((b) => b.points).length >= 5, 5000, 20);
    expect(seen.of('metric.batch').flatMap((b) => b.points.map((p) => `${p.key}@${p.step}`)).sort()).toEqual(['loss@1', 'loss@2', 'loss@3', 'loss@4', 'val_r1@3']);
    expect(seen.of('metric.batch').flatMap((b) => b.points)).toHaveLength(5);

    // A command from here for a job another live process runs: left for its owner, logged here once.
    expect((await app.client.call('jobs.pause', { id })).state).toBe('running');
    expect(s.jobs.queueMeta(id)?.request).toBe('pause');
    // The owner carries it out and writes the new state; it arrives here.
    s.jobs.patchQueue(id, { request: null });
    s.jobs.update(id, { state: 'paused' });
    await until('paused', () => seen.of('job.progress').find((p) => p.jobId === id && p.state === 'paused'), 5000, 20);
    s.jobs.update(id, { state: 'completed', done: 10, finishedAt: new Date().toISOString() });
    await until('completed', () => seen.of('job.progress').find((p) => p.jobId === id && p.state === 'completed'), 5000, 20);
    await new Promise((r) => setTimeout(r, 600));

    // Nothing twice: one event per change, this process's own log line once.
    const states = seen.of('job.progress').filter((p) => p.jobId === id).map((p) => `${p.state}:${p.done}`);
    expect(states).toEqual(['running:0', 'running:3', 'paused:3', 'completed:10']);
    const mine = seen.of('log.line').filter((l) => l.message.startsWith('pause requested by'));
    expect(mine).toHaveLength(1);
    expect(seen.of('log.line').filter((l) => l.message === 'step 3 of 10')).toHaveLength(1);
    writer.close();
  });

  it('a `ric train` in another process: followed live, paused, resumed and cancelled from here', async () => {
    t = openTestApp();
    const app = t;
    await importShapes(app, 48);
    const seen = record(app);
    const config = path.join(app.dataDir, 'long.json');
    fs.writeFileSync(config, JSON.stringify({ batch_size: 8, checkpoint_every_steps: 0, phases: [{ name: 'fusion', epochs: 400, lr: 3e-3 }] }));
    child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', app.dataDir, 'train', 'regionclip', '--dataset', 'shapes', '--preset', 'tiny', '--config', config], {
      cwd: root,
      env: { ...process.env, RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    const started = await until('the CLI\'s job running here', () => seen.of('job.progress').find((p) => p.state === 'running'), 60_000, 50);
    const id = started.jobId;
    const { runId } = await app.client.call('jobs.get', { id });
    await until('its loss points here', () => seen.of('metric.batch').filter((b) => b.runId === runId).flatMap((b) => b.points).filter((p) => p.key === 'loss').length >= 5, 60_000, 50);
    expect(app.app.context.jobs.isActive(id)).toBe(false); // not ours: the CLI's engine host runs it

    expect((await app.client.call('jobs.pause', { id })).state).toBe('running');
    const paused = await waitState(app, id, ['paused'], 30_000);
    await until('the paused event', () => seen.of('job.progress').find((p) => p.jobId === id && p.state === 'paused'), 5000, 20);
    await until('the CLI says so', () => /paused at step (\d+)/.test(stderr), 5000, 20);
    const cliStep = Number(/paused at step (\d+)/.exec(stderr)![1]);
    expect(paused.done).toBe(cliStep);
    // The last loss point here is the step it paused at.
    const loss = () => Math.max(...seen.of('metric.batch').filter((b) => b.runId === runId).flatMap((b) => b.points).filter((p) => p.key === 'loss').map((p) => p.step));
    await until('points up to the pause', () => loss() === cliStep, 5000, 20);

    expect((await app.client.call('jobs.resume', { id })).state).toBe('paused');
    await until('running again here', () => seen.of('job.progress').filter((p) => p.jobId === id).at(-1)?.state === 'running', 30_000, 20);
    await until('steps after the pause', () => loss() > cliStep + 2, 30_000, 20);

    await app.client.call('jobs.cancel', { id });
    expect(await exited).toBe(130);
    await until('cancelled here', () => seen.of('job.progress').find((p) => p.jobId === id && p.state === 'cancelled'), 5000, 20);
    expect((await app.client.call('runs.get', { id: runId! })).status).toBe('cancelled');
  }, 180_000);
});
