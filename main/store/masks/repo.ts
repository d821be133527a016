// Masks (migration 2): versions per sample, the highest current. Also the few reads of samples
// and images the editor needs, kept here so the editor does not wait on other views.
import type { MaskEditorSample, MaskNavFilter, MaskVersion } from '../../../shared/api/masks.js';
import type { Db } from '../database.js';
import { toImageRef, type ImageRow } from '../samples/rows.js';
import type { ImageRef } from '../../../shared/api/datasets.js';
import { MASK_COLUMNS, MASK_FROM, MASK_SAMPLE_COLUMNS, toMaskSample, toMaskVersion, type MaskSample, type MaskSampleRow, type MaskVersionRow } from './rows.js';

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

/** The outcome of adding a version on top of an expected current one. */
export type MaskInsert = { ok: true; version: MaskVersion } | { ok: false; current: MaskVersion | undefined };

export class MasksRepo {
  constructor(private readonly db: Db) {}

  sample(sampleId: number): MaskSample | undefined {
    const row = this.db
      .prepare<[number], MaskSampleRow>(`SELECT ${MASK_SAMPLE_COLUMNS} FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE s.id = ?`)
      .get(sampleId);
    return row ? toMaskSample(row) : undefined;
  }

  private image(sha256: string): ImageRef | null {
    const row = this.db.prepare<[string], ImageRow>('SELECT sha256, width, height, thumb_sha256 FROM images WHERE sha256 = ?').get(sha256);
    return row ? toImageRef(row) : null;
  }

  editorSample(sampleId: number): MaskEditorSample | undefined {
    const s = this.sample(sampleId);
    if (!s) return undefined;
    const fallback = (sha256: string): ImageRef => ({ sha256, width: s.width, height: s.height, thumbSha256: null });
    return {
      id: s.id,
      datasetId: s.datasetId,
      datasetName: s.datasetName,
      externalId: s.externalId,
      width: s.width,
      height: s.height,
      instruction: s.instruction,
      editType: s.editType,
      flagged: s.flagged,
      source: this.image(s.sourceSha256) ?? fallback(s.sourceSha256),
      target: s.targetSha256 === null ? null : (this.image(s.targetSha256) ?? fallback(s.targetSha256)),
      mask: this.current(sampleId) ?? null,
    };
  }

  current(sampleId: number): MaskVersion | undefined {
    const row = this.db
      .prepare<[number], MaskVersionRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? ORDER BY m.version DESC LIMIT 1`)
      .get(sampleId);
    return row ? toMaskVersion(row) : undefined;
  }

  version(sampleId: number, version: number): MaskVersion | undefined {
    const row = this.db.prepare<[number, number], MaskVersionRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? AND m.version = ?`).get(sampleId, version);
    return row ? toMaskVersion(row) : undefined;
  }

  versions(sampleId: number): MaskVersion[] {
    return this.db
      .prepare<[number], MaskVersionRow>(`SELECT ${MASK_COLUMNS} FROM ${MASK_FROM} WHERE m.sample_id = ? ORDER BY m.version DESC`)
      .all(sampleId)
      .map(toMaskVersion);
  }

  /**
   * Adds the next version in one transaction. With `expectedCurrent` (a version number, or null for
   * "no mask yet"), the version is added only if that is still the current one: an edit that
   * started from an older version must not bury a newer one.
   */
  insert(v: NewMaskVersion, expectedCurrent?: number | null): MaskInsert {
    return this.db.transaction((): MaskInsert => {
      if (expectedCurrent !== undefined) {
        const current = this.current(v.sampleId);
        if ((current?.version ?? null) !== expectedCurrent) return { ok: false, current };
      }
      const next = (this.db.prepare<[number], { v: number | null }>('SELECT max(version) AS v FROM masks WHERE sample_id = ?').get(v.sampleId)?.v ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO masks(sample_id, version, parent_id, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, note, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(v.sampleId, next, v.parentId, v.pngSha256, v.width, v.height, v.area, v.box?.x ?? null, v.box?.y ?? null, v.box?.width ?? null, v.box?.height ?? null, v.source, v.author, v.note, new Date().toISOString());
      return { ok: true, version: this.version(v.sampleId, next)! };
    })();
  }

  /** Samples of a dataset keyed by external id (file-name matching). */
  samplesByExternalId(datasetId: number): Map<string, MaskSample> {
    const rows = this.db
      .prepare<[number], MaskSampleRow>(`SELECT ${MASK_SAMPLE_COLUMNS} FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE s.dataset_id = ? ORDER BY s.id`)
      .all(datasetId);
    return new Map(rows.map((r) => [r.external_id, toMaskSample(r)]));
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
