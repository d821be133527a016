// The training-side rule (issue 5): training uses only approved captions, or a fallback the user
// chose — the dataset's own descriptions. Trainers call `trainingTexts` and never read `captions`
// themselves, so a pending or rejected machine text can never reach a loss (Eq. 8 t_r, Eq. 9 t_f).
import type { CaptionKind, CaptionSource } from '../../shared/api/captions.js';
import type { Store } from '../store/index.js';

export type TrainingTextFallback = 'none' | 'dataset';

export interface TrainingText {
  sampleId: number;
  text: string;
  /** Where the text came from: an approved caption (with its id and source) or the dataset's own field. */
  origin: { kind: 'caption'; captionId: number; version: number; source: CaptionSource } | { kind: 'dataset'; field: 'region_description' | 'scene_description' };
}

export interface TrainingTexts {
  texts: Map<number, TrainingText>;
  /** Samples with no usable text under the rule: the trainer must drop them (or stop and say so). */
  missing: number[];
}

/**
 * Per sample of the dataset, the text to train on for `kind`: the newest approved version of its
 * caption; else, when `fallback` is 'dataset', the dataset's own description of that kind.
 */
export function trainingTexts(store: Pick<Store, 'captions'>, datasetId: number, kind: CaptionKind, fallback: TrainingTextFallback, sampleIds?: readonly number[]): TrainingTexts {
  const field = kind === 'region' ? 'region_description' : 'scene_description';
  const rows = store.captions.approvedTexts(datasetId, kind);
  const wanted = sampleIds ? new Set(sampleIds) : null;
  const texts = new Map<number, TrainingText>();
  const missing: number[] = [];
  for (const r of rows) {
    if (wanted && !wanted.has(r.sampleId)) continue;
    if (r.caption !== null && r.caption.text.trim() !== '') {
      texts.set(r.sampleId, { sampleId: r.sampleId, text: r.caption.text, origin: { kind: 'caption', captionId: r.caption.id, version: r.caption.version, source: r.caption.source } });
    } else if (fallback === 'dataset' && r.own !== null && r.own.trim() !== '') {
      texts.set(r.sampleId, { sampleId: r.sampleId, text: r.own, origin: { kind: 'dataset', field } });
    } else {
      missing.push(r.sampleId);
    }
  }
  return { texts, missing };
}

