// Set-level results from per-sample scores: mean ± std (sample std) of each paired metric and
// region over the samples that have it, FID over the stored pool features, IS over the stored
// logits. Pure: the caller may pass scores it stored before a restart.
import { meanStd, type MeanStd } from '../../../shared/metrics/stats.js';
import { inceptionScore, type InceptionScore } from '../../../shared/metrics/inception-score.js';
import type { EvalPreset, Region } from '../../../shared/metrics/presets.js';
import { fidFromFeatures, type FidResult } from './fid.js';
import type { RegionScores, SampleScores } from './score.js';

export interface EvaluationAggregate {
  /** samples given */
  n: number;
  clipI?: Partial<Record<Region, MeanStd>>;
  clipT?: MeanStd;
  dino?: Partial<Record<Region, MeanStd>>;
  lpips?: Partial<Record<Region, MeanStd>>;
  pixel?: Partial<Record<'l1' | 'l2' | 'psnr', Partial<Record<Region, MeanStd>>>>;
  fid?: FidResult & { weights: string };
  is?: InceptionScore & { weights: string };
  warnings: string[];
}

function byRegion(scores: (RegionScores | undefined)[], regions: readonly Region[]): Partial<Record<Region, MeanStd>> {
  const out: Partial<Record<Region, MeanStd>> = {};
  for (const r of regions) out[r] = meanStd(scores.map((s) => s?.[r]));
  return out;
}

/** Combines per-sample scores (in any order) into the evaluation's aggregate under `preset`. */
export function aggregateScores(preset: EvalPreset, samples: readonly SampleScores[]): EvaluationAggregate {
  const m = preset.metrics;
  const out: EvaluationAggregate = { n: samples.length, warnings: [] };
  if (m.clipI) out.clipI = byRegion(samples.map((s) => s.clipI), m.clipI.regions);
  if (m.clipT) out.clipT = meanStd(samples.map((s) => s.clipT));
  if (m.dino) out.dino = byRegion(samples.map((s) => s.dino), m.dino.regions);
  if (m.lpips) out.lpips = byRegion(samples.map((s) => s.lpips), m.lpips.regions);
  if (m.pixel) {
    out.pixel = {};
    for (const k of m.pixel.measures) out.pixel[k] = byRegion(samples.map((s) => s.pixel?.[k]), m.pixel.regions);
  }
  if (m.fid) {
    const gen = samples.map((s) => s.features?.fidGenerated).filter((f): f is Float32Array => !!f);
    const ref = samples.map((s) => s.features?.fidReference).filter((f): f is Float32Array => !!f);
    if (gen.length < 2 || ref.length < 2) out.warnings.push(`FID not computed: ${gen.length} generated and ${ref.length} reference feature vectors (at least 2 each)`);
    else {
      const fid = fidFromFeatures(ref, gen, { warnBelow: m.fid.warnBelow });
      out.fid = { ...fid, weights: m.fid.weights };
      out.warnings.push(...fid.warnings, `FID with ${m.fid.weights} Inception weights: not comparable with FIDs from other Inception weights (e.g. pytorch-fid's TF-2015 port vs torchvision's)`);
    }
  }
  if (m.is) {
    const logits = samples.map((s) => s.features?.isLogits).filter((f): f is Float32Array => !!f);
    if (logits.length < m.is.splits) out.warnings.push(`IS not computed: ${logits.length} samples for ${m.is.splits} splits`);
    else out.is = { ...inceptionScore(logits, m.is.splits), weights: m.is.weights };
  }
  return out;
}
