// `ric cluster task --work W --index I`: one array task, on a cluster node (issue 19). The task has
// its own data folder, tasks/I/data — a copy of the staged dataset snapshot, never a database on
// the shared filesystem opened by two processes — and runs its training job there through the Api,
// exactly as `ric train` would. While it runs, every committed metric batch is appended to
// tasks/I/live/metrics.jsonl (the workstation reads it incrementally); state.json says how far it
// got. At the end the run is written as a bundle, tasks/I/bundle, with its last checkpoint's files.
// Started again (a resubmitted task), it finds its job in its own store and resumes it from the
// last checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../../../shared/api/client.js';
import { stagedMatrixSchema, type TaskStateFile } from '../../../shared/api/index.js';
import { CliError } from '../output.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CliError(`${file}: cannot read ${what}: ${(err as Error).message}`);
  }
}

/** Written beside, then renamed: the workstation never reads half a state file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Queues the task's job again from its last checkpoint. A job left "running" by a killed attempt
 * on this node is marked interrupted as the queue opens; one left by a dead process on another
 * node only once its heartbeat is stale (main/jobs, ~30 s): until then the request is retried.
 */
async function resumeJob(api: ApiClient, id: number): Promise<void> {
  for (let i = 0; i < 90; i++) {
    const r = await api.call('jobs.resume', { id });
    if (r.state === 'queued') return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new CliError(`job ${id} of this task is still marked running by another process; resubmit later`);
}

export async function runClusterTask(work: string, index: number): Promise<void> {
  const matrixFile = path.join(work, 'matrix.json');
  const parsed = stagedMatrixSchema.safeParse(readJson(matrixFile, 'the staged matrix'));
  if (!parsed.success) throw new CliError(`${matrixFile}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const staged = parsed.data;
  const spec = staged.tasks.find((t) => t.index === index);
  if (!spec) throw new CliError(`${matrixFile} has no task ${index} (it has ${staged.tasks.length})`);
  const taskDir = path.join(work, 'tasks', String(index));
  const data = path.join(taskDir, 'data');
  fs.mkdirSync(path.join(taskDir, 'live'), { recursive: true });
  if (!fs.existsSync(path.join(data, 'ric.sqlite'))) {
    const tmp = `${data}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(path.join(work, 'stage', 'data'), tmp, { recursive: true });
    fs.rmSync(data, { recursive: true, force: true });
    fs.renameSync(tmp, data);
  }
  const stateFile = path.join(taskDir, 'state.json');
  const jobFile = path.join(taskDir, 'job.json');
  const liveFile = path.join(taskDir, 'live', 'metrics.jsonl');
  let resumedFrom: number | null = null;
  const report = (state: TaskStateFile['state'], message: string | null, bundleDigest: string | null = null) =>
    writeAtomic(stateFile, `${JSON.stringify({ state, runUid: spec.runUid, resumedFrom, message, bundleDigest, updatedAt: new Date().toISOString() } satisfies TaskStateFile)}\n`);

  await withApi(data, async (api) => {
    let jobId: number;
    let runId: number;
    if (fs.existsSync(jobFile)) {
      const saved = readJson(jobFile, 'the task job') as { jobId?: unknown };
      if (typeof saved.jobId !== 'number') throw new CliError(`${jobFile}: no jobId`);
      jobId = saved.jobId;
      const job = await api.call('jobs.get', { id: jobId });
      if (job.runId === null) throw new CliError(`job ${jobId} has no run`);
      runId = job.runId;
      if (job.state !== 'completed') {
        const run = await api.call('runs.get', { id: runId });
        resumedFrom = run.checkpoints.at(-1)?.step ?? null;
        await resumeJob(api, jobId);
        process.stderr.write(`ric: task ${index}: resuming job ${jobId} from ${resumedFrom === null ? 'the start (no checkpoint)' : `the checkpoint at step ${resumedFrom}`}\n`);
      }
    } else {
      const dataset = await api.call('datasets.resolve', { ref: staged.datasetName });
      const started = await api.call('jobs.start', {
        kind: staged.kind,
        params: { datasetId: dataset.id, seed: spec.seed, config: spec.config, name: spec.name, runUid: spec.runUid, ...(staged.preset ? { preset: staged.preset } : {}) },
      });
      if (started.runId === null) throw new CliError(`a ${staged.kind} job made no run`);
      jobId = started.id;
      runId = started.runId;
      writeAtomic(jobFile, `${JSON.stringify({ jobId, runId })}\n`);
    }
    report('running', null);
    const off = api.on('metric.batch', (b) => {
      if (b.runId !== runId) return;
      fs.appendFileSync(liveFile, b.points.map((p) => `${JSON.stringify({ key: p.key, step: p.step, value: p.value, time: p.time })}\n`).join(''));
    });
    try {
      // scancel and the time limit send SIGTERM: ask the trainer to stop (it writes a checkpoint first).
      const job = await followJob(api, async () => jobId, { signals: ['SIGTERM'] });
      if (job.state === 'completed') {
        const r = await api.call('runs.export', { id: runId, path: path.join(taskDir, 'bundle'), checkpoints: 'last' });
        report('completed', null, r.digest);
      } else {
        report(job.state === 'cancelled' ? 'cancelled' : 'failed', job.error ?? job.state);
        process.exitCode = 1;
      }
    } catch (err) {
      report('failed', err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      off();
    }
  });
}
