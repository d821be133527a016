// Samples with their images and masks: batched inserts for importers, and the browser's windowed,
// filtered, searched and sorted queries (index-backed; the count is a separate cheap query).
import type {
  Box,
  Caption,
  MaskSummary,
  SampleDetail,
  SampleFilter,
  SampleSummary,
  Split,
} from '../../shared/api/index.js';
import type { Db } from './database.js';
import { ftsQuery } from './fts.js';

export interface NewImage {
  sha256: string;
  width: number;
  height: number;
  channels: number;
  format: string;
  thumbSha256: string | null;
}

export interface NewMask {
  pngSha256: string;
  width: number;
  height: number;
  area: number;
  box: Box | null;
  source: MaskSummary['source'];
  author: string;
}

export interface NewSample {
  externalId: string;
  sessionId: string | null;
  turnIndex: number | null;
  split: Split;
  editType: string | null;
  instruction: string;
  regionDescription: string | null;
  sceneDescription: string | null;
  inputCaption: string | null;
  outputCaption: string | null;
  source: NewImage;
  target: NewImage | null;
  mask: NewMask | null;
  meta: Record<string, unknown>;
}

export type SampleSort = 'id' | 'instruction' | 'editType' | 'relevance';

export interface SampleQuery {
  datasetId: number;
  filter: SampleFilter;
  sort: SampleSort;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

interface SummaryRow {
  id: number;
  external_id: string;
  split: Split;
  edit_type: string | null;
  instruction: string;
  source_thumb: string | null;
  target_thumb: string | null;
  has_mask: number;
  flagged: number;
  session_id: string | null;
  turn_index: number | null;
}

const toSummary = (r: SummaryRow): SampleSummary => ({
  id: r.id,
  externalId: r.external_id,
  split: r.split,
  editType: r.edit_type,
  instruction: r.instruction,
  sourceThumbSha256: r.source_thumb,
  targetThumbSha256: r.target_thumb,
  hasMask: r.has_mask === 1,
  flagged: r.flagged === 1,
  sessionId: r.session_id,
  turnIndex: r.turn_index,
});

const SUMMARY_COLUMNS = `s.id, s.external_id, s.split, s.edit_type, s.instruction,
  (SELECT thumb_sha256 FROM images WHERE sha256 = s.source_sha256) AS source_thumb,
  (SELECT thumb_sha256 FROM images WHERE sha256 = s.target_sha256) AS target_thumb,
  EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id) AS has_mask,
  s.flagged, s.session_id, s.turn_index`;

const CURRENT_CAPTION = 'c.version = (SELECT max(c2.version) FROM captions c2 WHERE c2.sample_id = c.sample_id AND c2.kind = c.kind)';

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

  constructor(private readonly db: Db) {}

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
   * Inserts samples (their blobs must already be durable). Call inside a transaction. Returns how
   * many were new; one whose external id is already present is left as it was.
   */
  insertMany(datasetId: number, samples: readonly NewSample[]): number {
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

  private where(q: Pick<SampleQuery, 'datasetId' | 'filter'>): { sql: string; params: unknown[]; match: string | null } {
    const clauses = ['s.dataset_id = ?'];
    const params: unknown[] = [q.datasetId];
    const f = q.filter;
    if (f.editType !== undefined) {
      clauses.push('s.edit_type = ?');
      params.push(f.editType);
    }
    if (f.split !== undefined) {
      clauses.push('s.split = ?');
      params.push(f.split);
    }
    if (f.flagged !== undefined) clauses.push(f.flagged ? 's.flagged = 1' : 's.flagged = 0');
    if (f.hasMask !== undefined) clauses.push(`${f.hasMask ? '' : 'NOT '}EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id)`);
    if (f.captionStatus !== undefined) {
      clauses.push(`EXISTS (SELECT 1 FROM captions c WHERE c.sample_id = s.id AND c.status = ? AND ${CURRENT_CAPTION})`);
      params.push(f.captionStatus);
    }
    const match = f.search === undefined ? null : ftsQuery(f.search);
    if (match !== null) {
      clauses.push('s.id IN (SELECT rowid FROM sample_fts WHERE sample_fts MATCH ?)');
      params.push(match);
    }
    return { sql: clauses.join(' AND '), params, match };
  }

  /**
   * The dataset's id range when no other dataset has a sample inside it (the usual case: an import
   * writes its samples in one run), which lets counts run on rowid ranges instead of joins.
   */
  private contiguousRange(datasetId: number): { lo: number; hi: number } | null | 'empty' {
    const lo = this.db.prepare('SELECT id FROM samples WHERE dataset_id = ? ORDER BY id LIMIT 1').pluck().get(datasetId) as number | undefined;
    if (lo === undefined) return 'empty';
    const hi = this.db.prepare('SELECT id FROM samples WHERE dataset_id = ? ORDER BY id DESC LIMIT 1').pluck().get(datasetId) as number;
    const foreign = this.db
      .prepare(
        'SELECT EXISTS (SELECT 1 FROM datasets d WHERE d.id <> ? AND EXISTS (SELECT 1 FROM samples s WHERE s.dataset_id = d.id AND s.id BETWEEN ? AND ?))',
      )
      .pluck()
      .get(datasetId, lo, hi) as number;
    return foreign ? null : { lo, hi };
  }

  /**
   * Counts are the expensive half of a window query. They are cached per filter and dropped when
   * anything in the database changed: this connection's total_changes() covers our own writes,
   * PRAGMA data_version those of every other connection (the CLI, a later engine host).
   */
  private readonly countCache = new Map<string, { stamp: string; total: number }>();
  /** Ranked search results (ids in bm25 order) per dataset and query: scrolling them costs a slice. */
  private readonly rankCache = new Map<string, { stamp: string; ids: number[] }>();

  private stamp(): string {
    return `${this.db.pragma('data_version', { simple: true }) as number}:${this.db.prepare('SELECT total_changes()').pluck().get() as number}`;
  }

  private countFiltered(q: Pick<SampleQuery, 'datasetId' | 'filter'>, sql: string, params: unknown[], match: string | null): number {
    const stamp = this.stamp();
    const key = JSON.stringify([q.datasetId, q.filter.editType, q.filter.split, q.filter.captionStatus, q.filter.hasMask, q.filter.flagged, match]);
    const hit = this.countCache.get(key);
    if (hit && hit.stamp === stamp) return hit.total;
    const f = q.filter;
    const onlySearch = match !== null && f.editType === undefined && f.split === undefined && f.captionStatus === undefined && f.hasMask === undefined && f.flagged === undefined;
    const onlyMask = match === null && f.hasMask !== undefined && f.editType === undefined && f.split === undefined && f.captionStatus === undefined && f.flagged === undefined;
    let total: number | undefined;
    if (onlySearch || onlyMask) {
      const range = this.contiguousRange(q.datasetId);
      if (range === 'empty') total = 0;
      else if (range !== null && onlySearch) {
        total = this.db.prepare('SELECT count(*) FROM sample_fts WHERE sample_fts MATCH ? AND rowid BETWEEN ? AND ?').pluck().get(match, range.lo, range.hi) as number;
      } else if (range !== null && onlyMask) {
        const withMask = this.db.prepare('SELECT count(DISTINCT sample_id) FROM masks WHERE sample_id BETWEEN ? AND ?').pluck().get(range.lo, range.hi) as number;
        total = f.hasMask ? withMask : (this.db.prepare('SELECT count(*) FROM samples WHERE dataset_id = ?').pluck().get(q.datasetId) as number) - withMask;
      }
    }
    if (total === undefined && match !== null) {
      // FTS5 drives (CROSS JOIN fixes the order: the other way round runs a MATCH per sample row).
      const w = this.where({ datasetId: q.datasetId, filter: { ...f, search: undefined } });
      total = this.db
        .prepare(
          `SELECT count(*) FROM sample_fts f CROSS JOIN samples s INDEXED BY samples_id_facets ON s.id = f.rowid WHERE sample_fts MATCH ? AND ${w.sql}`,
        )
        .pluck()
        .get(match, ...w.params) as number;
    }
    total ??= this.db.prepare(`SELECT count(*) FROM samples s WHERE ${sql}`).pluck().get(...params) as number;
    if (this.countCache.size > 256) this.countCache.clear();
    this.countCache.set(key, { stamp, total });
    return total;
  }

  query(q: SampleQuery): { total: number; items: SampleSummary[] } {
    const { sql, params, match } = this.where(q);
    const total = this.countFiltered(q, sql, params, match);
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    let from = 'samples s';
    let whereSql = sql;
    let whereParams = params;
    let orderBy: string;
    const f = q.filter;
    const onlySearch = match !== null && f.editType === undefined && f.split === undefined && f.captionStatus === undefined && f.hasMask === undefined && f.flagged === undefined;
    const range = onlySearch && q.sort === 'relevance' ? this.contiguousRange(q.datasetId) : null;
    if (range === 'empty') return { total, items: [] };
    if (range !== null && match !== null) {
      // Search alone, ranked: bm25 must score every match once; the ranked ids are kept (until the
      // database changes) so that scrolling the results is a slice and a lookup of one window.
      const stamp = this.stamp();
      const key = JSON.stringify([q.datasetId, match, dir]);
      let ranked = this.rankCache.get(key);
      if (ranked === undefined || ranked.stamp !== stamp) {
        const ids = this.db
          .prepare(`SELECT rowid FROM sample_fts WHERE sample_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank ${dir}, rowid`)
          .pluck()
          .all(match, range.lo, range.hi) as number[];
        ranked = { stamp, ids };
        if (this.rankCache.size >= 8) this.rankCache.delete(this.rankCache.keys().next().value as string);
        this.rankCache.set(key, ranked);
      }
      const window = ranked.ids.slice(q.offset, q.offset + q.limit);
      const rows = this.db
        .prepare<[string, number], SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM samples s WHERE s.id IN (SELECT value FROM json_each(?)) AND s.dataset_id = ?`)
        .all(JSON.stringify(window), q.datasetId);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return { total, items: window.flatMap((id) => (byId.has(id) ? [toSummary(byId.get(id) as SummaryRow)] : [])) };
    } else if (match !== null && (q.sort === 'relevance' || q.sort === 'id')) {
      // Let FTS5 drive: it yields rowids in order (or by bm25 rank), so a window stops early
      // instead of materialising every match first.
      from = 'sample_fts f CROSS JOIN samples s INDEXED BY samples_id_facets ON s.id = f.rowid';
      const w = this.where({ datasetId: q.datasetId, filter: { ...q.filter, search: undefined } });
      whereSql = `sample_fts MATCH ? AND ${w.sql}`;
      whereParams = [match, ...w.params];
      // bm25 rank is ascending-better: "asc" means best first.
      orderBy = q.sort === 'relevance' ? `f.rank ${dir}, s.id` : `f.rowid ${dir}`;
    } else if (q.sort === 'instruction') orderBy = `s.instruction ${dir}, s.id ${dir}`;
    else if (q.sort === 'editType') orderBy = `s.edit_type ${dir}, s.id ${dir}`;
    else orderBy = `s.id ${dir}`;
    const rows = this.db
      .prepare<unknown[], SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM ${from} WHERE ${whereSql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      )
      .all(...whereParams, q.limit, q.offset);
    return { total, items: rows.map(toSummary) };
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
    const maskRow = this.db
      .prepare<[number], Record<string, number | string | null>>('SELECT * FROM masks WHERE sample_id = ? ORDER BY version DESC LIMIT 1')
      .get(id);
    const mask: MaskSummary | null = maskRow
      ? {
          id: maskRow.id as number,
          version: maskRow.version as number,
          pngSha256: maskRow.png_sha256 as string,
          width: maskRow.width as number,
          height: maskRow.height as number,
          area: maskRow.area as number,
          box: maskRow.box_x === null ? null : { x: maskRow.box_x as number, y: maskRow.box_y as number, width: maskRow.box_w as number, height: maskRow.box_h as number },
          source: maskRow.source as MaskSummary['source'],
          author: maskRow.author as string,
          createdAt: maskRow.created_at as string,
        }
      : null;
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
}
