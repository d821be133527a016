// `ric cluster` against a REAL single-node Slurm (issue 19): munged, slurmctld and slurmd from
// Debian's packages, started by scripts/slurm-single-node.sh in a temporary folder (nothing under
// /etc is touched). A 2 variants × 2 seeds matrix of the tiny editor (`train-editor`, issue 15) on
// ShapesEdit goes out as ONE job array; while it runs, metric points stream back into the
// placeholder runs; one task is killed with `scancel` mid-run, resubmitted, and resumes from its
// checkpoint; every run comes back with its full metric curve, its checkpoint and its validation
// edits; collect twice imports nothing twice; the preview then costs the matrix from the collected
// runs' measured step times. A Region-CLIP matrix is submitted and cancelled (the kind is a
// parameter of the same path). Bad input — an unreachable login node, an unknown partition, a work
// folder nobody can write, a bundle from a newer schema — gets a clear error and leaves nothing behind.
// Needs root (slurmd/munged as root, as on CI) and the packages; without them the suite is skipped,
// unless RIC_REQUIRE_SLURM=1 (.ci/run sets it), where a missing package is a failure.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixPreview, Submission } from '../../../shared/api/index.js';
import { tempDir } from '../../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../../..');
const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const haveSlurm = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel'].every(have) && process.getuid?.() === 0;

it('has Slurm when CI requires it', () => {
  if (process.env['RIC_REQUIRE_SLURM'] === '1') expect(haveSlurm, 'RIC_REQUIRE_SLURM=1 but slurmctld/slurmd/slurm-client/munge are missing (or not root)').toBe(true);
});

describe.skipIf(!haveSlurm)('ric cluster on a real single-node Slurm', () => {
  const base = tempDir('ric-slurm-');
  const data = path.join(base, 'data');
  const work = path.join(base, 'work');
  const slurmDir = path.join(base, 'slurm');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: path.join(slurmDir, 'slurm.conf'), RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' };
  /** The built CLI, asynchronously (the suite's own event loop stays free). */
  const ric = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...args], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
  const json = async <T,>(args: string[]): Promise<T> => {
    const r = await ric([...args, '--json']);
    expect(r.status, `ric ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const sql = <T,>(query: string, ...args: unknown[]): T => {
    const db = new Database(path.join(data, 'ric.sqlite'), { readonly: true });
    try {
      return db.prepare(query).get(...args) as T;
    } finally {
      db.close();
    }
  };
  const profile = (name: string, extra: string[]) =>
    ric(['cluster', 'profile', 'add', name, '--partition', 'debug', '--time', '10', '--gpus', '0', '--cpus', '1', '--work-dir', work, '--ric', `${process.execPath} ${path.join(root, 'bin/ric.js')}`, ...extra]);

  // The tiny editor (pixel space, 32², trained from scratch: no pipeline folder, no Region-CLIP or
  // BLIP run to stage) at batch 2 for 24 steps, a checkpoint every 4 — seconds per run on one core.
  // The two variants are two learning rates of the `baseline` row (denoising only, Table 2): the
  // rows with the region and global terms need a trained Region-CLIP and BLIP staged to the
  // cluster, which would cost the suite two more trainings for no more of the cluster path.
  // Validation at each checkpoint: one edit in 2 DDIM steps (stored, so the bundle carries it).
  const STEPS = 24;
  const EDITOR = { ablation: 'baseline', steps: STEPS, batch_size: 2, warmup_steps: 0, checkpoint_every: 4, keep_checkpoints: 2, workers: 1, validation: { samples: 1, metric_samples: 0, loss_samples: 0, steps: 2 } };
  const matrixFile = path.join(base, 'matrix.json');
  // Region-CLIP: submitted and cancelled only. `ric cluster task` runs every kind the same way (the
  // kind is the queued job's); a second trained matrix would double the suite's time here.
  const regionClipFile = path.join(base, 'matrix-regionclip.json');

  beforeAll(async () => {
    const up = spawnSync(path.join(root, 'scripts/slurm-single-node.sh'), ['start', slurmDir], { encoding: 'utf8', env });
    expect(up.status, up.stderr).toBe(0);
    const imported = await ric(['import', 'shapes', '--count', '24', '--seed', '5', '--size', '64', '--name', 'shapes', '--no-progress']);
    expect(imported.status, imported.stderr).toBe(0);
    expect((await profile('local', [])).status).toBe(0);
    fs.writeFileSync(
      matrixFile,
      JSON.stringify({
        name: 'abl',
        kind: 'train-editor',
        dataset: 'shapes',
        preset: 'tiny',
        base: EDITOR,
        axes: [
          { key: 'lr', values: [2e-4, 1e-3], labels: ['lr2e-4', 'lr1e-3'] },
          { key: 'seed', values: [0, 1] },
        ],
      }),
    );
    fs.writeFileSync(
      regionClipFile,
      JSON.stringify({
        name: 'rc',
        kind: 'train-regionclip',
        dataset: 'shapes',
        preset: 'tiny',
        base: { batch_size: 8, micro_batch_size: 8 },
        axes: [
          { key: 'fusion.pooling', values: ['cls', 'mean'] },
          { key: 'seed', values: [0, 1] },
        ],
      }),
    );
  }, 120_000);

  afterAll(() => {
    // Our jobs end before the daemons stop (slurmd leaves running job steps behind when it stops).
    spawnSync('sh', ['-c', 'scancel -u root 2>/dev/null; for i in $(seq 1 30); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done'], { env });
    spawnSync(path.join(root, 'scripts/slurm-single-node.sh'), ['stop', slurmDir], { env });
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('runs a 2 × 2 editor matrix as one job array; a task killed with scancel resumes; all runs come back whole; collect twice imports nothing twice', async () => {
    const preview = await json<MatrixPreview>(['cluster', 'preview', matrixFile, '--profile', 'local']);
    // The steps as the editor trainer's own parser counts them; no editor run measured here yet.
    expect(preview.runs.map((r) => [r.name, r.steps, r.config['lr']])).toEqual([
      ['abl lr2e-4 seed=0', STEPS, 2e-4],
      ['abl lr2e-4 seed=1', STEPS, 2e-4],
      ['abl lr1e-3 seed=0', STEPS, 1e-3],
      ['abl lr1e-3 seed=1', STEPS, 1e-3],
    ]);
    expect(preview.gpuHours).toBeNull();
    const sub = await json<Submission>(['cluster', 'submit', matrixFile, '--profile', 'local']);
    expect(sub.tasks.map((t) => t.slurmJobId)).toEqual([0, 1, 2, 3].map((i) => `${sub.arrayJobId}_${i}`));
    expect(fs.existsSync(path.join(sub.workDir, 'stage', 'data', 'ric.sqlite'))).toBe(true);

    let victim: number | null = null;
    let resubmitted = false;
    let streamedWhileRunning = false;
    let last: Submission = sub;
    let lastStatus = 0;
    const taskDir = (i: number) => path.join(sub.workDir, 'tasks', String(i));
    /** Checkpoint folders a task's trainer has written so far (in its own data folder). */
    const checkpointsOf = (i: number) => {
      const runs = path.join(taskDir(i), 'data', 'runs');
      if (!fs.existsSync(runs)) return 0;
      return fs.readdirSync(runs).reduce((n, r) => n + fs.readdirSync(path.join(runs, r)).filter((f) => f.startsWith('checkpoint-')).length, 0);
    };
    const running = (i: number) => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(taskDir(i), 'state.json'), 'utf8')) as { state: string }).state === 'running';
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 420_000;
    while (Date.now() < deadline) {
      // Kill one task with scancel mid-run: once its second checkpoint folder exists (so the first
      // is recorded), well before its end (STEPS / 4 checkpoints in all).
      if (victim === null) {
        const i = [0, 1, 2, 3].find((k) => running(k) && checkpointsOf(k) >= 2);
        if (i !== undefined) {
          victim = i;
          expect(spawnSync('scancel', [`${sub.arrayJobId}_${i}`], { env }).status).toBe(0);
        }
      }
      // `ric cluster status` is a whole CLI start: every 4 s keeps the 2 cores for the tasks.
      if (Date.now() - lastStatus > 4000) {
        last = await json<Submission>(['cluster', 'status', String(sub.id)]);
        lastStatus = Date.now();
        for (const t of last.tasks) if (t.runState === 'running' && (t.lastStep ?? 0) > 0) streamedWhileRunning = true;
        const v = victim === null ? undefined : last.tasks[victim];
        if (v && !resubmitted && ['interrupted', 'failed', 'cancelled'].includes(v.runState)) {
          const again = await json<Submission>(['cluster', 'resubmit', String(sub.id), '--tasks', String(victim)]);
          expect(again.tasks[victim!]!.attempts).toBe(2);
          resubmitted = true;
        }
        if (last.tasks.every((t) => t.runState === 'completed') && (resubmitted || victim === null)) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(victim, `no task was caught mid-run to scancel: ${JSON.stringify(last.tasks)}`).not.toBeNull();
    expect(last.tasks.map((t) => t.runState), JSON.stringify(last.tasks)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(streamedWhileRunning).toBe(true);
    const state = JSON.parse(fs.readFileSync(path.join(sub.workDir, 'tasks', String(victim), 'state.json'), 'utf8')) as { resumedFrom: number | null };
    expect(state.resumedFrom).toBeGreaterThanOrEqual(4);

    const first = await json<{ imported: number; updated: number; unchanged: number; waiting: number }>(['cluster', 'collect', String(sub.id)]);
    expect(first).toMatchObject({ imported: 4, updated: 0, unchanged: 0, waiting: 0 });
    for (const t of last.tasks) {
      const run = sql<{ kind: string; status: string; origin: string; backend: string }>('SELECT kind, status, origin, backend FROM runs WHERE id = ?', t.runId);
      expect(run).toMatchObject({ kind: 'editor', status: 'completed', origin: 'cluster', backend: 'wasm' });
      // The full curve: one loss point for every step 1..STEPS, also for the task that resumed.
      const loss = sql<{ n: number; lo: number; hi: number }>("SELECT count(*) AS n, min(step) AS lo, max(step) AS hi FROM metric_points WHERE run_id = ? AND key = 'loss'", t.runId);
      expect(loss).toEqual({ n: STEPS, lo: 1, hi: STEPS });
      const cp = sql<{ path: string }>('SELECT path FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1', t.runId);
      expect(fs.existsSync(path.join(data, cp.path))).toBe(true);
      // The validation edit of every checkpoint (steps 4, 8, …, STEPS; the scancelled task may add
      // the one of the checkpoint it wrote as it stopped), each image in this store's blobs.
      const edits = sql<{ every4: number; missing: number }>(
        "SELECT count(DISTINCT CASE WHEN step % 4 = 0 THEN step END) AS every4, sum(blob_sha256 IS NULL OR blob_sha256 NOT IN (SELECT sha256 FROM blobs)) AS missing FROM run_samples WHERE run_id = ? AND kind = 'edit'",
        t.runId,
      );
      expect(edits).toEqual({ every4: STEPS / 4, missing: 0 });
    }
    const counts = () => sql<{ runs: number; points: number }>('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM metric_points) AS points');
    const before = counts();
    const second = await json<{ imported: number; updated: number; unchanged: number }>(['cluster', 'collect', String(sub.id)]);
    expect(second).toMatchObject({ imported: 0, updated: 0, unchanged: 4 });
    expect(counts()).toEqual(before);

    // The collected runs are measurements: the same matrix now has a cost, from their step times.
    const costed = await json<MatrixPreview>(['cluster', 'preview', matrixFile]);
    expect(costed.stepTimeSource).toMatch(/per sample of up to 4 editor run\(s\)/);
    expect(costed.secondsPerStep).toBeGreaterThan(0);
    expect(costed.gpuHours).toBeCloseTo((4 * STEPS * costed.secondsPerStep!) / 3600, 9);

    // A bundle of one of these runs from a newer schema: refused, nothing imported.
    const bundle = path.join(sub.workDir, 'tasks', '0', 'bundle');
    const newer = path.join(base, 'newer-bundle');
    fs.cpSync(bundle, newer, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(newer, 'bundle.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(newer, 'bundle.json'), JSON.stringify({ ...m, schemaVersion: 99, run: { ...(m['run'] as object), uid: 'f'.repeat(32) } }));
    const refused = await ric(['import', 'run', newer]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/bundle\.json: written by a newer RIC Studio .* store schema 99; this one knows schema versions up to \d+: upgrade RIC Studio/);
    expect(counts()).toEqual(before);
  }, 600_000);

  it('ric cluster cancel stops the whole array (a Region-CLIP matrix); its runs end cancelled or interrupted, ready to resubmit', async () => {
    const sub = await json<Submission>(['cluster', 'submit', regionClipFile, '--profile', 'local']);
    const cancelled = await json<Submission>(['cluster', 'cancel', String(sub.id)]);
    expect(cancelled.state).toBe('cancelled');
    let last = cancelled;
    for (let i = 0; i < 40 && last.tasks.some((t) => ['queued', 'running', 'paused'].includes(t.runState)); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await json<Submission>(['cluster', 'status', String(sub.id)]);
    }
    for (const t of last.tasks) expect(['cancelled', 'interrupted', 'failed'], JSON.stringify(t)).toContain(t.runState);
    expect(spawnSync('squeue', ['-h', '-n', `ric-${sub.id}-${sub.workDir.slice(-6)}`], { env, encoding: 'utf8' }).stdout.trim()).toBe('');
  }, 120_000);

  it('refuses an unreachable login node, an unknown partition and an unwritable work folder, leaving nothing behind', async () => {
    const before = sql<{ runs: number; subs: number }>('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM cluster_submissions) AS subs');
    expect((await profile('far', ['--ssh', '127.0.0.1', '--port', '1'])).status).toBe(0);
    const far = await ric(['cluster', 'submit', matrixFile, '--profile', 'far']);
    expect(far.status).not.toBe(0);
    expect(far.stderr).toMatch(/cannot reach the login node "127\.0\.0\.1" over ssh: .*(refused|port 1)/i);

    const nopart = await ric(['cluster', 'profile', 'add', 'nopart', '--partition', 'gpu-a100', '--time', '10', '--work-dir', work, '--ric', 'ric']);
    expect(nopart.status).toBe(0);
    const r2 = await ric(['cluster', 'submit', matrixFile, '--profile', 'nopart']);
    expect(r2.stderr).toMatch(/profile "nopart": partition gpu-a100 does not exist; the cluster has: debug/);

    // /proc refuses new folders even to root (a chmod would not stop root).
    const ro = await ric(['cluster', 'profile', 'add', 'ro', '--partition', 'debug', '--time', '10', '--work-dir', '/proc/ric-work', '--ric', 'ric']);
    expect(ro.status).toBe(0);
    const r3 = await ric(['cluster', 'submit', matrixFile, '--profile', 'ro']);
    expect(r3.stderr).toMatch(/cannot write to the work folder \/proc\/ric-work \(this machine\)/);

    const unknown = await ric(['cluster', 'submit', matrixFile, '--profile', 'nobody']);
    expect(unknown.stderr).toMatch(/no cluster profile "nobody"/);
    expect(sql('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM cluster_submissions) AS subs')).toEqual(before);
  }, 120_000);
});
