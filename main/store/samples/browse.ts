// The dataset browser's windowed, filtered, searched and sorted sample queries: index-backed, with
// the count a separate cheap query cached per filter until the database changes.
import type { SampleFilter, SampleSummary } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { ftsQuery } from './fts.js';
import { CURRENT_CAPTION, SUMMARY_COLUMNS, toSampleSummary, type SummaryRow } from './rows.js';

export type SampleSort = 'id' | 'instruction' | 'editType' | 'relevance';

export interface SampleQuery {
  datasetId: number;
  filter: SampleFilter;
  sort: SampleSort;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export class SampleBrowser {
  constructor(private readonly db: Db) {}

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
      return { total, items: window.flatMap((id) => (byId.has(id) ? [toSampleSummary(byId.get(id) as SummaryRow)] : [])) };
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
    return { total, items: rows.map(toSampleSummary) };
  }
}
