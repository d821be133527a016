// The one mapping between the engine's score records (main/engine/metrics: nested per metric and
// region, nulls where a region does not exist) and the store's flat rows (metric, region, value), in
// both directions, and from the engine's aggregate to the stored aggregate rows.
import type { SampleScore } from '../../shared/api/evals.js';
import { EDIT_ACCURACY_BY_KIND, type EvalMetric } from '../../shared/evals/metrics.js';
import { meanStd } from '../../shared/metrics/stats.js';
import type { ShapesEditCheck } from '../data/shapes-accuracy.js';
import type { Region } from '../../shared/metrics/presets.js';
import type { EvaluationAggregate, RegionScores, SampleScores } from '../engine/metrics/index.js';
import type { AggregateInput, StoredSample } from '../store/index.js';

const PAIRED = ['clipI', 'dino', 'lpips'] as const;
const PIXEL = ['psnr', 'l1', 'l2'] as const;

function regionRows(metric: EvalMetric, r: RegionScores | undefined, out: SampleScore[]): void {
  if (!r) return;
  for (const [region, value] of Object.entries(r) as [Region, number | null | undefined][]) {
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ metric, region, value });
  }
}

/** A sample's engine scores as rows (a region without a value has no row; its note says why). */
export function scoreRows(s: SampleScores): SampleScore[] {
  const out: SampleScore[] = [];
  for (const m of PAIRED) regionRows(m, s[m], out);
  if (typeof s.clipT === 'number' && Number.isFinite(s.clipT)) out.push({ metric: 'clipT', region: 'full', value: s.clipT });
  for (const k of PIXEL) regionRows(k, s.pixel?.[k], out);
  return out;
}

/** Stored rows back to the engine's record, for aggregateScores after a resume. */
export function scoresOf(stored: StoredSample): SampleScores {
  const s: SampleScores = { notes: [] };
  for (const row of stored.scores) {
    if (row.metric === 'clipT') s.clipT = row.value;
    else if (row.metric === 'clipI' || row.metric === 'dino' || row.metric === 'lpips') (s[row.metric] ??= {})[row.region] = row.value;
    else if (row.metric === 'psnr' || row.metric === 'l1' || row.metric === 'l2') ((s.pixel ??= {})[row.metric] ??= {})[row.region] = row.value;
  }
  const f = stored.features;
  const features: NonNullable<SampleScores['features']> = {};
  if (f.fidGenerated) features.fidGenerated = f.fidGenerated;
  if (f.fidReference) features.fidReference = f.fidReference;
  if (f.isLogits) features.isLogits = f.isLogits;
  s.features = features;
  return s;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** The engine's aggregate as stored rows: per metric and region mean, sample std, n; FID and IS one row each. */
export function aggregateRows(a: EvaluationAggregate): AggregateInput[] {
  const out: AggregateInput[] = [];
  const push = (metric: EvalMetric, region: Region, m: { mean: number; std: number; n: number } | undefined) => {
    if (m) out.push({ metric, region, mean: finite(m.mean), std: finite(m.std), n: m.n });
  };
  for (const metric of PAIRED) for (const [region, m] of Object.entries(a[metric] ?? {}) as [Region, { mean: number; std: number; n: number }][]) push(metric, region, m);
  if (a.clipT) push('clipT', 'full', a.clipT);
  for (const k of PIXEL) for (const [region, m] of Object.entries(a.pixel?.[k] ?? {}) as [Region, { mean: number; std: number; n: number }][]) push(k, region, m);
  if (a.fid) out.push({ metric: 'fid', region: 'full', mean: finite(a.fid.fid), std: null, n: Math.min(...a.fid.n) });
  if (a.is) out.push({ metric: 'is', region: 'full', mean: finite(a.is.mean), std: finite(a.is.std), n: a.is.n });
  return out;
}

const EDIT_METRICS: readonly EvalMetric[] = ['editAcc', ...Object.values(EDIT_ACCURACY_BY_KIND), 'editScore'];

/**
 * One sample's scene-graph edit test as rows (percent): editAcc 100 or 0, the same value under its
 * kind's column (editAccRecolour, …), and editScore. A sample whose edit changes no pixel has none.
 */
export function editAccuracyRows(check: ShapesEditCheck): SampleScore[] {
  if (!check.scored) return [];
  const acc = check.correct ? 100 : 0;
  return [
    { metric: 'editAcc', region: 'full', value: acc },
    { metric: EDIT_ACCURACY_BY_KIND[check.op], region: 'full', value: acc },
    { metric: 'editScore', region: 'full', value: 100 * check.score },
  ];
}

/** The edit-accuracy aggregates over the stored samples: mean, sample std and n per metric (a kind no sample had gets no row). */
export function editAccuracyAggregateRows(stored: readonly StoredSample[]): AggregateInput[] {
  return EDIT_METRICS.flatMap((metric) => {
    const m = meanStd(stored.map((s) => s.scores.find((r) => r.metric === metric)?.value));
    return m.n > 0 ? [{ metric, region: 'full' as const, mean: m.mean, std: m.std, n: m.n }] : [];
  });
}
