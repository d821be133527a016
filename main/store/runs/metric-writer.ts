// Batched metric writes: points are buffered and committed in ONE transaction at least every second
// (on a timer, and on `add` when the event loop was busy with a long training step), together with
// latest_metrics and the min/max rollups the decimated series reads (migration 4). A process killed
// at any instant loses at most the points of the last unflushed second; SQLite WAL keeps the file
// intact. Used by the engine host, which owns the writes of its own runs (main/jobs/host/main.ts),
// through RunsRepo.metricWriter.
import type { Db } from '../database.js';

/** One point of a metric series (MLflow's narrow metric row, less the run). */
export interface MetricPoint {
  key: string;
  step: number;
  value: number;
  time: number;
}

/** Rollup levels: block = 8^level steps. */
export const ROLLUP_LEVELS = [1, 2, 3, 4] as const;
export const ROLLUP_BASE = 8;
const MAX_PENDING = 50_000;

export type FlushListener = (runId: number, points: MetricPoint[]) => void;

interface Extremes {
  minValue: number;
  minStep: number;
  maxValue: number;
  maxStep: number;
  n: number;
}

export class MetricWriter {
  private pending = new Map<number, MetricPoint[]>();
  private pendingCount = 0;
  private lastFlush = Date.now();
  private failure: unknown = null;
  private readonly timer: NodeJS.Timeout;
  private readonly insertPoint;
  private readonly upsertLatest;
  private readonly upsertRollup;
  private readonly commit;

  constructor(
    private readonly db: Db,
    private readonly onFlushed: FlushListener = () => undefined,
    private readonly intervalMs = 1000,
  ) {
    this.insertPoint = db.prepare('INSERT OR REPLACE INTO metric_points(run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)');
    this.upsertLatest = db.prepare(
      `INSERT INTO latest_metrics(run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, time = excluded.time, value = excluded.value
       WHERE excluded.step >= latest_metrics.step`,
    );
    // All right-hand sides read the old row, so min_step/max_step follow their value correctly.
    this.upsertRollup = db.prepare(
      `INSERT INTO metric_rollups(run_id, key, level, block, min_value, min_step, max_value, max_step, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id, key, level, block) DO UPDATE SET
         min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
         min_value = min(min_value, excluded.min_value),
         max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
         max_value = max(max_value, excluded.max_value),
         n = n + excluded.n`,
    );
    this.commit = db.transaction((batches: Map<number, MetricPoint[]>) => {
      for (const [runId, points] of batches) this.writeRun(runId, points);
    });
    this.timer = setInterval(() => {
      // A commit that fails on the timer (a full disk) must not end the process with an uncaught
      // error: it is kept and thrown by the next `add`, so the job that writes fails with it.
      try {
        this.flushIfDue();
      } catch (err) {
        this.failure ??= err;
      }
    }, Math.max(50, Math.floor(intervalMs / 2)));
    this.timer.unref();
  }

  add(runId: number, key: string, step: number, value: number, time = Date.now()): void {
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    if (!Number.isFinite(value)) {
      // NaN/Inf cannot be stored as REAL NOT NULL in a meaningful way; keep the step visible as a gap.
      return;
    }
    let list = this.pending.get(runId);
    if (!list) this.pending.set(runId, (list = []));
    list.push({ key, step: Math.trunc(step), value, time });
    this.pendingCount++;
    if (this.pendingCount >= MAX_PENDING) this.flush();
    else this.flushIfDue();
  }

  /**
   * Commits everything buffered in one transaction; returns the number of points written. When the
   * commit fails (nothing of it lands) the points are dropped and the error thrown: they all come
   * after the run's last checkpoint (onCheckpoint flushes first), which is where a resume restarts.
   */
  flush(): number {
    this.lastFlush = Date.now();
    if (this.pendingCount === 0) return 0;
    const batches = this.pending;
    const count = this.pendingCount;
    this.pending = new Map();
    this.pendingCount = 0;
    this.commit(batches);
    for (const [runId, points] of batches) this.onFlushed(runId, points);
    return count;
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private flushIfDue(): void {
    if (Date.now() - this.lastFlush >= this.intervalMs) this.flush();
  }

  private writeRun(runId: number, points: MetricPoint[]): void {
    const latest = new Map<string, MetricPoint>();
    const rollups = new Map<string, Map<number, Extremes>[]>();
    for (const p of points) {
      this.insertPoint.run(runId, p.key, p.step, p.time, p.value);
      const last = latest.get(p.key);
      if (!last || p.step >= last.step) latest.set(p.key, p);
      let levels = rollups.get(p.key);
      if (!levels) rollups.set(p.key, (levels = ROLLUP_LEVELS.map(() => new Map<number, Extremes>())));
      for (let i = 0; i < ROLLUP_LEVELS.length; i++) {
        const block = Math.floor(p.step / ROLLUP_BASE ** ROLLUP_LEVELS[i]!);
        const blocks = levels[i]!;
        const e = blocks.get(block);
        if (!e) blocks.set(block, { minValue: p.value, minStep: p.step, maxValue: p.value, maxStep: p.step, n: 1 });
        else {
          if (p.value < e.minValue) (e.minValue = p.value), (e.minStep = p.step);
          if (p.value > e.maxValue) (e.maxValue = p.value), (e.maxStep = p.step);
          e.n++;
        }
      }
    }
    for (const [key, p] of latest) this.upsertLatest.run(runId, key, p.step, p.time, p.value);
    for (const [key, levels] of rollups) {
      for (let i = 0; i < ROLLUP_LEVELS.length; i++) {
        for (const [block, e] of levels[i]!) {
          this.upsertRollup.run(runId, key, ROLLUP_LEVELS[i]!, block, e.minValue, e.minStep, e.maxValue, e.maxStep, e.n);
        }
      }
    }
  }
}

/**
 * Forgets a run's points after `step` (resume from a checkpoint rewinds the curve there): points,
 * the samples stored after it,
 * the rollup blocks that reach past it (rebuilt from the points that stay) and latest_metrics.
 */
export function truncateRunMetrics(db: Db, runId: number, step: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM metric_points WHERE run_id = ? AND step > ?').run(runId, step);
    db.prepare('DELETE FROM run_samples WHERE run_id = ? AND step > ?').run(runId, step);
    rebuildRunSummaries(db, runId, step);
  })();
}

/**
 * Rebuilds the rollup blocks that reach past `step` and latest_metrics from a run's stored points
 * (after a truncation, or after a bundle's points were inserted: step -1 rebuilds every block).
 */
export function rebuildRunSummaries(db: Db, runId: number, step: number): void {
  db.transaction(() => {
    for (const level of ROLLUP_LEVELS) {
      const size = ROLLUP_BASE ** level;
      const firstDirty = Math.floor(step / size);
      db.prepare('DELETE FROM metric_rollups WHERE run_id = ? AND level = ? AND block >= ?').run(runId, level, firstDirty);
      db.prepare(
        `INSERT INTO metric_rollups(run_id, key, level, block, min_value, min_step, max_value, max_step, n)
         SELECT run_id, key, CAST(? AS INTEGER), step / CAST(? AS INTEGER), value, step, value, step, 1 FROM metric_points
         WHERE run_id = ? AND step >= ? ORDER BY key, step
         ON CONFLICT(run_id, key, level, block) DO UPDATE SET
           min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
           min_value = min(min_value, excluded.min_value),
           max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
           max_value = max(max_value, excluded.max_value),
           n = n + 1`,
      ).run(level, size, runId, firstDirty * size);
    }
    db.prepare('DELETE FROM latest_metrics WHERE run_id = ?').run(runId);
    db.prepare(
      `INSERT INTO latest_metrics(run_id, key, step, time, value)
       SELECT run_id, key, step, time, value FROM metric_points p WHERE run_id = ?
       AND step = (SELECT max(step) FROM metric_points q WHERE q.run_id = p.run_id AND q.key = p.key)`,
    ).run(runId);
  })();
}
