// Captions: versions per (sample, kind), the review queue over current versions, the VLM answer
// cache, and the texts training may use. Writes are single transactions, so a killed process leaves
// every finished caption in place and no half-written one.
import type { CaptionDetail, CaptionFilter, CaptionKind, CaptionQueueItem, CaptionReviewStatus, CaptionSource } from '../../../shared/api/captions.js';
import type { Db } from '../database.js';
import { toCaptionDetail, type CaptionRow } from './rows.js';

export interface NewCaption {
  sampleId: number;
  kind: CaptionKind;
  text: string;
  source: CaptionSource;
  status?: CaptionReviewStatus;
  parentId?: number | null;
  templateId?: number | null;
  promptSha256?: string | null;
  imageSha256?: string | null;
  model?: string | null;
  endpointModel?: string | null;
  sampling?: Record<string, unknown> | null;
  durationMs?: number | null;
  author?: string | null;
}

const WORDS_SQL = "(CASE WHEN trim(cur.text) = '' THEN 0 ELSE length(trim(cur.text)) - length(replace(trim(cur.text), ' ', '')) + 1 END)";

/**
 * Current (highest) version of each sample's caption of one kind, with its sample. "No higher
 * version exists" is one probe of the (sample_id, kind, version) index per row, and the dataset is
 * reached through samples_dataset, so a queue page costs one pass over the dataset's captions.
 */
const CURRENT_SQL = `
  SELECT cur.*, t.version AS template_version, s.dataset_id, s.external_id, s.instruction, ${WORDS_SQL} AS words
  FROM samples s
  JOIN captions cur ON cur.sample_id = s.id AND cur.kind = @kind
  LEFT JOIN caption_templates t ON t.id = cur.template_id
  WHERE NOT EXISTS (SELECT 1 FROM captions n WHERE n.sample_id = cur.sample_id AND n.kind = cur.kind AND n.version > cur.version)`;

function filterSql(datasetId: number | undefined, filter: CaptionFilter, withStatus: boolean): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (datasetId !== undefined) (clauses.push('s.dataset_id = @datasetId'), (params.datasetId = datasetId));
  if (withStatus && filter.status) (clauses.push('cur.status = @status'), (params.status = filter.status));
  if (filter.source) (clauses.push('cur.source = @source'), (params.source = filter.source));
  if (filter.model) (clauses.push('cur.model = @model'), (params.model = filter.model));
  if (filter.templateVersion !== undefined) (clauses.push('t.version = @templateVersion'), (params.templateVersion = filter.templateVersion));
  if (filter.minWords !== undefined) (clauses.push(`${WORDS_SQL} >= @minWords`), (params.minWords = filter.minWords));
  if (filter.maxWords !== undefined) (clauses.push(`${WORDS_SQL} <= @maxWords`), (params.maxWords = filter.maxWords));
  if (filter.search) (clauses.push("instr(lower(cur.text), lower(@search)) > 0"), (params.search = filter.search));
  // Appended to CURRENT_SQL's WHERE.
  return { where: clauses.map((c) => ` AND ${c}`).join(''), params };
}

export class CaptionsRepo {
  constructor(private readonly db: Db) {}

  queue(args: { datasetId?: number | undefined; kind: CaptionKind; filter: CaptionFilter; offset: number; limit: number }) {
    const { where, params } = filterSql(args.datasetId, args.filter, true);
    const all = { ...params, kind: args.kind };
    // One aggregate serves both: counts per status (ignoring the status filter) and the total.
    const noStatus = filterSql(args.datasetId, args.filter, false);
    const countRows = this.db
      .prepare(`SELECT status, count(*) AS n FROM (${CURRENT_SQL} ${noStatus.where}) GROUP BY status`)
      .all({ ...noStatus.params, kind: args.kind }) as { status: CaptionReviewStatus; n: number }[];
    const counts = { pending: 0, approved: 0, rejected: 0 };
    for (const c of countRows) counts[c.status] = c.n;
    const total = args.filter.status ? counts[args.filter.status] : counts.pending + counts.approved + counts.rejected;
    const rows = this.db
      .prepare(
        `${CURRENT_SQL} ${where}
         ORDER BY CASE cur.status WHEN 'pending' THEN 0 WHEN 'rejected' THEN 1 ELSE 2 END, s.id
         LIMIT @limit OFFSET @offset`,
      )
      .all({ ...all, limit: args.limit, offset: args.offset }) as (CaptionRow & { dataset_id: number; external_id: string; instruction: string; words: number })[];
    const items: CaptionQueueItem[] = rows.map((r) => ({
      captionId: r.id,
      sampleId: r.sample_id,
      datasetId: r.dataset_id,
      externalId: r.external_id,
      kind: r.kind,
      version: r.version,
      text: r.text,
      words: r.words,
      source: r.source,
      status: r.status,
      model: r.model,
      templateVersion: r.template_version,
      instruction: r.instruction,
      createdAt: r.created_at,
    }));
    return { total, counts, items };
  }

  /** Ids of the current captions in the filtered set that are not approved yet. */
  unapprovedIds(datasetId: number | undefined, kind: CaptionKind, filter: CaptionFilter): number[] {
    const { where, params } = filterSql(datasetId, filter, true);
    return (this.db.prepare(`SELECT id FROM (${CURRENT_SQL} ${where} AND cur.status <> 'approved')`).all({ ...params, kind }) as { id: number }[]).map((r) => r.id);
  }

  setStatus(ids: readonly number[], status: CaptionReviewStatus): void {
    const stmt = this.db.prepare('UPDATE captions SET status = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(status, id);
    })();
  }

  byId(id: number): CaptionDetail | undefined {
    const row = this.db
      .prepare<[number], CaptionRow>('SELECT c.*, t.version AS template_version FROM captions c LEFT JOIN caption_templates t ON t.id = c.template_id WHERE c.id = ?')
      .get(id);
    return row ? toCaptionDetail(row) : undefined;
  }

  versions(sampleId: number, kind: CaptionKind): CaptionDetail[] {
    return this.db
      .prepare<[number, string], CaptionRow>(
        'SELECT c.*, t.version AS template_version FROM captions c LEFT JOIN caption_templates t ON t.id = c.template_id WHERE c.sample_id = ? AND c.kind = ? ORDER BY c.version DESC',
      )
      .all(sampleId, kind)
      .map(toCaptionDetail);
  }

  /** Adds the next version for (sample, kind); the previous current version becomes its parent unless given. */
  insert(c: NewCaption): CaptionDetail {
    return this.db.transaction(() => {
      const prev = this.db
        .prepare<[number, string], { id: number; version: number }>('SELECT id, version FROM captions WHERE sample_id = ? AND kind = ? ORDER BY version DESC LIMIT 1')
        .get(c.sampleId, c.kind);
      const info = this.db
        .prepare(
          `INSERT INTO captions(sample_id, kind, version, parent_id, text, source, status, template_id, prompt_sha256, image_sha256,
             model, endpoint_model, sampling, duration_ms, author, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          c.sampleId,
          c.kind,
          (prev?.version ?? 0) + 1,
          c.parentId !== undefined ? c.parentId : (prev?.id ?? null),
          c.text,
          c.source,
          c.status ?? 'pending',
          c.templateId ?? null,
          c.promptSha256 ?? null,
          c.imageSha256 ?? null,
          c.model ?? null,
          c.endpointModel ?? null,
          c.sampling ? JSON.stringify(c.sampling) : null,
          c.durationMs ?? null,
          c.author ?? null,
          new Date().toISOString(),
        );
      return this.byId(Number(info.lastInsertRowid))!;
    })();
  }

  cacheGet(imageSha256: string, promptSha256: string, model: string): { text: string; endpointModel: string | null } | undefined {
    const row = this.db
      .prepare<[string, string, string], { text: string; endpoint_model: string | null }>(
        'SELECT text, endpoint_model FROM caption_cache WHERE image_sha256 = ? AND prompt_sha256 = ? AND model = ?',
      )
      .get(imageSha256, promptSha256, model);
    return row ? { text: row.text, endpointModel: row.endpoint_model } : undefined;
  }

  /** The answer and its caption land together: a killed job never has one without the other. */
  cacheAndInsert(cache: { imageSha256: string; promptSha256: string; model: string; text: string; endpointModel: string | null }, caption: NewCaption): CaptionDetail {
    return this.db.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO caption_cache(image_sha256, prompt_sha256, model, text, endpoint_model, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(cache.imageSha256, cache.promptSha256, cache.model, cache.text, cache.endpointModel, new Date().toISOString());
      return this.insert(caption);
    })();
  }

  /** Per sample of a dataset: its current caption of `kind` and whether one exists from this template and model. */
  captionState(datasetId: number, kind: CaptionKind, match: { templateId: number | null; model: string; source: CaptionSource }) {
    const current = new Map<number, { source: CaptionSource; status: CaptionReviewStatus }>();
    for (const r of this.db
      .prepare(
        `SELECT c.sample_id AS sampleId, c.source AS source, c.status AS status FROM captions c JOIN samples s ON s.id = c.sample_id
         WHERE s.dataset_id = ? AND c.kind = ? AND c.version = (SELECT max(version) FROM captions WHERE sample_id = c.sample_id AND kind = c.kind)`,
      )
      .all(datasetId, kind) as { sampleId: number; source: CaptionSource; status: CaptionReviewStatus }[]) {
      current.set(r.sampleId, { source: r.source, status: r.status });
    }
    const done = new Set(
      (
        this.db
          .prepare(
            `SELECT DISTINCT c.sample_id AS sampleId FROM captions c JOIN samples s ON s.id = c.sample_id
             WHERE s.dataset_id = ? AND c.kind = ? AND c.source = ? AND c.model IS ? AND c.template_id IS ?`,
          )
          .all(datasetId, kind, match.source, match.model, match.templateId) as { sampleId: number }[]
      ).map((r) => r.sampleId),
    );
    return { current, done };
  }

  /**
   * Per sample of a dataset: the newest approved caption of `kind` (null if none) and the dataset's
   * own description of that kind (region_description or scene_description), in sample order.
   */
  approvedTexts(datasetId: number, kind: CaptionKind): ApprovedText[] {
    const field = kind === 'region' ? 'region_description' : 'scene_description';
    return (
      this.db
        .prepare(
          `SELECT s.id AS sampleId, s.${field} AS own, c.id AS captionId, c.version AS version, c.text AS text, c.source AS source
           FROM samples s
           LEFT JOIN captions c ON c.id = (
             SELECT id FROM captions WHERE sample_id = s.id AND kind = ? AND status = 'approved' ORDER BY version DESC LIMIT 1)
           WHERE s.dataset_id = ? ORDER BY s.id`,
        )
        .all(kind, datasetId) as { sampleId: number; own: string | null; captionId: number | null; version: number | null; text: string | null; source: CaptionSource | null }[]
    ).map((r) => ({
      sampleId: r.sampleId,
      own: r.own,
      caption: r.captionId === null || r.text === null ? null : { id: r.captionId, version: r.version!, text: r.text, source: r.source! },
    }));
  }
}

export interface ApprovedText {
  sampleId: number;
  /** The dataset's own description of the kind. */
  own: string | null;
  caption: { id: number; version: number; text: string; source: CaptionSource } | null;
}
