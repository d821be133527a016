// The masks table (migration 002): versions per sample, the highest current. Also the few reads
// of samples/images the editor needs, kept here so the editor does not wait on other views.
import type { MaskEditorSample, MaskNavFilter, MaskVersion } from '../../../shared/api/masks.js';
import type { ImageRef } from '../../../shared/api/datasets.js';
import type { Db } from '../../store/index.js';

interface MaskRow {
  id: number;
  sample_id: number;
  version: number;
  parent_id: number | null;
  parent_version: number | null;
  png_sha256: string;
  width: number;
  height: number;
  area: number;
  box_x: number | null;
  box_y: number | null;
  box_w: number | null;
  box_h: number | null;
  source: MaskVersion['source'];
  author: string;
  note: string | null;
  created_at: string;
  current: number;
}

const MASK_COLUMNS = `m.id, m.sample_id, m.version, m.parent_id, p.version AS parent_version, m.png_sha256, m.width, m.height,
  m.area, m.box_x, m.box_y, m.box_w, m.box_h, m.source, m.author, m.note, m.created_at,
  (m.version = (SELECT max(version) FROM masks WHERE sample_id = m.sample_id)) AS current`;
const MASK_FROM = 'masks m LEFT JOIN masks p ON p.id = m.parent_id';

function toVersion(r: MaskRow): MaskVersion {
  return {
    id: r.id,
    version: r.version,
    pngSha256: r.png_sha256,
    width: r.width,
    height: r.height,
    area: r.area,
    box: r.box_x === null || r.box_y === null || r.box_w === null || r.box_h === null ? null : { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h },
    source: r.source,
    author: r.author,
    createdAt: r.created_at,
    parentId: r.parent_id,
    parentVersion: r.parent_version,
    note: r.note,
    current: r.current === 1,
  };
}

export interface SampleRow {
  id: number;
  dataset_id: number;
  dataset_name: string;
  external_id: string;
  width: number;
  height: number;
  instruction: string;
  edit_type: string | null;
  flagged: number;
  source_sha256: string;
  target_sha256: string | null;
}

export interface NewMaskVersion {
  sampleId: number;
  parentId: number | null;
  pngSha256: string;
  width: number;
  height: number;
  area: number;
  box: { x: number; y: number; width: number; height: number } | null;
  source: MaskVersion['source'];
  author: string;
  note: string | null;
}

export class MasksRepo {
  constructor(private readonly db: Db) {}

  sample(sampleId: number): SampleRow | undefined {
    return this.db
      .prepare<[number], SampleRow>(
        `SELECT s.id, s.dataset_id, d.name AS dataset_name, s.external_id, s.width, s.height, s.instruction, s.edit_type,
                s.flagged, s.source_sha256, s.target_sha256
         FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE s.id = ?`,
      )
      .get(sampleId);
  }

  image(sha256: string): ImageRef | null {
    const row = this.db
      .prepare<[string], { sha256: string; width: number; height: number; thumb_sha256: string | null }>(
        'SELECT sha256, width, height, thumb_sha256 FROM images WHERE sha256 = ?',
      )
      .get(sha256);
    return row ? { sha256: row.sha256, width: row.width, height: row.height, thumbSha256: row.thumb_sha256 } : null;
  }

  editorSample(sampleId: number): MaskEditorSample | undefined {
    const s = this.sample(sampleId);
    if (!s) return undefined;
    const source = this.image(s.source_sha256) ?? { sha256: s.source_sha256, width: s.width, height: s.height, thumbSha256: null };
    return {
      id: s.id,
      datasetId: s.dataset_id,
      datasetName: s.dataset_name,
      externalId: s.external_id,
      width: s.width,
      height: s.height,
      instruction: s.instruction,
      editType: s.edit_type,
      flagged: s.flagged === 1,
      source,
      target: s.target_sha256 === null ? null : (this.image(s.target_sha256) ?? { sha256: s.target_sha256, width: s.width, height: s.height, thumbSha256: null }),
      mask: this.current(sampleId) ?? null,
    };
  }

  current(sampleId: number): MaskVersion | undefined {
    const row = this.db
      .prepare<[number], MaskRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? ORDER BY m.version DESC LIMIT 1`)
      .get(sampleId);
    return row ? toVersion(row) : undefined;
  }

  version(sampleId: number, version: number): MaskVersion | undefined {
    const row = this.db.prepare<[number, number], MaskRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? AND m.version = ?`).get(sampleId, version);
    return row ? toVersion(row) : undefined;
  }

  versions(sampleId: number): MaskVersion[] {
    return this.db
      .prepare<[number], MaskRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? ORDER BY m.version DESC`)
      .all(sampleId)
      .map(toVersion);
  }

  /** Adds the next version; call inside a transaction when the current version was checked first. */
  insert(v: NewMaskVersion): MaskVersion {
    const next =
      (this.db.prepare<[number], { v: number | null }>('SELECT max(version) AS v FROM masks WHERE sample_id = ?').get(v.sampleId)?.v ?? 0) + 1;
    this.db
      .prepare(
        `INSERT INTO masks(sample_id, version, parent_id, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(v.sampleId, next, v.parentId, v.pngSha256, v.width, v.height, v.area, v.box?.x ?? null, v.box?.y ?? null, v.box?.width ?? null, v.box?.height ?? null, v.source, v.author, v.note, new Date().toISOString());
    return this.version(v.sampleId, next)!;
  }

  /** Samples of a dataset keyed by external id and by lower-cased external id (file-name matching). */
  samplesByExternalId(datasetId: number): Map<string, SampleRow> {
    const rows = this.db
      .prepare<[number], SampleRow>(
        `SELECT s.id, s.dataset_id, d.name AS dataset_name, s.external_id, s.width, s.height, s.instruction, s.edit_type,
                s.flagged, s.source_sha256, s.target_sha256
         FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE s.dataset_id = ? ORDER BY s.id`,
      )
      .all(datasetId);
    return new Map(rows.map((r) => [r.external_id, r]));
  }

  datasetExists(datasetId: number): boolean {
    return this.db.prepare('SELECT 1 FROM datasets WHERE id = ?').get(datasetId) !== undefined;
  }

  /** Current mask of every sample in a dataset (export). */
  currentMasks(datasetId: number): { externalId: string; sampleId: number; pngSha256: string | null }[] {
    return this.db
      .prepare<[number], { external_id: string; id: number; png_sha256: string | null }>(
        `SELECT s.external_id, s.id, m.png_sha256 FROM samples s
         LEFT JOIN masks m ON m.sample_id = s.id AND m.version = (SELECT max(version) FROM masks WHERE sample_id = s.id)
         WHERE s.dataset_id = ? ORDER BY s.id`,
      )
      .all(datasetId)
      .map((r) => ({ externalId: r.external_id, sampleId: r.id, pngSha256: r.png_sha256 }));
  }

  /** Next/previous sample id passing the filter, with its 1-based position and the filtered total. */
  navigate(datasetId: number, fromSampleId: number | null, direction: 'next' | 'previous', filter: MaskNavFilter) {
    const where = ['s.dataset_id = ?'];
    const params: (string | number)[] = [datasetId];
    if (filter.flagged !== undefined) where.push(`s.flagged = ${filter.flagged ? 1 : 0}`);
    if (filter.hasMask !== undefined) where.push(`${filter.hasMask ? '' : 'NOT '}EXISTS (SELECT 1 FROM masks WHERE sample_id = s.id)`);
    if (filter.editType !== undefined) {
      where.push('s.edit_type = ?');
      params.push(filter.editType);
    }
    if (filter.split !== undefined) {
      where.push('s.split = ?');
      params.push(filter.split);
    }
    const base = `FROM samples s WHERE ${where.join(' AND ')}`;
    const total = this.db.prepare<(string | number)[], { n: number }>(`SELECT count(*) AS n ${base}`).get(...params)!.n;
    let target: { id: number } | undefined;
    if (fromSampleId === null) {
      target = this.db.prepare<(string | number)[], { id: number }>(`SELECT s.id ${base} ORDER BY s.id ${direction === 'next' ? 'ASC' : 'DESC'} LIMIT 1`).get(...params);
    } else {
      const op = direction === 'next' ? '>' : '<';
      target = this.db
        .prepare<(string | number)[], { id: number }>(`SELECT s.id ${base} AND s.id ${op} ? ORDER BY s.id ${direction === 'next' ? 'ASC' : 'DESC'} LIMIT 1`)
        .get(...params, fromSampleId);
    }
    if (!target) return { sampleId: null, position: null, total };
    const position = this.db.prepare<(string | number)[], { n: number }>(`SELECT count(*) AS n ${base} AND s.id <= ?`).get(...params, target.id)!.n;
    return { sampleId: target.id, position, total };
  }
}
