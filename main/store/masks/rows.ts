// The masks table's rows (migration 2: versions per sample, the highest current) and their
// mappings to the Api's MaskVersion and MaskSummary; the sample fields the editor reads with them.
import type { MaskSummary } from '../../../shared/api/datasets.js';
import type { MaskVersion } from '../../../shared/api/masks.js';

export interface MaskRow {
  id: number;
  sample_id: number;
  version: number;
  parent_id: number | null;
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
}

const boxOf = (r: MaskRow): MaskSummary['box'] =>
  r.box_x === null || r.box_y === null || r.box_w === null || r.box_h === null ? null : { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h };

export function toMaskSummary(r: MaskRow): MaskSummary {
  return {
    id: r.id,
    version: r.version,
    pngSha256: r.png_sha256,
    width: r.width,
    height: r.height,
    area: r.area,
    box: boxOf(r),
    source: r.source,
    author: r.author,
    createdAt: r.created_at,
  };
}

/** A version with its parent's version number and whether it is the current one. */
export type MaskVersionRow = MaskRow & { parent_version: number | null; current: number };

export const MASK_COLUMNS = `m.id, m.sample_id, m.version, m.parent_id, p.version AS parent_version, m.png_sha256, m.width, m.height,
  m.area, m.box_x, m.box_y, m.box_w, m.box_h, m.source, m.author, m.note, m.created_at,
  (m.version = (SELECT max(version) FROM masks WHERE sample_id = m.sample_id)) AS current`;
export const MASK_FROM = 'masks m LEFT JOIN masks p ON p.id = m.parent_id';

export function toMaskVersion(r: MaskVersionRow): MaskVersion {
  return { ...toMaskSummary(r), parentId: r.parent_id, parentVersion: r.parent_version, note: r.note, current: r.current === 1 };
}

/** A sample as the mask editor and the mask import/export read it. */
export interface MaskSample {
  id: number;
  datasetId: number;
  datasetName: string;
  externalId: string;
  width: number;
  height: number;
  instruction: string;
  editType: string | null;
  flagged: boolean;
  sourceSha256: string;
  targetSha256: string | null;
}

export interface MaskSampleRow {
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

export const MASK_SAMPLE_COLUMNS = `s.id, s.dataset_id, d.name AS dataset_name, s.external_id, s.width, s.height, s.instruction, s.edit_type,
  s.flagged, s.source_sha256, s.target_sha256`;

export function toMaskSample(r: MaskSampleRow): MaskSample {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    externalId: r.external_id,
    width: r.width,
    height: r.height,
    instruction: r.instruction,
    editType: r.edit_type,
    flagged: r.flagged === 1,
    sourceSha256: r.source_sha256,
    targetSha256: r.target_sha256,
  };
}
