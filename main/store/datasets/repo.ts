// Datasets: one row per imported (or generated) dataset, its per-sample import problems, and facets.
import type { CaptionStatus, DatasetDetail, DatasetFormat, DatasetSummary, SampleError, Split } from '../../../shared/api/index.js';
import { releaseBlobs } from '../blobs/references.js';
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
                (SELECT count(*) FROM sample_errors e WHERE e.dataset_id = d.id AND e.stage = 'import') AS error_count,
                (SELECT count(*) FROM sample_errors e WHERE e.dataset_id = d.id AND e.stage = 'caption') AS caption_error_count,
                (SELECT j.state FROM jobs j WHERE j.kind = 'import' AND json_extract(j.params, '$.datasetId') = d.id ORDER BY j.id DESC LIMIT 1) AS import_state
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

  detail(id: number): Omit<DatasetDetail, 'lastImport'> | undefined {
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
    // The browser filters samples, not captions: a sample with a pending scene and a pending region
    // caption is one pending sample.
    const captionSampleCounts = zero();
    const sampleRows = this.db
      .prepare<[number], { status: CaptionStatus; count: number }>(
        `SELECT c.status, count(DISTINCT c.sample_id) AS count FROM captions c JOIN samples s ON s.id = c.sample_id
         WHERE s.dataset_id = ? AND c.version = (SELECT max(version) FROM captions c2 WHERE c2.sample_id = c.sample_id AND c2.kind = c.kind)
         GROUP BY c.status`,
      )
      .all(id);
    for (const r of sampleRows) captionSampleCounts[r.status] = r.count;
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
    return { ...base, editTypes, splits, captionCounts, captionSampleCounts, maskCount, sessionCount };
  }

  /** Per-sample problems, oldest first; of one stage ('import', 'caption', ...) when given. */
  errors(datasetId: number, limit: number, stage?: string): SampleError[] {
    return this.db
      .prepare<[number, string | null, string | null, number], SampleError>(
        `SELECT stage, sample_ref AS sampleRef, field, reason, created_at AS createdAt FROM sample_errors
         WHERE dataset_id = ? AND (? IS NULL OR stage = ?) ORDER BY id LIMIT ?`,
      )
      .all(datasetId, stage ?? null, stage ?? null, limit);
  }

  /** How many problems each stage reported ('import', 'caption', ...). */
  errorCounts(datasetId: number): Record<string, number> {
    const rows = this.db
      .prepare<[number], { stage: string; n: number }>('SELECT stage, count(*) AS n FROM sample_errors WHERE dataset_id = ? GROUP BY stage')
      .all(datasetId);
    return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
  }

  /** False when another dataset already has the name. */
  rename(id: number, name: string): boolean {
    const taken = this.db.prepare<[string, number], { id: number }>('SELECT id FROM datasets WHERE name = ? AND id <> ?').get(name, id);
    if (taken) return false;
    this.db.prepare('UPDATE datasets SET name = ?, updated_at = ? WHERE id = ?').run(name, new Date().toISOString(), id);
    return true;
  }

  /** Points a dataset that has no samples yet at another source (a retry of a failed import). */
  setSource(id: number, sourcePath: string): void {
    this.db.prepare('UPDATE datasets SET source_path = ?, updated_at = ? WHERE id = ?').run(sourcePath, new Date().toISOString(), id);
  }

  /**
   * Deletes a dataset in one transaction: its samples with their masks, captions and per-sample
   * errors (foreign-key cascades), and then every image and blob row that nothing else refers to —
   * a blob another dataset, a run's stored samples or an evaluation still uses stays. Runs trained
   * on it keep the dataset's name. The freed blobs' files are queued in blob_trash: the caller
   * removes them after this commits (BlobStore.emptyTrash). Undefined when there is no such dataset.
   */
  delete(id: number): { name: string; samples: number; freedBlobs: string[] } | undefined {
    return this.db.transaction(() => {
      const name = this.name(id);
      if (name === undefined) return undefined;
      const candidates: string[] = [];
      const add = (rows: { sha: string | null }[]) => {
        for (const r of rows) if (r.sha !== null) candidates.push(r.sha);
      };
      add(this.db.prepare<[number], { sha: string }>('SELECT source_sha256 AS sha FROM samples WHERE dataset_id = ?').all(id));
      add(this.db.prepare<[number], { sha: string | null }>('SELECT target_sha256 AS sha FROM samples WHERE dataset_id = ?').all(id));
      add(this.db.prepare<[number], { sha: string }>('SELECT m.png_sha256 AS sha FROM masks m JOIN samples s ON s.id = m.sample_id WHERE s.dataset_id = ?').all(id));
      add(this.db.prepare<[number], { sha: string | null }>('SELECT c.image_sha256 AS sha FROM captions c JOIN samples s ON s.id = c.sample_id WHERE s.dataset_id = ?').all(id));
      const samples = this.count(id);
      this.db.prepare('UPDATE runs SET deleted_dataset_name = ? WHERE dataset_id = ?').run(name, id);
      this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
      return { name, samples, freedBlobs: releaseBlobs(this.db, candidates) };
    })();
  }

  private count(id: number): number {
    return (this.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM samples WHERE dataset_id = ?').get(id) as { n: number }).n;
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
