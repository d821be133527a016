// Result sets (migration 6; the model in shared/api/results.ts): create or find one by name, fill it
// image by image (each image row lands with its `images` row in one transaction, so a killed job
// leaves whole rows only), page through it, and the few reads of samples an edit job needs.
import type { ResultImage, ResultImageStatus, ResultOrigin, ResultSetDetail, ResultSetStatus, ResultSetSummary } from '../../../shared/api/results.js';
import type { Split } from '../../../shared/api/datasets.js';
import type { Db } from '../database.js';
import type { NewImage } from '../samples/rows.js';
import { RESULT_IMAGE_SELECT, RESULT_SET_SELECT, toResultImage, toResultSetDetail, toResultSetSummary, type ResultImageRow, type ResultSetRow } from './rows.js';

export interface NewResultSet {
  datasetId: number;
  name: string;
  method: string;
  origin: ResultOrigin;
  jobId: number | null;
  runId?: number | null;
  checkpointId?: number | null;
  modelFolder?: string | null;
  configSha256?: string | null;
  provenance: Record<string, unknown>;
  expected?: number | null;
  status?: ResultSetStatus;
}

export type NewResultImage =
  | { sampleId: number; status: 'done'; image: NewImage; size: number; seconds: number | null; seed: number | null; sourceFile?: string | null; params?: Record<string, unknown>; jobId: number | null }
  | { sampleId: number; status: 'error'; error: string; seconds?: number | null; seed?: number | null; sourceFile?: string | null; params?: Record<string, unknown>; jobId: number | null };

/** What an edit job needs of a sample: its source image, size and instruction. */
export interface EditTarget {
  id: number;
  datasetId: number;
  externalId: string;
  instruction: string;
  sourceSha256: string;
  width: number;
  height: number;
}

const TARGET_COLUMNS = 's.id, s.dataset_id AS datasetId, s.external_id AS externalId, s.instruction, s.source_sha256 AS sourceSha256, s.width, s.height';

export class ResultsRepo {
  constructor(private readonly db: Db) {}

  private select(where: string, params: unknown[]): ResultSetRow[] {
    return this.db.prepare<unknown[], ResultSetRow>(`${RESULT_SET_SELECT} ${where}`).all(...params);
  }

  /** A dataset's result sets, newest first. */
  list(datasetId: number): ResultSetSummary[] {
    return this.select('WHERE r.dataset_id = ? ORDER BY r.id DESC', [datasetId]).map(toResultSetSummary);
  }

  get(id: number): ResultSetDetail | undefined {
    const row = this.select('WHERE r.id = ?', [id])[0];
    return row ? toResultSetDetail(row) : undefined;
  }

  findByName(datasetId: number, name: string): ResultSetDetail | undefined {
    const row = this.select('WHERE r.dataset_id = ? AND r.name = ?', [datasetId, name])[0];
    return row ? toResultSetDetail(row) : undefined;
  }

  /** The set a job fills (the latest, if it filled several). */
  byJob(jobId: number): ResultSetDetail | undefined {
    const row = this.select('WHERE r.job_id = ? ORDER BY r.id DESC LIMIT 1', [jobId])[0];
    return row ? toResultSetDetail(row) : undefined;
  }

  /** Creates a set; a name already used in the dataset throws SQLite's UNIQUE constraint error. */
  create(s: NewResultSet): number {
    const now = new Date().toISOString();
    const r = this.db
      .prepare(
        `INSERT INTO result_sets(dataset_id, name, method, origin, status, job_id, run_id, checkpoint_id, model_folder, config_sha256, provenance, expected, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.datasetId, s.name, s.method, s.origin, s.status ?? 'running', s.jobId, s.runId ?? null, s.checkpointId ?? null, s.modelFolder ?? null, s.configSha256 ?? null, JSON.stringify(s.provenance), s.expected ?? null, now, now);
    return Number(r.lastInsertRowid);
  }

  /** A job takes the set over (a re-run that finishes it): its job, status and expected count. */
  attachJob(id: number, jobId: number | null, status: ResultSetStatus, expected?: number | null): void {
    const now = new Date().toISOString();
    if (expected === undefined) this.db.prepare('UPDATE result_sets SET job_id = ?, status = ?, updated_at = ? WHERE id = ?').run(jobId, status, now, id);
    else this.db.prepare('UPDATE result_sets SET job_id = ?, status = ?, expected = ?, updated_at = ? WHERE id = ?').run(jobId, status, expected, now, id);
  }

  setStatus(id: number, status: ResultSetStatus): void {
    this.db.prepare('UPDATE result_sets SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date().toISOString(), id);
  }

  setProvenance(id: number, provenance: Record<string, unknown>): void {
    this.db.prepare('UPDATE result_sets SET provenance = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(provenance), new Date().toISOString(), id);
  }

  /**
   * Adds (or replaces) one sample's image row, with its `images` row, in one transaction. The image's
   * blobs (file and thumbnail) must already be durable.
   */
  putImage(resultSetId: number, img: NewResultImage): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      if (img.status === 'done') {
        const i = img.image;
        this.db.prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, ?, ?, ?, ?, ?)').run(i.sha256, i.width, i.height, i.channels, i.format, i.thumbSha256);
      }
      this.db
        .prepare(
          `INSERT INTO result_images(result_set_id, sample_id, status, image_sha256, size, seconds, seed, error, source_file, params, job_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(result_set_id, sample_id) DO UPDATE SET status = excluded.status, image_sha256 = excluded.image_sha256,
             size = excluded.size, seconds = excluded.seconds, seed = excluded.seed, error = excluded.error,
             source_file = excluded.source_file, params = excluded.params, job_id = excluded.job_id, created_at = excluded.created_at`,
        )
        .run(
          resultSetId,
          img.sampleId,
          img.status,
          img.status === 'done' ? img.image.sha256 : null,
          img.status === 'done' ? img.size : null,
          img.seconds ?? null,
          img.seed ?? null,
          img.status === 'error' ? img.error : null,
          img.sourceFile ?? null,
          JSON.stringify(img.params ?? {}),
          img.jobId,
          now,
        );
      this.db.prepare('UPDATE result_sets SET updated_at = ? WHERE id = ?').run(now, resultSetId);
    })();
  }

  /** An `images` row for an edited image not yet in a set (the Edit view's outputs, until kept). */
  recordImage(i: NewImage): void {
    this.db.prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, ?, ?, ?, ?, ?)').run(i.sha256, i.width, i.height, i.channels, i.format, i.thumbSha256);
  }

  /** The stored facts of an image (width, height, thumbnail), if its row and blob row exist. */
  imageRow(sha256: string): NewImage | undefined {
    return this.db
      .prepare<[string], NewImage>('SELECT i.sha256, i.width, i.height, i.channels, i.format, i.thumb_sha256 AS thumbSha256 FROM images i JOIN blobs b ON b.sha256 = i.sha256 WHERE i.sha256 = ?')
      .get(sha256);
  }

  image(resultSetId: number, sampleId: number): ResultImage | undefined {
    const row = this.db.prepare<[number, number], ResultImageRow>(`${RESULT_IMAGE_SELECT} WHERE i.result_set_id = ? AND i.sample_id = ?`).get(resultSetId, sampleId);
    return row ? toResultImage(row) : undefined;
  }

  /** A page of a set's image rows in sample order, with the filtered total. */
  images(resultSetId: number, q: { status?: ResultImageStatus | undefined; offset: number; limit: number }): { total: number; items: ResultImage[] } {
    const where = q.status ? 'WHERE i.result_set_id = ? AND i.status = ?' : 'WHERE i.result_set_id = ?';
    const params: unknown[] = q.status ? [resultSetId, q.status] : [resultSetId];
    const total = this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM result_images i ${where}`).get(...params)!.n;
    const items = this.db
      .prepare<unknown[], ResultImageRow>(`${RESULT_IMAGE_SELECT} ${where} ORDER BY i.sample_id LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset)
      .map(toResultImage);
    return { total, items };
  }

  /** Sample ids with a finished image (a re-run skips them). */
  doneSampleIds(resultSetId: number): Set<number> {
    return new Set(
      this.db
        .prepare<[number], { sample_id: number }>("SELECT sample_id FROM result_images WHERE result_set_id = ? AND status = 'done'")
        .all(resultSetId)
        .map((r) => r.sample_id),
    );
  }

  /** Every set's row for one sample, the set's summary with it. */
  forSample(sampleId: number): { resultSet: ResultSetSummary; image: ResultImage }[] {
    const rows = this.db.prepare<[number], ResultImageRow>(`${RESULT_IMAGE_SELECT} WHERE i.sample_id = ? ORDER BY i.result_set_id DESC`).all(sampleId);
    return rows.flatMap((r) => {
      const set = this.select('WHERE r.id = ?', [r.result_set_id])[0];
      return set ? [{ resultSet: toResultSetSummary(set), image: toResultImage(r) }] : [];
    });
  }

  /**
   * Deletes a set and its image rows. Returns what it held and the blob hashes its images used
   * (image and thumbnail), for a blob collection that counts every reference (issue 17).
   */
  delete(id: number): { name: string; datasetId: number; images: number; blobCandidates: string[] } | undefined {
    return this.db.transaction(() => {
      const set = this.db.prepare<[number], { name: string; dataset_id: number }>('SELECT name, dataset_id FROM result_sets WHERE id = ?').get(id);
      if (!set) return undefined;
      const blobs = this.db
        .prepare<[number], { sha256: string; thumb: string | null }>(
          'SELECT i.image_sha256 AS sha256, im.thumb_sha256 AS thumb FROM result_images i JOIN images im ON im.sha256 = i.image_sha256 WHERE i.result_set_id = ?',
        )
        .all(id);
      const images = this.db.prepare('DELETE FROM result_images WHERE result_set_id = ?').run(id).changes;
      this.db.prepare('DELETE FROM result_sets WHERE id = ?').run(id);
      const blobCandidates = [...new Set(blobs.flatMap((b) => (b.thumb ? [b.sha256, b.thumb] : [b.sha256])))];
      return { name: set.name, datasetId: set.dataset_id, images, blobCandidates };
    })();
  }

  // ---- the samples an edit job reads ----

  /** A dataset's samples to edit, in id order (a split, the first `limit`). */
  editTargets(datasetId: number, opts: { split?: Split | null | undefined; limit?: number | null | undefined } = {}): EditTarget[] {
    const where = opts.split ? 'WHERE s.dataset_id = ? AND s.split = ?' : 'WHERE s.dataset_id = ?';
    const params: unknown[] = opts.split ? [datasetId, opts.split] : [datasetId];
    // LIMIT -1: no limit.
    return this.db.prepare<unknown[], EditTarget>(`SELECT ${TARGET_COLUMNS} FROM samples s ${where} ORDER BY s.id LIMIT ?`).all(...params, opts.limit ?? -1);
  }

  editTarget(sampleId: number): EditTarget | undefined {
    return this.db.prepare<[number], EditTarget>(`SELECT ${TARGET_COLUMNS} FROM samples s WHERE s.id = ?`).get(sampleId);
  }
}
