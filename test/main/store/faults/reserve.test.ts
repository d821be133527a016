// Writes on a real full disk where SQLite cannot fit even a one-row commit: a write made through
// Store.critical (a job's end, a dataset leaving `importing`) still lands — the disk reserve is given
// back for it — and the reserve returns once there is room again; the metric writer's timed commit
// fails without an uncaught error and hands the fault to the job's next point.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, RESERVE_FILE, type Store } from '../../../../main/store/index.js';
import { sqlOf } from '../../../helpers/sql.js';
import { mountSupport, needsMount, SmallDisk } from './disk.js';

/** Fills the disk, then commits rows until SQLite has no room left even in its WAL. */
function exhaust(disk: SmallDisk, store: Store): void {
  disk.fill(0);
  let full = 0;
  for (let i = 0; i < 10_000 && full < 3; i++) {
    try {
      store.jobs.addLog(store.jobs.create({ kind: 'import', state: 'running', title: 'x'.repeat(2000), params: {} }), 'info', 'y'.repeat(2000), Date.now());
      full = 0;
    } catch (err) {
      expect(store.fault(err)?.kind).toBe('full');
      full++;
    }
  }
  expect(full).toBe(3);
}

describe.skipIf(!mountSupport().ok)(`writes on a full disk${needsMount()}`, () => {
  const disk = mountSupport().ok ? new SmallDisk(4 * 1024 * 1024) : null;
  afterAll(() => disk?.unmount());

  it('lets the record of a failure land when nothing else can, and comes back after space is freed', () => {
    const dataDir = path.join(disk!.dir, 'data');
    const store = openStore(dataDir);
    const reserve = path.join(dataDir, RESERVE_FILE);
    try {
      const id = store.datasets.create({ name: 'd', format: 'shapes', sourcePath: null, options: {} });
      exhaust(disk!, store);
      expect(() => store.datasets.setStatus(id, 'failed')).toThrow(/full/);
      expect(fs.existsSync(reserve)).toBe(true);

      store.critical(() => store.datasets.setStatus(id, 'failed'));
      expect(fs.existsSync(reserve)).toBe(false);
      expect(store.datasets.state(id)?.status).toBe('failed');
      // No room for it while the disk is full; back once space is freed.
      disk!.fill(0);
      expect(store.ensureReserve()).toBe(false);
      expect(fs.readdirSync(dataDir).filter((f) => f.startsWith(RESERVE_FILE))).toEqual([]);
      disk!.freeSpace();
      expect(store.ensureReserve()).toBe(true);
      expect(fs.statSync(reserve).size).toBe(1024 * 1024);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('the metric writer: a timed commit that fails is thrown by the next point, not into the event loop', async () => {
    const dataDir = path.join(disk!.dir, 'metrics');
    const store = openStore(dataDir);
    try {
      const runId = store.runs.create({ jobId: null, kind: 'regionclip', name: 'r', datasetId: null, config: {}, seed: 0, codeVersion: 'test' });
      const flushed: number[] = [];
      // Commits due every second, the timer looking every 500 ms: wide enough that `add` itself
      // never finds a commit due on a loaded machine (it did at 100 ms, and threw the fault itself).
      const writer = store.runs.metricWriter((_, points) => flushed.push(points.length), 1000);
      writer.add(runId, 'loss', 1, 0.5);
      expect(writer.flush()).toBe(1);
      exhaust(disk!, store);
      expect(writer.flush()).toBe(0); // nothing pending: only restarts the clock after the slow fill
      writer.add(runId, 'loss', 2, 0.4);
      // The timer tries to commit and fails; the next point carries the fault.
      await new Promise((r) => setTimeout(r, 3000));
      const err = (() => {
        try {
          writer.add(runId, 'loss', 3, 0.3);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(store.fault(err, 'job')?.message).toMatch(/^the disk holding .* is full .*; free space and resume the job$/);
      disk!.freeSpace();
      writer.add(runId, 'loss', 4, 0.2);
      expect(writer.flush()).toBe(1);
      writer.close();
      // Step 2 went with the failed commit (it came after the last checkpoint a resume starts from).
      expect(flushed).toEqual([1, 1]);
      const steps = sqlOf(store).prepare("SELECT step FROM metric_points WHERE run_id = ? AND key = 'loss' ORDER BY step").all(runId);
      expect(steps).toEqual([{ step: 1 }, { step: 4 }]);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });
});
