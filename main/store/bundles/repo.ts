// Run bundles (issue 19) as the store sees them: a run's rows read out for export, a bundle's rows
// written in ONE transaction on import (the run, its metric points with their rollups and
// latest_metrics, checkpoints, samples), matched by the run's uid so that the same bundle twice
// changes nothing. Also the dataset snapshot a cluster submission stages: a copy of the store that
// holds one dataset and nothing private (no settings, jobs, runs, caches).
import Database from 'better-sqlite3';
import type { BundleRun } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { rebuildRunSummaries, type MetricPoint } from '../runs/metric-writer.js';
import {
  BUNDLE_RUN_SELECT,
  toBundleRun,
  toCheckpointRecord,
  toSampleRecord,
  type BundleCheckpointRecord,
  type BundleRunRow,
  type BundleSampleRecord,
  type CheckpointExportRow,
  type SampleExportRow,
} from './rows.js';
import { evaluationSampleLines, evaluationsOf, imagesOf, importResults, resultImageLines, resultSetsOf, type ResultsImport, type ResultsImported } from './results.js';

export type { BundleCheckpointRecord, BundleSampleRecord } from './rows.js';
export { BundleRowsError, type ResultsImport, type ResultsImported, type ResultSetRecord, type EvaluationRecordOut } from './results.js';

export interface RunExport {
  runId: number;
  run: BundleRun;
  checkpoints: BundleCheckpointRecord[];
  samples: BundleSampleRecord[];
}

export interface RunImport {
  run: BundleRun;
  /** sha256 of the bundle's manifest (with a suffix when its results were left out): the same again is a no-op. */
  digest: string;
  points: readonly MetricPoint[];
  /** Paths already relative to this store's data folder (the files are in place). */
  checkpoints: readonly BundleCheckpointRecord[];
  samples: readonly BundleSampleRecord[];
  /** Format 2: result sets and evaluations, written in the same transaction (their blobs are in place). */
  results?: ResultsImport | undefined;
}

export type ImportOutcome = 'imported' | 'updated' | 'unchanged' | 'local';

export class ImportConflictError extends Error {
  override name = 'ImportConflictError';
}

export class BundlesRepo {
  constructor(private readonly db: Db) {}

  /** The run's rows for a bundle, or undefined when there is no such run. */
  exportRun(runId: number): RunExport | undefined {
    const row = this.db.prepare<[number], BundleRunRow>(`${BUNDLE_RUN_SELECT} WHERE r.id = ?`).get(runId);
    if (!row) return undefined;
    const checkpoints = this.db
      .prepare<[number], CheckpointExportRow>('SELECT step, path, size, sha256, validation_score, metrics, created_at FROM checkpoints WHERE run_id = ? ORDER BY step')
      .all(runId)
      .map(toCheckpointRecord);
    const samples = this.db
      .prepare<[number], SampleExportRow>('SELECT step, kind, payload, blob_sha256 FROM run_samples WHERE run_id = ? ORDER BY step, id')
      .all(runId)
      .map(toSampleRecord);
    return { runId, run: toBundleRun(row), checkpoints, samples };
  }

  /** Format 2: the result sets made with the run or its checkpoints, their rows, images and evaluations. */
  resultSets(runId: number) {
    return resultSetsOf(this.db, runId);
  }

  resultImageLines(setId: number) {
    return resultImageLines(this.db, setId);
  }

  images(setIds: readonly number[]) {
    return imagesOf(this.db, setIds);
  }

  evaluations(setIds: readonly number[]) {
    return evaluationsOf(this.db, setIds);
  }

  evaluationSampleLines(evaluationId: number) {
    return evaluationSampleLines(this.db, evaluationId);
  }

  /** Every metric point of a run, by key then step, without holding them all in memory. */
  *points(runId: number): IterableIterator<MetricPoint> {
    yield* this.db.prepare<[number], MetricPoint>('SELECT key, step, value, time FROM metric_points WHERE run_id = ? ORDER BY key, step').iterate(runId);
  }

  /** What an import of a bundle with this uid and digest would do, without writing anything. */
  plan(uid: string, digest: string): { runId: number | null; outcome: ImportOutcome } {
    const row = this.db.prepare<[string], { id: number; origin: string; bundle_digest: string | null }>('SELECT id, origin, bundle_digest FROM runs WHERE uid = ?').get(uid);
    if (!row) return { runId: null, outcome: 'imported' };
    if (row.origin === 'local') return { runId: row.id, outcome: 'local' };
    if (row.bundle_digest === digest) return { runId: row.id, outcome: 'unchanged' };
    return { runId: row.id, outcome: 'updated' };
  }

  /**
   * Writes a bundle's rows in one transaction. A run made in this store (origin 'local') is never
   * overwritten; a run imported before, or a cluster task's placeholder, is replaced whole by the
   * newer bundle (its local dataset link and job stay).
   */
  importRun(b: RunImport): { runId: number; outcome: ImportOutcome } & ResultsImported {
    return this.db.transaction(() => {
      const planned = this.plan(b.run.uid, b.digest);
      if (planned.outcome === 'local' || planned.outcome === 'unchanged') return { runId: planned.runId!, outcome: planned.outcome, resultSets: 0, evaluations: 0, renamed: [] };
      const r = b.run;
      let runId: number;
      if (planned.runId === null) {
        const dataset = r.datasetName === null ? undefined : this.db.prepare<[string], { id: number }>('SELECT id FROM datasets WHERE name = ?').get(r.datasetName);
        runId = Number(
          this.db
            .prepare(
              `INSERT INTO runs(uid, origin, bundle_digest, kind, name, dataset_id, config, seed, backend, code_version, status, best_metric_key, best_metric_value, created_at, started_at, finished_at)
               VALUES (?, 'bundle', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(r.uid, b.digest, r.kind, r.name, dataset?.id ?? null, JSON.stringify(r.config), r.seed, r.backend, r.codeVersion, r.status, r.bestMetricKey, r.bestMetricValue, r.createdAt, r.startedAt, r.finishedAt)
            .lastInsertRowid,
        );
      } else {
        runId = planned.runId;
        this.db
          .prepare(
            `UPDATE runs SET bundle_digest = ?, kind = ?, name = ?, config = ?, seed = ?, backend = ?, code_version = ?, status = ?, best_metric_key = ?, best_metric_value = ?,
             created_at = ?, started_at = ?, finished_at = ? WHERE id = ?`,
          )
          .run(b.digest, r.kind, r.name, JSON.stringify(r.config), r.seed, r.backend, r.codeVersion, r.status, r.bestMetricKey, r.bestMetricValue, r.createdAt, r.startedAt, r.finishedAt, runId);
        for (const table of ['metric_points', 'latest_metrics', 'metric_rollups', 'checkpoints', 'run_samples']) {
          this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
        }
      }
      const point = this.db.prepare('INSERT OR REPLACE INTO metric_points(run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)');
      for (const p of b.points) point.run(runId, p.key, p.step, p.time, p.value);
      rebuildRunSummaries(this.db, runId, -1);
      const checkpoint = this.db.prepare('INSERT OR REPLACE INTO checkpoints(run_id, step, path, size, sha256, validation_score, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const c of b.checkpoints) checkpoint.run(runId, c.step, c.path, c.size, c.sha256, c.validationScore, JSON.stringify(c.metrics), c.createdAt);
      const sample = this.db.prepare('INSERT INTO run_samples(run_id, step, kind, payload, blob_sha256) VALUES (?, ?, ?, ?, ?)');
      for (const s of b.samples) sample.run(runId, s.step, s.kind, JSON.stringify(s.payload), s.blobSha256);
      const results = b.results ? importResults(this.db, runId, r.uid, b.results) : { resultSets: 0, evaluations: 0, renamed: [] };
      return { runId, outcome: planned.outcome, ...results };
    })();
  }

  /**
   * Writes `file` as a copy of this store that holds dataset `datasetId` only — its samples,
   * images, masks and captions — and none of the settings (API keys), jobs, runs, caches or other
   * datasets. Returns the blobs the copy refers to (the caller copies their files).
   */
  snapshotDataset(datasetId: number, file: string): string[] {
    this.db.prepare('VACUUM INTO ?').run(file);
    const snap = new Database(file);
    try {
      snap.pragma('foreign_keys = ON');
      snap.transaction(() => {
        for (const sql of [
          'DELETE FROM settings',
          'DELETE FROM cluster_submissions',
          'DELETE FROM runs',
          'DELETE FROM jobs',
          'DELETE FROM evaluations',
          'DELETE FROM comparisons',
          'DELETE FROM caption_cache',
          'DELETE FROM models',
        ]) {
          snap.prepare(sql).run();
        }
        snap.prepare('DELETE FROM datasets WHERE id <> ?').run(datasetId);
        snap.prepare('DELETE FROM images WHERE sha256 NOT IN (SELECT source_sha256 FROM samples UNION SELECT target_sha256 FROM samples WHERE target_sha256 IS NOT NULL)').run();
        snap
          .prepare(
            `DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM images UNION SELECT thumb_sha256 FROM images WHERE thumb_sha256 IS NOT NULL
             UNION SELECT png_sha256 FROM masks)`,
          )
          .run();
      })();
      snap.exec('VACUUM');
      return snap.prepare<[], { sha256: string }>('SELECT sha256 FROM blobs ORDER BY sha256').all().map((r) => r.sha256);
    } finally {
      snap.close();
    }
  }
}
