// A full disk under the data folder (a real tmpfs, filled with a file the "user" later deletes), for
// every writer: an import (blobs and SQLite on one disk; SQLite alone, with the blobs elsewhere),
// a caption job, a training job (metric writer and checkpoints), and main itself in `ric serve`.
// Each: the job ends `failed` with "the disk holding <data folder> is full (…); free space and
// resume the job", no stack anywhere, no job left running, no dataset left `importing`, no
// temporary file, SQLite's integrity check ok — and after freeing space, a re-run finishes the work.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startImport } from '../../../../main/data/import-runner.js';
import { trainingPreflight } from '../../../../main/jobs/preflight.js';
import { openStore } from '../../../../main/store/index.js';
import { alive, call, startServe } from '../../api/security/serve.js';
import { hasStack, inspect, integrity, mountSupport, needsMount, ric, SmallDisk, tempFiles, type CliResult } from './disk.js';

const MiB = 1024 * 1024;
/** Each case runs the CLI or the server several times as child processes (seconds each on a busy machine). */
const SLOW = 240_000;
/**
 * Imports: more than one of the importer's 32-sample batches, so the re-run after freeing space
 * commits several batches. The full disk is met in the first batch whatever the count (the images
 * of one batch exceed the room left), so a larger count only makes each case slower.
 */
const IMPORT_COUNT = 40;
const fullMessage = (dataDir: string, next = 'resume the job') =>
  new RegExp(`the disk holding ${dataDir} is full \\(\\d+(\\.\\d)? (bytes|KiB|MiB) free; [^\\n]*(ENOSPC|SQLITE_FULL|SQLITE_IOERR)[^\\n]*\\); free space and ${next}`);

let disk: SmallDisk | null = null;
afterEach(() => {
  disk?.unmount();
  disk = null;
});

function jobRows(dataDir: string) {
  return inspect(dataDir, (db) => db.prepare('SELECT id, kind, state, error, stack FROM jobs ORDER BY id').all() as { id: number; kind: string; state: string; error: string | null; stack: string | null }[]);
}

/** What every fault leaves: no stack printed or stored, nothing running, no temp file, an intact store. */
function leftClean(dataDir: string, printed: string): void {
  expect(hasStack(printed), printed).toBe(false);
  const jobs = jobRows(dataDir);
  expect(jobs.filter((j) => ['running', 'queued', 'paused'].includes(j.state))).toEqual([]);
  expect(jobs.filter((j) => j.stack !== null)).toEqual([]);
  expect(inspect(dataDir, (db) => db.prepare("SELECT name FROM datasets WHERE status = 'importing'").all())).toEqual([]);
  expect(tempFiles(dataDir)).toEqual([]);
  expect(integrity(dataDir)).toBe('ok');
}

const samples = (dataDir: string) =>
  inspect(dataDir, (db) => db.prepare('SELECT count(*) AS n, count(DISTINCT external_id) AS distinct_ids FROM samples').get() as { n: number; distinct_ids: number });

/** A ready dataset to caption or train on, imported in this process (the same runner as `ric import`). */
async function seedShapes(dataDir: string, count: number): Promise<void> {
  const store = openStore(dataDir);
  try {
    expect((await startImport(store, null, { format: 'shapes', count, seed: 1, size: 64, name: 'shapes' }).done).state).toBe('completed');
  } finally {
    store.close();
  }
}

/** The steps a training job takes: its stored parameters through the same pre-flight `ric train` runs. */
function trainingSteps(dataDir: string, jobId: number): number {
  const { params } = inspect(dataDir, (db) => db.prepare('SELECT params FROM jobs WHERE id = ?').get(jobId) as { params: string });
  const store = openStore(dataDir);
  try {
    const check = trainingPreflight(store, 'train-regionclip', JSON.parse(params) as Record<string, unknown>);
    expect(check.problems).toEqual([]);
    const batch = check.batchSize!;
    expect(check.trainPairs).toBeGreaterThanOrEqual(batch);
    return check.phases.reduce((sum, p) => sum + p.epochs, 0) * Math.floor(check.trainPairs / batch);
  } finally {
    store.close();
  }
}

function importShapes(dataDir: string, count: number): CliResult {
  return ric(dataDir, ['import', 'shapes', '--count', String(count), '--seed', '1', '--name', 'shapes', '--no-progress']);
}

describe.skipIf(!mountSupport().ok)(`a full disk${needsMount()}`, () => {
  it('an import whose images fill the disk: the job and the dataset end failed with the reason; after freeing space the same import finishes', () => {
    disk = new SmallDisk(16 * MiB);
    const dataDir = path.join(disk.dir, 'data');
    openStore(dataDir).close();
    disk.fill(400 * 1024);
    const r = importShapes(dataDir, IMPORT_COUNT);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(fullMessage(dataDir));
    const [job] = jobRows(dataDir);
    expect(job).toMatchObject({ kind: 'import', state: 'failed', stack: null });
    expect(job!.error).toMatch(fullMessage(dataDir));
    expect(inspect(dataDir, (db) => db.prepare('SELECT status FROM datasets').all())).toEqual([{ status: 'failed' }]);
    leftClean(dataDir, r.stdout + r.stderr);

    disk.freeSpace();
    const again = importShapes(dataDir, IMPORT_COUNT);
    expect(again.status, again.stderr).toBe(0);
    expect(samples(dataDir)).toEqual({ n: IMPORT_COUNT, distinct_ids: IMPORT_COUNT });
    expect(inspect(dataDir, (db) => db.prepare('SELECT status FROM datasets').all())).toEqual([{ status: 'ready' }]);
    leftClean(dataDir, again.stdout + again.stderr);
  }, SLOW);

  it('SQLite itself meets the full disk (the images go to another disk): the same, and the batch that did not commit is not counted', () => {
    disk = new SmallDisk(4 * MiB);
    const dataDir = path.join(disk.dir, 'data');
    disk.bindElsewhere(path.join(dataDir, 'blobs'));
    openStore(dataDir).close();
    disk.fill(150 * 1024);
    const r = importShapes(dataDir, IMPORT_COUNT);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(fullMessage(dataDir));
    expect(r.stdout + r.stderr).toMatch(/SQLITE_FULL|SQLITE_IOERR/);
    const imported = Number(/(\d+) imported/.exec(r.stdout)?.[1]);
    expect(samples(dataDir).n).toBe(imported);
    leftClean(dataDir, r.stdout + r.stderr);

    disk.freeSpace();
    disk.resize(32 * MiB);
    const again = importShapes(dataDir, IMPORT_COUNT);
    expect(again.status, again.stderr).toBe(0);
    expect(samples(dataDir)).toEqual({ n: IMPORT_COUNT, distinct_ids: IMPORT_COUNT });
    leftClean(dataDir, again.stdout + again.stderr);
  }, SLOW);

  it('a caption job fails as a whole (not sample by sample) and a re-run writes the rest', async () => {
    disk = new SmallDisk(16 * MiB);
    const dataDir = path.join(disk.dir, 'data');
    await seedShapes(dataDir, 24);
    disk.fill(300 * 1024);
    const r = ric(dataDir, ['caption', '--dataset', 'shapes', '--kind', 'scene', '--template']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(fullMessage(dataDir));
    const job = jobRows(dataDir).find((j) => j.kind === 'caption')!;
    expect(job).toMatchObject({ state: 'failed', stack: null });
    // The disk's fault is not written down as 24 samples' errors.
    expect(inspect(dataDir, (db) => db.prepare("SELECT count(*) AS n FROM sample_errors WHERE stage = 'caption'").get())).toEqual({ n: 0 });
    leftClean(dataDir, r.stdout + r.stderr);

    disk.freeSpace();
    const again = ric(dataDir, ['caption', '--dataset', 'shapes', '--kind', 'scene', '--template']);
    expect(again.status, again.stderr).toBe(0);
    expect(inspect(dataDir, (db) => db.prepare("SELECT count(DISTINCT sample_id) AS n FROM captions WHERE kind = 'scene'").get())).toEqual({ n: 24 });
    leftClean(dataDir, again.stdout + again.stderr);
  }, SLOW);

  it('a training job (metric points, checkpoints) fails with the reason, keeps no half-written checkpoint, and resumes to the end', async () => {
    disk = new SmallDisk(24 * MiB);
    const dataDir = path.join(disk.dir, 'data');
    await seedShapes(dataDir, 32);
    const config = path.join(disk.dir, 'train.json');
    fs.writeFileSync(config, JSON.stringify({ batch_size: 8, checkpoint_every_steps: 4, phases: [{ name: 'fusion', epochs: 2, lr: 3e-3 }] }));
    disk.fill(500 * 1024);
    const r = ric(dataDir, ['train', 'regionclip', '--dataset', 'shapes', '--preset', 'tiny', '--config', config]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(fullMessage(dataDir));
    const job = jobRows(dataDir).find((j) => j.kind === 'train-regionclip')!;
    expect(job).toMatchObject({ state: 'failed', stack: null });
    const recorded = () => inspect(dataDir, (db) => db.prepare('SELECT path FROM checkpoints').all() as { path: string }[]).map((c) => c.path).sort();
    const onDisk = () => fs.readdirSync(path.join(dataDir, 'runs', '1')).filter((f) => f.startsWith('checkpoint-')).map((f) => `runs/1/${f}`).sort();
    expect(onDisk()).toEqual(recorded());
    leftClean(dataDir, r.stdout + r.stderr);

    disk.freeSpace();
    const resumed = ric(dataDir, ['jobs', 'resume', String(job.id)]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(jobRows(dataDir).find((j) => j.id === job.id)).toMatchObject({ state: 'completed', error: null });
    // The curve reaches the end, each step once. The steps are the pre-flight's split in full batches
    // only (the trainers' drop_last): epochs × ⌊training pairs / batch_size⌋.
    const steps = trainingSteps(dataDir, job.id);
    expect(steps).toBeGreaterThan(4);
    expect(inspect(dataDir, (db) => db.prepare("SELECT count(*) AS n, max(step) AS last FROM metric_points WHERE key = 'loss'").get())).toEqual({ n: steps, last: steps });
    expect(onDisk()).toEqual(recorded());
    leftClean(dataDir, resumed.stdout + resumed.stderr);
  }, SLOW);

  it('ric serve outlives it: calls that write answer `unavailable` with the reason, an import through the Api fails plainly, and works once space is freed', async () => {
    disk = new SmallDisk(16 * MiB);
    const dataDir = path.join(disk.dir, 'data');
    fs.mkdirSync(dataDir);
    const s = await startServe([], { RIC_BACKEND: 'wasm' }, dataDir);
    try {
      const value = async (method: string, args: unknown) => JSON.parse((await call(s, method, args)).body) as { ok: boolean; value?: { jobId: number }; error?: { code: string; message: string } };
      const finished = async (id: number) => {
        for (let i = 0; i < 600; i++) {
          const j = JSON.parse((await call(s, 'jobs.get', { id })).body).value as { state: string; error: string | null };
          if (!['queued', 'running'].includes(j.state)) return j;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`job ${id} did not end`);
      };
      disk.fill(0);
      const write = await value('settings.update', { theme: 'light' });
      expect(write).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(fullMessage(dataDir, 'try again')) } });
      expect(await alive(s)).toBe(true);

      disk.freeSpace();
      disk.fill(300 * 1024);
      const started = await value('datasets.importShapes', { count: IMPORT_COUNT, name: 'shapes' });
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const failed = await finished(started.value!.jobId);
      expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(fullMessage(dataDir)) });
      expect(await alive(s)).toBe(true);

      disk.freeSpace();
      const again = await value('datasets.importShapes', { count: IMPORT_COUNT, name: 'shapes' });
      expect(await finished(again.value!.jobId)).toMatchObject({ state: 'completed' });
      expect((await value('settings.update', { theme: 'light' })).ok).toBe(true);
      expect(samples(dataDir)).toEqual({ n: IMPORT_COUNT, distinct_ids: IMPORT_COUNT });
      leftClean(dataDir, s.output());
    } finally {
      await s.stop();
    }
  }, SLOW);
});
