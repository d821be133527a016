// Datasets: one row per imported (or generated) dataset, its per-sample import problems, and facets.
import type { CaptionStatus, DatasetDetail, DatasetFormat, DatasetSummary, SampleError, Split } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { toDatasetSummary, type DatasetSummaryRow } from './rows.js';

export interface NewSampleError {
  sampleRef: string;
  field: string | null;
  reason: string;
}

export class DatasetsRepo {
  constructor(private readonly db: Db) {}

  private summaries(where: string, params: unknown[]): DatasetSummary[] {
    return this.db
      .prepare<unknown[], DatasetSummaryRow>(
        `SELECT d.id, d.name, d.format, d.source_path, d.options, d.status, d.created_at,
                (SELECT count(*) FROM samples s WHERE s.dataset_id = d.id) AS sample_count,
                (SELECT count(*) FROM sample_errors e WHERE e.dataset_id = d.id) AS error_count
         FROM datasets d ${where} ORDER BY d.id DESC`,
      )
      .all(...params)
      .map(toDatasetSummary);
  }

  list(): DatasetSummary[] {
    return this.summaries('', []);
  }

  summary(id: number): DatasetSummary | undefined {
    return this.summaries('WHERE d.id = ?', [id])[0];
  }

  findByName(name: string): DatasetSummary | undefined {
    return this.summaries('WHERE d.name = ?', [name])[0];
  }

  /** A dataset's name without its counts (a summary counts its samples). */
  name(id: number): string | undefined {
    return this.db.prepare<[number], { name: string }>('SELECT name FROM datasets WHERE id = ?').get(id)?.name;
  }

  /** Name and status without counts: whether a dataset may feed a job (main/data/readiness.ts). */
  state(id: number): { name: string; status: DatasetSummary['status'] } | undefined {
    return this.db.prepare<[number], { name: string; status: DatasetSummary['status'] }>('SELECT name, status FROM datasets WHERE id = ?').get(id);
  }

  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM datasets WHERE id = ?').get(id) !== undefined;
  }

  /** Every dataset's name, oldest first (error messages list them). */
  names(): string[] {
    return this.db.prepare<[], { name: string }>('SELECT name FROM datasets ORDER BY id').all().map((r) => r.name);
  }

  create(input: { name: string; format: DatasetFormat; sourcePath: string | null; options: Record<string, unknown> }): number {
    const now = new Date().toISOString();
    const r = this.db
      .prepare('INSERT INTO datasets(name, format, source_path, options, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(input.name, input.format, input.sourcePath, JSON.stringify(input.options), 'importing', now, now);
    return Number(r.lastInsertRowid);
  }

  setStatus(id: number, status: DatasetSummary['status'], options?: Record<string, unknown>): void {
    const now = new Date().toISOString();
    if (options === undefined) this.db.prepare('UPDATE datasets SET status = ?, updated_at = ? WHERE id = ?').run(status, now, id);
    else this.db.prepare('UPDATE datasets SET status = ?, options = ?, updated_at = ? WHERE id = ?').run(status, JSON.stringify(options), now, id);
  }

  detail(id: number): DatasetDetail | undefined {
    const base = this.summary(id);
    if (base === undefined) return undefined;
    const editTypes = this.db
      .prepare<[number], { editType: string | null; count: number }>(
        'SELECT edit_type AS editType, count(*) AS count FROM samples WHERE dataset_id = ? GROUP BY edit_type ORDER BY count DESC',
      )
      .all(id)
      .map((r) => ({ editType: r.editType ?? '(none)', count: r.count }));
    const splits = this.db
      .prepare<[number], { split: Split; count: number }>('SELECT split, count(*) AS count FROM samples WHERE dataset_id = ? GROUP BY split ORDER BY split')
      .all(id);
    const zero = () => ({ pending: 0, approved: 0, rejected: 0 });
    const captionCounts: DatasetDetail['captionCounts'] = { scene: zero(), region: zero() };
    // Only the current (highest) version of each caption counts.
    const captionRows = this.db
      .prepare<[number], { kind: 'scene' | 'region'; status: CaptionStatus; count: number }>(
        `SELECT c.kind, c.status, count(*) AS count FROM captions c JOIN samples s ON s.id = c.sample_id
         WHERE s.dataset_id = ? AND c.version = (SELECT max(version) FROM captions c2 WHERE c2.sample_id = c.sample_id AND c2.kind = c.kind)
         GROUP BY c.kind, c.status`,
      )
      .all(id);
    for (const r of captionRows) captionCounts[r.kind][r.status] = r.count;
    const maskCount = (
      this.db
        .prepare<[number], { n: number }>('SELECT count(*) AS n FROM samples s WHERE s.dataset_id = ? AND EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id)')
        .get(id) as { n: number }
    ).n;
    const sessionCount = (
      this.db
        .prepare<[number], { n: number }>('SELECT count(DISTINCT session_id) AS n FROM samples WHERE dataset_id = ? AND session_id IS NOT NULL')
        .get(id) as { n: number }
    ).n;
    return { ...base, editTypes, splits, captionCounts, maskCount, sessionCount };
  }

  errors(datasetId: number, limit: number): SampleError[] {
    return this.db
      .prepare<[number, number], SampleError>(
        'SELECT stage, sample_ref AS sampleRef, field, reason, created_at AS createdAt FROM sample_errors WHERE dataset_id = ? ORDER BY id LIMIT ?',
      )
      .all(datasetId, limit);
  }

  /** Inside the batch's transaction (Store.transaction), errors and samples land together. */
  addErrors(datasetId: number, jobId: number | null, stage: string, errors: readonly NewSampleError[]): void {
    if (errors.length === 0) return;
    const insert = this.db.prepare(
      'INSERT INTO sample_errors(dataset_id, job_id, stage, sample_ref, field, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const now = new Date().toISOString();
    for (const e of errors) insert.run(datasetId, jobId, stage, e.sampleRef, e.field, e.reason, now);
  }

  /** A re-run re-examines every sample not yet imported, so the previous run's problems are replaced. */
  clearErrors(datasetId: number, stage: string): void {
    this.db.prepare('DELETE FROM sample_errors WHERE dataset_id = ? AND stage = ?').run(datasetId, stage);
  }
}
