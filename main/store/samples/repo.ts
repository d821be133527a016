// Samples with their images and masks: batched inserts for importers, one sample's detail, and
// the reads of the caption jobs and the trainers. The browser's queries are in browse.ts.
import type { Caption, ImageRef, MaskSummary, SampleDetail, SampleSummary, Split } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { toMaskSummary, type MaskRow } from '../masks/rows.js';
import { SampleBrowser, type SampleQuery } from './browse.js';
import { toImageRef, toSampleRecord, type ImageRow, type NewImage, type NewSample, type SampleRecord, type SampleRow, type TrainingSample, type EditorTrainingSample } from './rows.js';

function prepareInserts(db: Db) {
  return {
    exists: db.prepare<[number, string], { id: number }>('SELECT id FROM samples WHERE dataset_id = ? AND external_id = ?'),
    image: db.prepare(
      'INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    sample: db.prepare(
      `INSERT INTO samples(dataset_id, external_id, session_id, turn_index, split, edit_type, instruction, region_description,
         scene_description, input_caption, output_caption, source_sha256, target_sha256, width, height, meta, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(dataset_id, external_id) DO NOTHING`,
    ),
    mask: db.prepare(
      `INSERT INTO masks(sample_id, version, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, created_at)
       VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

export class SamplesRepo {
  // Prepared on first use: a store opened at an older schema version (upgrade tests) has no samples table.
  private prepared: ReturnType<typeof prepareInserts> | undefined;

  private readonly browser: SampleBrowser;

  constructor(private readonly db: Db) {
    this.browser = new SampleBrowser(db);
  }

  private get stmts(): ReturnType<typeof prepareInserts> {
    this.prepared ??= prepareInserts(this.db);
    return this.prepared;
  }

  /** Whether the dataset already holds a sample with this source id (re-runs skip those). */
  has(datasetId: number, externalId: string): boolean {
    return this.stmts.exists.get(datasetId, externalId) !== undefined;
  }

  count(datasetId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM samples WHERE dataset_id = ?').get(datasetId) as { n: number }).n;
  }

  /**
   * Inserts samples (their blobs must already be durable) in one transaction (or the caller's, see
   * Store.transaction). Returns how many were new; one whose external id is already present is left
   * as it was.
   */
  insertMany(datasetId: number, samples: readonly NewSample[]): number {
    return this.db.transaction(() => this.insertRows(datasetId, samples))();
  }

  private insertRows(datasetId: number, samples: readonly NewSample[]): number {
    const now = new Date().toISOString();
    let inserted = 0;
    const putImage = (img: NewImage) =>
      this.stmts.image.run(img.sha256, img.width, img.height, img.channels, img.format, img.thumbSha256);
    for (const s of samples) {
      putImage(s.source);
      if (s.target) putImage(s.target);
      const r = this.stmts.sample.run(
        datasetId, s.externalId, s.sessionId, s.turnIndex, s.split, s.editType, s.instruction, s.regionDescription,
        s.sceneDescription, s.inputCaption, s.outputCaption, s.source.sha256, s.target?.sha256 ?? null,
        s.source.width, s.source.height, JSON.stringify(s.meta), now,
      );
      if (r.changes === 0) continue;
      inserted++;
      const m = s.mask;
      if (m) {
        this.stmts.mask.run(
          Number(r.lastInsertRowid), m.pngSha256, m.width, m.height, m.area,
          m.box?.x ?? null, m.box?.y ?? null, m.box?.width ?? null, m.box?.height ?? null, m.source, m.author, now,
        );
      }
    }
    return inserted;
  }

  /** A window of the browser's filtered, searched, sorted list, with the filtered total. */
  query(q: SampleQuery): { total: number; items: SampleSummary[] } {
    return this.browser.query(q);
  }

  get(id: number): SampleDetail | undefined {
    const s = this.db
      .prepare<[number], Record<string, unknown>>(
        `SELECT s.*, si.width AS s_w, si.height AS s_h, si.thumb_sha256 AS s_thumb,
                ti.width AS t_w, ti.height AS t_h, ti.thumb_sha256 AS t_thumb
         FROM samples s JOIN images si ON si.sha256 = s.source_sha256 LEFT JOIN images ti ON ti.sha256 = s.target_sha256
         WHERE s.id = ?`,
      )
      .get(id);
    if (s === undefined) return undefined;
    const str = (k: string) => (s[k] as string | null) ?? null;
    const maskRow = this.db.prepare<[number], MaskRow>('SELECT * FROM masks WHERE sample_id = ? ORDER BY version DESC LIMIT 1').get(id);
    const mask: MaskSummary | null = maskRow ? toMaskSummary(maskRow) : null;
    const captions = this.db
      .prepare<[number], Caption>(
        `SELECT id, kind, version, text, source, status, model, created_at AS createdAt FROM captions
         WHERE sample_id = ? ORDER BY kind, version DESC`,
      )
      .all(id);
    const sessionId = str('session_id');
    const session = (
      sessionId === null
        ? [{ id, turn_index: s.turn_index as number | null, t_thumb: str('t_thumb'), instruction: s.instruction as string }]
        : this.db
            .prepare<[number, string], { id: number; turn_index: number | null; t_thumb: string | null; instruction: string }>(
              `SELECT s.id, s.turn_index, (SELECT thumb_sha256 FROM images WHERE sha256 = s.target_sha256) AS t_thumb, s.instruction
               FROM samples s WHERE s.dataset_id = ? AND s.session_id = ? ORDER BY s.turn_index, s.id`,
            )
            .all(s.dataset_id as number, sessionId)
    ).map((r) => ({ id: r.id, turnIndex: r.turn_index, targetThumbSha256: r.t_thumb, instruction: r.instruction }));
    let meta: Record<string, unknown> = {};
    try {
      meta = JSON.parse(s.meta as string) as Record<string, unknown>;
    } catch {
      // A hand-edited row: show the sample without its extra fields.
    }
    return {
      id,
      datasetId: s.dataset_id as number,
      externalId: s.external_id as string,
      split: s.split as Split,
      editType: str('edit_type'),
      sessionId,
      turnIndex: (s.turn_index as number | null) ?? null,
      instruction: s.instruction as string,
      regionDescription: str('region_description'),
      sceneDescription: str('scene_description'),
      inputCaption: str('input_caption'),
      outputCaption: str('output_caption'),
      source: { sha256: s.source_sha256 as string, width: s.s_w as number, height: s.s_h as number, thumbSha256: str('s_thumb') },
      target:
        s.target_sha256 === null
          ? null
          : { sha256: s.target_sha256 as string, width: s.t_w as number, height: s.t_h as number, thumbSha256: str('t_thumb') },
      mask,
      captions,
      flagged: s.flagged === 1,
      meta,
      session,
    };
  }

  setFlag(id: number, flagged: boolean): boolean {
    return this.db.prepare('UPDATE samples SET flagged = ? WHERE id = ?').run(flagged ? 1 : 0, id).changes > 0;
  }

  /** The dataset a sample belongs to, or undefined when there is no such sample. */
  datasetOf(id: number): number | undefined {
    return this.db.prepare<[number], { dataset_id: number }>('SELECT dataset_id FROM samples WHERE id = ?').get(id)?.dataset_id;
  }

  /** Decoded facts about a stored image (size, thumbnail), or null when it has no row. */
  image(sha256: string): ImageRef | null {
    const row = this.db.prepare<[string], ImageRow>('SELECT sha256, width, height, thumb_sha256 FROM images WHERE sha256 = ?').get(sha256);
    return row ? toImageRef(row) : null;
  }

  record(id: number): SampleRecord | undefined {
    const row = this.db.prepare<[number], SampleRow>('SELECT * FROM samples WHERE id = ?').get(id);
    return row ? toSampleRecord(row) : undefined;
  }

  /** A dataset's first sample (what a check of the dataset's kind reads), or undefined when it has none. */
  first(datasetId: number): SampleRecord | undefined {
    const row = this.db.prepare<[number], SampleRow>('SELECT * FROM samples WHERE dataset_id = ? ORDER BY id LIMIT 1').get(datasetId);
    return row ? toSampleRecord(row) : undefined;
  }

  /** A dataset's samples in id order, optionally of one split and one edit type. */
  records(datasetId: number, only: { split?: Split | undefined; editType?: string | undefined } = {}): SampleRecord[] {
    return this.db
      .prepare<[number, string | null, string | null, string | null, string | null], SampleRow>(
        'SELECT * FROM samples WHERE dataset_id = ? AND (? IS NULL OR split = ?) AND (? IS NULL OR edit_type = ?) ORDER BY id',
      )
      .all(datasetId, only.split ?? null, only.split ?? null, only.editType ?? null, only.editType ?? null)
      .map(toSampleRecord);
  }

  /** The train and val samples of a dataset as a trainer reads them (rows.ts, TrainingSample). */
  trainingSamples(datasetId: number): TrainingSample[] {
    return this.db
      .prepare<[number], { id: number; external_id: string; split: Split; image: string; box_x: number | null; box_y: number | null; box_w: number | null; box_h: number | null }>(
        `SELECT s.id, s.external_id, s.split, coalesce(s.target_sha256, s.source_sha256) AS image, m.box_x, m.box_y, m.box_w, m.box_h
         FROM samples s LEFT JOIN masks m ON m.id = (SELECT id FROM masks WHERE sample_id = s.id ORDER BY version DESC LIMIT 1)
         WHERE s.dataset_id = ? AND s.split != 'test' ORDER BY s.id`,
      )
      .all(datasetId)
      .map((r) => ({
        id: r.id,
        externalId: r.external_id,
        split: r.split,
        imageSha256: r.image,
        box: r.box_x === null || r.box_y === null || r.box_w === null || r.box_h === null ? null : { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h },
      }));
  }

  /** The editor's training rows (train and val splits): source, target, instruction and the current mask's PNG. */
  editorTrainingSamples(datasetId: number): EditorTrainingSample[] {
    return this.db
      .prepare<[number], { id: number; external_id: string; split: Split; source_sha256: string; target_sha256: string | null; instruction: string; png_sha256: string | null }>(
        `SELECT s.id, s.external_id, s.split, s.source_sha256, s.target_sha256, s.instruction, m.png_sha256
         FROM samples s LEFT JOIN masks m ON m.id = (SELECT id FROM masks WHERE sample_id = s.id ORDER BY version DESC LIMIT 1)
         WHERE s.dataset_id = ? AND s.split != 'test' ORDER BY s.id`,
      )
      .all(datasetId)
      .map((r) => ({ id: r.id, externalId: r.external_id, split: r.split, sourceSha256: r.source_sha256, targetSha256: r.target_sha256, instruction: r.instruction, maskSha256: r.png_sha256 }));
  }

  /** Source and target of the given samples by external id (what stored run outputs name them by); unknown ids are left out. */
  imagesByExternalId(datasetId: number, externalIds: readonly string[]): Map<string, { id: number; sourceSha256: string; targetSha256: string | null }> {
    const out = new Map<string, { id: number; sourceSha256: string; targetSha256: string | null }>();
    const stmt = this.db.prepare<[number, string], { id: number; source_sha256: string; target_sha256: string | null }>(
      'SELECT id, source_sha256, target_sha256 FROM samples WHERE dataset_id = ? AND external_id = ?',
    );
    for (const e of externalIds) {
      const r = stmt.get(datasetId, e);
      if (r) out.set(e, { id: r.id, sourceSha256: r.source_sha256, targetSha256: r.target_sha256 });
    }
    return out;
  }
}
