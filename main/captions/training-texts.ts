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

/**
 * Why a dataset cannot train a family, or null when it can: the trainers (main/jobs/host/training.ts)
 * take the train and val samples with a text under the rule above (falling back to the dataset's
 * own descriptions), and Region-CLIP also needs each one's mask box. Checked when the job is queued,
 * so the answer names the dataset and says what to do, instead of a training job that fails later.
 */
export function trainingPairsRefusal(store: Pick<Store, 'captions' | 'samples' | 'datasets'>, datasetId: number, family: 'regionclip' | 'blip'): string | null {
  const name = store.datasets.name(datasetId);
  if (name === undefined) return null;
  const kind: CaptionKind = family === 'regionclip' ? 'region' : 'scene';
  const rows = store.samples.trainingSamples(datasetId);
  const { texts } = trainingTexts(store, datasetId, kind, 'dataset');
  let usable = 0;
  let withoutText = 0;
  let withoutMask = 0;
  for (const r of rows) {
    const text = texts.has(r.id);
    const box = r.box !== null && r.box.width > 0 && r.box.height > 0;
    if (!text) withoutText++;
    if (family === 'regionclip' && !box) withoutMask++;
    if (text && (family === 'blip' || box)) usable++;
  }
  if (usable >= 2) return null;
  const model = family === 'regionclip' ? 'Region-CLIP' : 'BLIP';
  const needs = family === 'regionclip' ? 'an approved region caption (or a region description of its own) and a mask' : 'an approved scene caption (or a scene description of its own)';
  const missing = [
    rows.length === 0 ? 'it has no samples in the train or val split' : null,
    withoutText > 0 ? `${withoutText} of its ${rows.length} train and val samples have no ${kind} text` : null,
    withoutMask > 0 ? `${withoutMask} have no mask` : null,
  ].filter((x): x is string => x !== null);
  const next = [withoutText > 0 ? `generate ${kind} captions and approve them (Captions)` : null, withoutMask > 0 ? 'draw the missing masks (Masks)' : null].filter(
    (x): x is string => x !== null,
  );
  return (
    `"${name}" has ${usable} sample${usable === 1 ? '' : 's'} ${model} can train on; it needs at least 2. Each needs ${needs}: ${missing.join(', ')}.` +
    (next.length > 0 ? ` To fix it, ${next.join(' and ')}.` : '')
  );
}
