// Evaluations of result sets (migration 7; the model in shared/api/evals.ts): find or create one by
// its identity, record how it runs, store each sample's scores and features in one transaction
// (the resume marker), the aggregates, and the reads of the Compare view: per-sample scores, samples
// sorted by a score or by the difference of two evaluations, and each set's latest evaluation for
// a table.
import type { CompareSample, EvaluationDetail, EvaluationStatus, EvaluationSummary, ModelRecord, SampleScore, SampleScores, SampleSortSpec } from '../../../shared/api/evals.js';
import type { Split } from '../../../shared/api/datasets.js';
import { EVAL_METRICS, type EvalMetric } from '../../../shared/evals/metrics.js';
import type { Region } from '../../../shared/metrics/presets.js';
import type { Db } from '../database.js';
import { ftsQuery } from '../samples/fts.js';
import { EVALUATION_SELECT, featureBytes, featureOf, fromDbRegion, toDbRegion, toEvaluationDetail, toEvaluationSummary, type AggregateDbRow, type EvaluationRow } from './rows.js';

export interface NewEvaluation {
  resultSetId: number;
  datasetId: number;
  /** The result set's method label. */
  label: string;
  presetName: string;
  presetSha256: string;
  /** The preset with every value. */
  preset: Record<string, unknown>;
  against: 'source' | 'target' | null;
  split: Split | null;
  jobId: number | null;
}

export interface EvaluationRecord {
  models: ModelRecord[];
  rules: { metric: string; rule: string }[];
  warnings: string[];
  expected: number;
  missing: { sampleId: number; externalId: string; reason: string }[];
  backend: string;
  workers: number;
  codeVersion: string;
  fidRefKey: string | null;
}

export interface SampleFeatures {
  fidGenerated?: Float32Array | null;
  fidReference?: Float32Array | null;
  isLogits?: Float32Array | null;
}

export type NewSampleResult =
  | { sampleId: number; imageSha256: string; status: 'done'; scores: SampleScore[]; notes: string[]; seconds: number | null; features: SampleFeatures }
  | { sampleId: number; imageSha256: string; status: 'error'; error: string; notes?: string[]; seconds?: number | null };

/** What a stored sample gives back for aggregation after a resume. */
export interface StoredSample {
  sampleId: number;
  scores: SampleScore[];
  features: SampleFeatures;
}

export interface AggregateInput {
  metric: EvalMetric;
  region: Region;
  mean: number | null;
  std: number | null;
  n: number;
}

export class EvalsRepo {
  constructor(private readonly db: Db) {}

  private rows(where: string, params: unknown[]): EvaluationRow[] {
    return this.db.prepare<unknown[], EvaluationRow>(`${EVALUATION_SELECT} ${where}`).all(...params);
  }

  list(q: { datasetId?: number | undefined; resultSetId?: number | undefined } = {}): EvaluationSummary[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.datasetId !== undefined) (where.push('e.dataset_id = ?'), params.push(q.datasetId));
    if (q.resultSetId !== undefined) (where.push('e.result_set_id = ?'), params.push(q.resultSetId));
    return this.rows(`${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC`, params).map(toEvaluationSummary);
  }

  summary(id: number): EvaluationSummary | undefined {
    const row = this.rows('WHERE e.id = ?', [id])[0];
    return row ? toEvaluationSummary(row) : undefined;
  }

  get(id: number): EvaluationDetail | undefined {
    const row = this.rows('WHERE e.id = ?', [id])[0];
    if (!row) return undefined;
    // The paper's column order (shared/evals/metrics.ts), full image first (the table is WITHOUT ROWID: no insertion order).
    const order = (a: AggregateDbRow) => EVAL_METRICS.indexOf(a.metric) * 3 + ['all', 'inside', 'outside'].indexOf(a.region);
    const aggregates = this.db.prepare<[number], AggregateDbRow>('SELECT metric, region, value, std, n FROM evaluation_aggregates WHERE evaluation_id = ?').all(id).sort((a, b) => order(a) - order(b));
    const errors = this.db
      .prepare<[number], { sampleId: number; externalId: string; reason: string }>(
        `SELECT es.sample_id AS sampleId, s.external_id AS externalId, es.error AS reason FROM evaluation_samples es JOIN samples s ON s.id = es.sample_id
         WHERE es.evaluation_id = ? AND es.status = 'error' ORDER BY es.sample_id LIMIT 500`,
      )
      .all(id);
    return toEvaluationDetail(row, aggregates, errors);
  }

  /** The evaluation with this identity, or a new one (status 'queued'); `created` says which. */
  findOrCreate(e: NewEvaluation): { id: number; created: boolean } {
    return this.db.transaction(() => {
      const found = this.db
        .prepare<[number, string, string, string], { id: number }>(
          "SELECT id FROM evaluations WHERE result_set_id = ? AND preset_sha256 = ? AND coalesce(against, '') = ? AND coalesce(split, '') = ?",
        )
        .get(e.resultSetId, e.presetSha256, e.against ?? '', e.split ?? '');
      const now = new Date().toISOString();
      if (found) {
        this.db.prepare("UPDATE evaluations SET job_id = ?, status = 'queued', label = ?, updated_at = ? WHERE id = ?").run(e.jobId, e.label, now, found.id);
        return { id: found.id, created: false };
      }
      const r = this.db
        .prepare(
          `INSERT INTO evaluations(run_id, job_id, label, dataset_id, config, status, created_at, result_set_id, against, split, preset_name, preset_sha256, preset, updated_at)
           VALUES ((SELECT run_id FROM result_sets WHERE id = ?), ?, ?, ?, '{}', 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(e.resultSetId, e.jobId, e.label, e.datasetId, now, e.resultSetId, e.against, e.split, e.presetName, e.presetSha256, JSON.stringify(e.preset), now);
      return { id: Number(r.lastInsertRowid), created: true };
    })();
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare('UPDATE evaluations SET job_id = ?, updated_at = ? WHERE id = ?').run(jobId, new Date().toISOString(), id);
  }

  /** How this run of the evaluation is made: models, rules, warnings, scope, backend. */
  setRecord(id: number, r: EvaluationRecord): void {
    this.db
      .prepare(
        `UPDATE evaluations SET models = ?, rules = ?, warnings = ?, expected = ?, missing = ?, backend = ?, workers = ?, code_version = ?, fid_ref_key = ?, status = 'running', finished_at = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(JSON.stringify(r.models), JSON.stringify(r.rules), JSON.stringify(r.warnings), r.expected, JSON.stringify(r.missing), r.backend, r.workers, r.codeVersion, r.fidRefKey, new Date().toISOString(), id);
  }

  setStatus(id: number, status: EvaluationStatus): void {
    const now = new Date().toISOString();
    const finished = status === 'complete' || status === 'incomplete' || status === 'failed' ? now : null;
    this.db.prepare('UPDATE evaluations SET status = ?, finished_at = ?, updated_at = ? WHERE id = ?').run(status, finished, now, id);
  }

  /** Sample id → the result image it was scored on, for every sample scored without error. */
  doneSamples(id: number): Map<number, string> {
    const rows = this.db.prepare<[number], { sample_id: number; image_sha256: string }>("SELECT sample_id, image_sha256 FROM evaluation_samples WHERE evaluation_id = ? AND status = 'done'").all(id);
    return new Map(rows.map((r) => [r.sample_id, r.image_sha256]));
  }

  /** One sample's scores, notes and features land together or not at all (a killed job leaves whole samples). */
  putSample(id: number, s: NewSampleResult): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM evaluation_scores WHERE evaluation_id = ? AND sample_id = ?').run(id, s.sampleId);
      if (s.status === 'done') {
        const insert = this.db.prepare('INSERT INTO evaluation_scores(evaluation_id, sample_id, metric, region, value) VALUES (?, ?, ?, ?, ?)');
        for (const sc of s.scores) if (Number.isFinite(sc.value)) insert.run(id, s.sampleId, sc.metric, toDbRegion(sc.region), sc.value);
      }
      const f = s.status === 'done' ? s.features : {};
      this.db
        .prepare(
          `INSERT INTO evaluation_samples(evaluation_id, sample_id, image_sha256, status, error, notes, seconds, fid_generated, fid_reference, is_logits, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(evaluation_id, sample_id) DO UPDATE SET image_sha256 = excluded.image_sha256, status = excluded.status, error = excluded.error,
             notes = excluded.notes, seconds = excluded.seconds, fid_generated = excluded.fid_generated, fid_reference = excluded.fid_reference,
             is_logits = excluded.is_logits, created_at = excluded.created_at`,
        )
        .run(
          id,
          s.sampleId,
          s.imageSha256,
          s.status,
          s.status === 'error' ? s.error : null,
          JSON.stringify(s.notes ?? []),
          s.seconds ?? null,
          featureBytes(f.fidGenerated),
          featureBytes(f.fidReference),
          featureBytes(f.isLogits),
          now,
        );
      this.db.prepare('UPDATE evaluations SET updated_at = ? WHERE id = ?').run(now, id);
    })();
  }

  /** Drops the rows of samples no longer in scope (their result image is gone). */
  forgetSamples(id: number, keep: ReadonlySet<number>): number {
    const stored = this.db.prepare<[number], { sample_id: number }>('SELECT sample_id FROM evaluation_samples WHERE evaluation_id = ?').all(id);
    const gone = stored.map((r) => r.sample_id).filter((s) => !keep.has(s));
    this.db.transaction(() => {
      for (const s of gone) {
        this.db.prepare('DELETE FROM evaluation_scores WHERE evaluation_id = ? AND sample_id = ?').run(id, s);
        this.db.prepare('DELETE FROM evaluation_samples WHERE evaluation_id = ? AND sample_id = ?').run(id, s);
      }
    })();
    return gone.length;
  }

  /** Every sample scored without error: its scores and feature vectors (FID and IS are recomputed from them). */
  storedSamples(id: number): StoredSample[] {
    const scores = new Map<number, SampleScore[]>();
    for (const r of this.db.prepare<[number], { sample_id: number; metric: EvalMetric; region: string; value: number }>('SELECT sample_id, metric, region, value FROM evaluation_scores WHERE evaluation_id = ?').iterate(id)) {
      let list = scores.get(r.sample_id);
      if (!list) scores.set(r.sample_id, (list = []));
      list.push({ metric: r.metric, region: fromDbRegion(r.region), value: r.value });
    }
    return this.db
      .prepare<[number], { sample_id: number; fid_generated: Buffer | null; fid_reference: Buffer | null; is_logits: Buffer | null }>(
        "SELECT sample_id, fid_generated, fid_reference, is_logits FROM evaluation_samples WHERE evaluation_id = ? AND status = 'done' ORDER BY sample_id",
      )
      .all(id)
      .map((r) => ({ sampleId: r.sample_id, scores: scores.get(r.sample_id) ?? [], features: { fidGenerated: featureOf(r.fid_generated), fidReference: featureOf(r.fid_reference), isLogits: featureOf(r.is_logits) } }));
  }

  /** The FID reference features another evaluation with the same key stored for this sample, if any. */
  fidReference(fidRefKey: string, sampleId: number): Float32Array | null {
    const r = this.db
      .prepare<[string, number], { f: Buffer }>(
        'SELECT es.fid_reference AS f FROM evaluation_samples es JOIN evaluations e ON e.id = es.evaluation_id WHERE e.fid_ref_key = ? AND es.sample_id = ? AND es.fid_reference IS NOT NULL LIMIT 1',
      )
      .get(fidRefKey, sampleId);
    return featureOf(r?.f);
  }

  /** Replaces the aggregates (and the FID/IS details) in one transaction. */
  putAggregates(id: number, rows: readonly AggregateInput[], details: { fid: unknown; is: unknown }, warnings: readonly string[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM evaluation_aggregates WHERE evaluation_id = ?').run(id);
      const insert = this.db.prepare('INSERT INTO evaluation_aggregates(evaluation_id, metric, region, value, std, n) VALUES (?, ?, ?, ?, ?, ?)');
      // A metric no sample had a value for has no row (SQLite keeps no NaN): the table shows it as missing.
      for (const r of rows) if (r.mean !== null && Number.isFinite(r.mean)) insert.run(id, r.metric, toDbRegion(r.region), r.mean, r.std !== null && Number.isFinite(r.std) ? r.std : null, r.n);
      this.db.prepare('UPDATE evaluations SET aggregate = ?, warnings = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(details), JSON.stringify(warnings), new Date().toISOString(), id);
    })();
  }

  delete(id: number): { resultSetId: number } | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare<[number], { result_set_id: number }>('SELECT result_set_id FROM evaluations WHERE id = ?').get(id);
      if (!row) return undefined;
      this.db.prepare('DELETE FROM evaluations WHERE id = ?').run(id);
      return { resultSetId: row.result_set_id };
    })();
  }

  // ---- the Compare view ----

  /** Per-sample scores of some evaluations for some samples. */
  sampleScores(evaluationIds: readonly number[], sampleIds: readonly number[]): SampleScores[] {
    const e = evaluationIds.map(() => '?').join(',');
    const s = sampleIds.map(() => '?').join(',');
    const samples = this.db
      .prepare<unknown[], { evaluation_id: number; sample_id: number; status: 'done' | 'error'; notes: string; error: string | null }>(
        `SELECT evaluation_id, sample_id, status, notes, error FROM evaluation_samples WHERE evaluation_id IN (${e}) AND sample_id IN (${s}) ORDER BY evaluation_id, sample_id`,
      )
      .all(...evaluationIds, ...sampleIds);
    const scores = this.db
      .prepare<unknown[], { evaluation_id: number; sample_id: number; metric: EvalMetric; region: string; value: number }>(
        `SELECT evaluation_id, sample_id, metric, region, value FROM evaluation_scores WHERE evaluation_id IN (${e}) AND sample_id IN (${s})`,
      )
      .all(...evaluationIds, ...sampleIds);
    const byKey = new Map<string, SampleScore[]>();
    for (const r of scores) {
      const k = `${r.evaluation_id}:${r.sample_id}`;
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push({ metric: r.metric, region: fromDbRegion(r.region), value: r.value });
    }
    return samples.map((r) => {
      let notes: string[] = [];
      try {
        const v = JSON.parse(r.notes) as unknown;
        if (Array.isArray(v)) notes = v.filter((x): x is string => typeof x === 'string');
      } catch {
        // unreadable notes read as none
      }
      return { evaluationId: r.evaluation_id, sampleId: r.sample_id, status: r.status, scores: byKey.get(`${r.evaluation_id}:${r.sample_id}`) ?? [], notes, error: r.error };
    });
  }

  /** Samples of a dataset, filtered and sorted by a score or a difference of two evaluations' scores. */
  compareSamples(q: { datasetId: number; resultSetIds: readonly number[]; sort?: SampleSortSpec | undefined; editType?: string | undefined; search?: string | undefined; offset: number; limit: number }): { total: number; items: CompareSample[] } {
    const joins: string[] = [];
    const where: string[] = ['s.dataset_id = ?'];
    const params: unknown[] = [];
    let value = 'NULL';
    let a = 'NULL';
    let b = 'NULL';
    if (q.sort) {
      joins.push('JOIN evaluation_scores a ON a.sample_id = s.id AND a.evaluation_id = ? AND a.metric = ? AND a.region = ?');
      params.push(q.sort.evaluationId, q.sort.metric, toDbRegion(q.sort.region));
      a = 'a.value';
      value = 'a.value';
      if (q.sort.minus !== undefined) {
        joins.push('JOIN evaluation_scores b ON b.sample_id = s.id AND b.evaluation_id = ? AND b.metric = ? AND b.region = ?');
        params.push(q.sort.minus, q.sort.metric, toDbRegion(q.sort.region));
        b = 'b.value';
        value = '(a.value - b.value)';
      }
    }
    params.push(q.datasetId);
    if (q.resultSetIds.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM result_images ri WHERE ri.sample_id = s.id AND ri.status = 'done' AND ri.result_set_id IN (${q.resultSetIds.map(() => '?').join(',')}))`);
      params.push(...q.resultSetIds);
    }
    if (q.editType) (where.push('s.edit_type = ?'), params.push(q.editType));
    const match = q.search ? ftsQuery(q.search) : null;
    if (match) (where.push('s.id IN (SELECT rowid FROM sample_fts WHERE sample_fts MATCH ?)'), params.push(match));
    if (q.sort?.min !== undefined) (where.push(`${value} >= ?`), params.push(q.sort.min));
    if (q.sort?.max !== undefined) (where.push(`${value} <= ?`), params.push(q.sort.max));
    const from = `FROM samples s ${joins.join(' ')} WHERE ${where.join(' AND ')}`;
    const total = this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n ${from}`).get(...params)!.n;
    const order = q.sort ? `${value} ${q.sort.order === 'desc' ? 'DESC' : 'ASC'}, s.id` : 's.id';
    const items = this.db
      .prepare<unknown[], { sampleId: number; externalId: string; instruction: string; editType: string | null; value: number | null; a: number | null; b: number | null }>(
        `SELECT s.id AS sampleId, s.external_id AS externalId, s.instruction, s.edit_type AS editType, ${value} AS value, ${a} AS a, ${b} AS b ${from} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(...params, q.limit, q.offset);
    return { total, items };
  }

  /**
   * For a table: each result set's latest evaluation under the preset (by name or sha256) and
   * reference, complete ones first, with its aggregates.
   */
  latestFor(resultSetId: number, preset: string, against: 'source' | 'target' | null): { summary: EvaluationSummary; aggregates: AggregateInput[]; presetJson: Record<string, unknown> } | undefined {
    const row = this.rows(
      `WHERE e.result_set_id = ? AND (e.preset_name = ? OR e.preset_sha256 = ?) AND coalesce(e.against, '') = ?
       ORDER BY (e.status = 'complete') DESC, e.id DESC LIMIT 1`,
      [resultSetId, preset, preset, against ?? ''],
    )[0];
    if (!row) return undefined;
    const aggregates = this.db
      .prepare<[number], AggregateDbRow>('SELECT metric, region, value, std, n FROM evaluation_aggregates WHERE evaluation_id = ?')
      .all(row.id)
      .map((r) => ({ metric: r.metric, region: fromDbRegion(r.region), mean: Number.isFinite(r.value) ? r.value : null, std: r.std, n: r.n }));
    const detail = toEvaluationDetail(row, [], []);
    return { summary: toEvaluationSummary(row), aggregates, presetJson: detail.preset };
  }
}
