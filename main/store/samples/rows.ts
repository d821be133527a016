// The samples and images tables' rows (migrations 2 and 3): what importers insert, and the
// mappings of what the browser, the caption jobs and the trainers read back.
import type { Box, ImageRef, MaskSummary, SampleSummary, Split } from '../../../shared/api/index.js';
import { parseJson } from '../json.js';

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

export interface SummaryRow {
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

export const toSampleSummary = (r: SummaryRow): SampleSummary => ({
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

export const SUMMARY_COLUMNS = `s.id, s.external_id, s.split, s.edit_type, s.instruction,
  (SELECT thumb_sha256 FROM images WHERE sha256 = s.source_sha256) AS source_thumb,
  (SELECT thumb_sha256 FROM images WHERE sha256 = s.target_sha256) AS target_thumb,
  EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id) AS has_mask,
  s.flagged, s.session_id, s.turn_index`;

export const CURRENT_CAPTION = 'c.version = (SELECT max(c2.version) FROM captions c2 WHERE c2.sample_id = c.sample_id AND c2.kind = c.kind)';

/** A sample row as the caption jobs and the trainers read it (the images by hash). */
export interface SampleRecord {
  id: number;
  datasetId: number;
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
  sourceSha256: string;
  targetSha256: string | null;
  width: number;
  height: number;
  /** The format-specific fields (a ShapesEdit scene graph, ...); null when the stored JSON is unreadable, {} when it is no object. */
  meta: Record<string, unknown> | null;
  flagged: boolean;
}

export interface SampleRow {
  id: number;
  dataset_id: number;
  external_id: string;
  session_id: string | null;
  turn_index: number | null;
  split: Split;
  edit_type: string | null;
  instruction: string;
  region_description: string | null;
  scene_description: string | null;
  input_caption: string | null;
  output_caption: string | null;
  source_sha256: string;
  target_sha256: string | null;
  width: number;
  height: number;
  meta: string;
  flagged: number;
}

export function toSampleRecord(r: SampleRow): SampleRecord {
  const unreadable = Symbol('unreadable');
  const meta = parseJson(r.meta, unreadable);
  return {
    id: r.id,
    datasetId: r.dataset_id,
    externalId: r.external_id,
    sessionId: r.session_id,
    turnIndex: r.turn_index,
    split: r.split,
    editType: r.edit_type,
    instruction: r.instruction,
    regionDescription: r.region_description,
    sceneDescription: r.scene_description,
    inputCaption: r.input_caption,
    outputCaption: r.output_caption,
    sourceSha256: r.source_sha256,
    targetSha256: r.target_sha256,
    width: r.width,
    height: r.height,
    meta: meta === unreadable ? null : typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {},
    flagged: r.flagged === 1,
  };
}

export interface ImageRow {
  sha256: string;
  width: number;
  height: number;
  thumb_sha256: string | null;
}

export const toImageRef = (r: ImageRow): ImageRef => ({ sha256: r.sha256, width: r.width, height: r.height, thumbSha256: r.thumb_sha256 });

/**
 * What a trainer needs of a sample (main/jobs/host/training.ts): its split, the image it is trained
 * on (the target, else the source) and the tight box of its current mask (Eq. 6), null without one.
 */
/** A sample as the editor trains on it (issue 15): both images, the instruction and its current mask's PNG. */
export interface EditorTrainingSample {
  id: number;
  externalId: string;
  split: Split;
  sourceSha256: string;
  /** null: the dataset has no edited image for this sample (not trainable) */
  targetSha256: string | null;
  instruction: string;
  /** the current mask version's PNG (null: no mask) */
  maskSha256: string | null;
}

export interface TrainingSample {
  id: number;
  externalId: string;
  split: Split;
  imageSha256: string;
  box: MaskSummary['box'];
}
