// Training runs (migration 2) with everything a run owns: metric points with latest_metrics and
// the min/max rollups (migration 4), checkpoints, and the samples stored during training. Read by
// the Training view (summaries, one run, decimated series, samples); written by the queue (status)
// and the engine host (config, best score, metrics, checkpoints, samples).
import type { Checkpoint, JobState, RunDetail, RunSample, RunSummary } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { randomBytes } from 'node:crypto';
import { parseJson, parseObject } from '../json.js';
import { MetricWriter, truncateRunMetrics, type FlushListener, type MetricPoint } from './metric-writer.js';
import { RUN_SELECT, toCheckpoint, toRunSummary, type CheckpointRow, type RunRow } from './rows.js';
import { SeriesReader, type DecimatedSeries } from './series.js';

export interface RunFilter {
  status?: JobState[] | undefined;
  kind?: string | undefined;
  datasetId?: number | undefined;
  text?: string | undefined;
  sort: 'created' | 'duration' | 'best' | 'name' | 'step';
  order: 'asc' | 'desc';
  limit: number;
}

export interface NewRun {
  jobId: number | null;
  kind: string;
  name: string;
  datasetId: number | null;
  config: Record<string, unknown>;
  seed: number;
  codeVersion: string;
  /** The run's identity across stores (32 hex digits); a new one when not given. */
  uid?: string | undefined;
  /** 'local' (a job of this store, the default) or 'cluster' (a task of a cluster submission). */
  origin?: 'local' | 'cluster';
}

export interface NewCheckpoint {
  step: number;
  /** Relative to the data folder. */
  path: string;
  size: number;
  validationScore: number | null;
  metrics: Record<string, number>;
}

/** A stored output of a training step (retrieval examples, edited images) for the step slider. */
export interface NewRunSample {
  kind: string;
  payload: unknown;
  blobSha256: string | null;
}

/** A fresh run identity: 128 random bits as 32 hex digits (what migration 9 gave existing runs). */
export function newRunUid(): string {
  return randomBytes(16).toString('hex');
}

export const RUN_UID_RE = /^[0-9a-f]{32}$/;

export class RunsRepo {
  private seriesReader: SeriesReader | undefined;

  constructor(private readonly db: Db) {}

  /** A run for a queued training job: backend 'pending' until the engine host starts it. */
  create(run: NewRun): number {
    return Number(
      this.db
        .prepare("INSERT INTO runs(job_id, kind, name, dataset_id, config, seed, backend, code_version, status, created_at, uid, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)")
        .run(
          run.jobId,
          run.kind,
          run.name,
          run.datasetId,
          JSON.stringify(run.config),
          run.seed,
          run.origin === 'cluster' ? 'slurm' : 'pending',
          run.codeVersion,
          new Date().toISOString(),
          run.uid ?? newRunUid(),
          run.origin ?? 'local',
        ).lastInsertRowid,
    );
  }

  /** The run's identity across stores (migration 9). */
  uid(id: number): string | undefined {
    return this.db.prepare<[number], { uid: string }>('SELECT uid FROM runs WHERE id = ?').get(id)?.uid;
  }

  byUid(uid: string): number | undefined {
    return this.db.prepare<[string], { id: number }>('SELECT id FROM runs WHERE uid = ?').get(uid)?.id;
  }

  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }

  /**
   * The run follows its job's state. `started` is recorded only on the first start (a resumed
   * run keeps its start); `finishedAt` null clears the end of a run queued again.
   */
  setStatus(id: number, status: JobState, at: { started?: string; finishedAt?: string | null } = {}): void {
    const sets = ['status = ?'];
    const args: unknown[] = [status];
    if (at.started !== undefined) sets.push('started_at = coalesce(started_at, ?)'), args.push(at.started);
    if (at.finishedAt !== undefined) sets.push('finished_at = ?'), args.push(at.finishedAt);
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  /** What the engine host ran it with: the backend and the full parsed config (what rebuilds the trainer). */
  setEngine(id: number, backend: string, config: object): void {
    this.db.prepare('UPDATE runs SET backend = ?, config = ? WHERE id = ?').run(backend, JSON.stringify(config), id);
  }

  /** Keeps the best validation score (higher is better) under its metric key. */
  recordBest(id: number, key: string, value: number): void {
    this.db
      .prepare('UPDATE runs SET best_metric_key = ?, best_metric_value = ? WHERE id = ? AND (best_metric_value IS NULL OR best_metric_value < ?)')
      .run(key, value, id, value);
  }

  // ---- checkpoints ----

  /** Records a checkpoint (one per step: a later write of the same step replaces it). */
  addCheckpoint(runId: number, c: NewCheckpoint): void {
    this.db
      .prepare('INSERT OR REPLACE INTO checkpoints(run_id, step, path, size, validation_score, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(runId, c.step, c.path, c.size, c.validationScore, JSON.stringify(c.metrics), new Date().toISOString());
  }

  checkpoints(runId: number): Checkpoint[] {
    return this.db
      .prepare<[number], CheckpointRow>('SELECT id, step, path, size, validation_score, metrics, created_at FROM checkpoints WHERE run_id = ? ORDER BY step')
      .all(runId)
      .map(toCheckpoint);
  }

  /** A run's checkpoint by id, or its latest when no id is given. */
  checkpoint(runId: number, checkpointId?: number): Checkpoint | undefined {
    const row = this.db
      .prepare<[number, number | null, number | null], CheckpointRow>(
        'SELECT id, step, path, size, validation_score, metrics, created_at FROM checkpoints WHERE run_id = ? AND (? IS NULL OR id = ?) ORDER BY step DESC LIMIT 1',
      )
      .get(runId, checkpointId ?? null, checkpointId ?? null);
    return row ? toCheckpoint(row) : undefined;
  }

  /**
   * The checkpoint whose folder is `relPath` (relative to the data folder) or holds it: a result set
   * edited with a model folder inside a run's checkpoint is that run's (bundles carry it, issue 19).
   * The newest such checkpoint when folders nest.
   */
  checkpointOfFolder(relPath: string): { runId: number; checkpointId: number } | undefined {
    return this.db
      .prepare<[string, string], { runId: number; checkpointId: number }>(
        "SELECT run_id AS runId, id AS checkpointId FROM checkpoints WHERE path = ? OR substr(?, 1, length(path) + 1) = path || '/' ORDER BY length(path) DESC, id DESC LIMIT 1",
      )
      .get(relPath, relPath);
  }

  deleteCheckpoint(id: number): void {
    this.db.prepare('DELETE FROM checkpoints WHERE id = ?').run(id);
  }

  // ---- samples stored during training ----

  /** One transaction: the samples of a step replace what was stored for it. */
  replaceSamples(runId: number, step: number, samples: readonly NewRunSample[]): void {
    const insert = this.db.prepare('INSERT INTO run_samples(run_id, step, kind, payload, blob_sha256) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM run_samples WHERE run_id = ? AND step = ?').run(runId, step);
      for (const s of samples) insert.run(runId, step, s.kind, JSON.stringify(s.payload), s.blobSha256);
    })();
  }

  // ---- metrics ----

  /**
   * A batched writer of metric points (metric-writer.ts): buffered, committed with latest_metrics
   * and the rollups in one transaction at least every `intervalMs`.
   */
  metricWriter(onFlushed?: FlushListener, intervalMs?: number): MetricWriter {
    return new MetricWriter(this.db, onFlushed, intervalMs);
  }

  /** A metric series decimated to at most 2 × width points (series.ts), optionally of a step range. */
  series(runId: number, key: string, width: number, fromStep?: number, toStep?: number): DecimatedSeries {
    this.seriesReader ??= new SeriesReader(this.db);
    return this.seriesReader.series(runId, key, width, fromStep, toStep);
  }

  /** Every stored point of a metric, by step (MLflow's metric history). */
  metricHistory(runId: number, key: string): MetricPoint[] {
    return this.db.prepare<[number, string], MetricPoint>('SELECT key, step, value, time FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step').all(runId, key);
  }

  /** A metric's points after a step, by step (a watcher catching up with another process's writes). */
  pointsAfter(runId: number, key: string, afterStep: number): MetricPoint[] {
    return this.db
      .prepare<[number, string, number], MetricPoint>('SELECT key, step, value, time FROM metric_points WHERE run_id = ? AND key = ? AND step > ? ORDER BY step')
      .all(runId, key, afterStep);
  }

  /** The latest point of every metric of a run. */
  latestMetrics(runId: number): MetricPoint[] {
    return this.db.prepare<[number], MetricPoint>('SELECT key, step, value, time FROM latest_metrics WHERE run_id = ? ORDER BY key').all(runId);
  }

  /** Forgets the points and samples after `step` (resume from a checkpoint rewinds the curve there). */
  truncateAfter(runId: number, step: number): void {
    truncateRunMetrics(this.db, runId, step);
  }

  list(f: RunFilter): RunSummary[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.status && f.status.length > 0) {
      where.push(`r.status IN (${f.status.map(() => '?').join(',')})`);
      args.push(...f.status);
    }
    if (f.kind) where.push('r.kind = ?'), args.push(f.kind);
    if (f.datasetId !== undefined) where.push('r.dataset_id = ?'), args.push(f.datasetId);
    if (f.text) where.push("(r.name LIKE ? ESCAPE '\\' OR r.config LIKE ? ESCAPE '\\')"), args.push(`%${f.text.replace(/[%_\\]/g, '\\$&')}%`, `%${f.text.replace(/[%_\\]/g, '\\$&')}%`);
    const rows = this.db.prepare<(string | number)[], RunRow>(`${RUN_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC`).all(...args);
    const runs = rows.map(toRunSummary);
    const dir = f.order === 'asc' ? 1 : -1;
    const value = (r: RunSummary): number | string => {
      switch (f.sort) {
        case 'duration':
          return r.durationSeconds ?? -1;
        case 'best':
          return r.bestValidationScore ?? -Infinity;
        case 'name':
          return r.name.toLowerCase();
        case 'step':
          return r.lastStep ?? -1;
        default:
          return r.id;
      }
    };
    runs.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || b.id - a.id;
    });
    return runs.slice(0, f.limit);
  }

  get(id: number): RunDetail | undefined {
    const r = this.db.prepare<[number], RunRow>(`${RUN_SELECT} WHERE r.id = ?`).get(id);
    if (!r) return undefined;
    const checkpoints = this.checkpoints(id);
    const latest = this.latestMetrics(id);
    return { ...toRunSummary(r), config: parseObject(r.config), codeVersion: r.code_version, parentRunId: r.parent_run_id, checkpoints, latest };
  }

  /** The steps with stored samples (of `kind` only, when given) and the samples of `step` or the nearest before it. */
  samples(runId: number, step?: number, kind?: string): { steps: number[]; step: number | null; samples: RunSample[] } {
    const k = kind ?? null;
    const steps = this.db
      .prepare<[number, string | null, string | null], { step: number }>('SELECT DISTINCT step FROM run_samples WHERE run_id = ? AND (? IS NULL OR kind = ?) ORDER BY step')
      .all(runId, k, k)
      .map((r) => r.step);
    let chosen: number | null = null;
    for (const s of steps) if (step === undefined || s <= step) chosen = s;
    if (chosen === null && steps.length > 0 && step !== undefined) chosen = steps[0]!;
    const samples =
      chosen === null
        ? []
        : this.db
            .prepare<[number, number, string | null, string | null], { id: number; step: number; kind: string; payload: string; blob_sha256: string | null }>(
              'SELECT id, step, kind, payload, blob_sha256 FROM run_samples WHERE run_id = ? AND step = ? AND (? IS NULL OR kind = ?) ORDER BY id',
            )
            .all(runId, chosen, k, k)
            .map((s) => ({ id: s.id, step: s.step, kind: s.kind, payload: parseJson(s.payload, null), blobSha256: s.blob_sha256 }));
    return { steps, step: chosen, samples };
  }
}
