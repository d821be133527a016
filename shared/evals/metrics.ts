// The numbers an evaluation stores, as the store, the tables and the Compare view name them: one
// metric (CLIP-I, ..., PSNR) in one region (full image, inside the mask's tight box,
// outside the mask), each with the direction that is better (the paper's ↑/↓, Tables 1–3) and how
// many digits a table prints. Pure: the contract, the renderer and the CLI share it.
import type { EvalPreset, Reference, Region } from '../metrics/presets.js';

export const EVAL_METRICS = ['clipI', 'dino', 'clipT', 'lpips', 'fid', 'is', 'psnr', 'l1', 'l2', 'editAcc', 'editAccRecolour', 'editAccRemove', 'editAccAdd', 'editAccMove', 'editAccResize', 'editScore'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];
export const EVAL_REGIONS = ['full', 'inside', 'outside'] as const;

export interface MetricInfo {
  label: string;
  /** Which way is better (the paper's arrows: CLIP-I↑ DINO↑ CLIP-T↑ LPIPS↓ FID↓ IS↑). */
  better: 'higher' | 'lower';
  /** Digits a table prints (the paper: 4, FID 2). */
  digits: number;
  /** Set-level (FID, IS): one value per evaluation, none per sample. */
  setLevel: boolean;
}

export const METRIC_INFO: Record<EvalMetric, MetricInfo> = {
  clipI: { label: 'CLIP-I', better: 'higher', digits: 4, setLevel: false },
  dino: { label: 'DINO', better: 'higher', digits: 4, setLevel: false },
  clipT: { label: 'CLIP-T', better: 'higher', digits: 4, setLevel: false },
  lpips: { label: 'LPIPS', better: 'lower', digits: 4, setLevel: false },
  fid: { label: 'FID', better: 'lower', digits: 2, setLevel: true },
  is: { label: 'IS', better: 'higher', digits: 4, setLevel: true },
  psnr: { label: 'PSNR', better: 'higher', digits: 2, setLevel: false },
  l1: { label: 'L1', better: 'lower', digits: 4, setLevel: false },
  l2: { label: 'L2', better: 'lower', digits: 5, setLevel: false },
  // Edit accuracy from the scene graph (ShapesEdit; main/data/shapes-accuracy.ts), in %: per sample
  // 100 (the instructed edit was made) or 0; the per-kind columns average the samples of that kind.
  editAcc: { label: 'Edit acc. %', better: 'higher', digits: 1, setLevel: false },
  editAccRecolour: { label: 'Acc. recolour %', better: 'higher', digits: 1, setLevel: false },
  editAccRemove: { label: 'Acc. remove %', better: 'higher', digits: 1, setLevel: false },
  editAccAdd: { label: 'Acc. add %', better: 'higher', digits: 1, setLevel: false },
  editAccMove: { label: 'Acc. move %', better: 'higher', digits: 1, setLevel: false },
  editAccResize: { label: 'Acc. resize %', better: 'higher', digits: 1, setLevel: false },
  /** The graded form of the same test: % of the changed pixels with the class the after graph gives them. */
  editScore: { label: 'Edit pixels %', better: 'higher', digits: 1, setLevel: false },
};

/** The per-sample edit-accuracy metric of each ShapesEdit edit kind. */
export const EDIT_ACCURACY_BY_KIND = { recolour: 'editAccRecolour', remove: 'editAccRemove', add: 'editAccAdd', move: 'editAccMove', resize: 'editAccResize' } as const satisfies Record<string, EvalMetric>;

/** One column of a table / one score of a sample: a metric in a region. */
export interface MetricColumn {
  metric: EvalMetric;
  region: Region;
}

export const columnKey = (c: MetricColumn): string => `${c.metric}.${c.region}`;

export function parseColumnKey(key: string): MetricColumn | null {
  const [metric, region] = key.split('.');
  if (!(EVAL_METRICS as readonly string[]).includes(metric ?? '') || !(EVAL_REGIONS as readonly string[]).includes(region ?? '')) return null;
  return { metric: metric as EvalMetric, region: region as Region };
}

export function columnLabel(c: MetricColumn): string {
  const base = METRIC_INFO[c.metric].label;
  return c.region === 'full' ? base : `${base} (${c.region})`;
}

/** Every column a preset produces, in the paper's order, full image first, then inside, then outside. */
export function presetColumns(p: EvalPreset): MetricColumn[] {
  const m = p.metrics;
  const out: MetricColumn[] = [];
  for (const region of EVAL_REGIONS) {
    if (m.clipI?.regions.includes(region)) out.push({ metric: 'clipI', region });
    if (m.dino?.regions.includes(region)) out.push({ metric: 'dino', region });
    if (region === 'full' && m.clipT) out.push({ metric: 'clipT', region });
    if (m.lpips?.regions.includes(region)) out.push({ metric: 'lpips', region });
    if (region === 'full' && m.fid) out.push({ metric: 'fid', region });
    if (region === 'full' && m.is) out.push({ metric: 'is', region });
    if (m.pixel?.regions.includes(region)) for (const k of ['psnr', 'l1', 'l2'] as const) if (m.pixel.measures.includes(k)) out.push({ metric: k, region });
    if (region === 'full' && m.editAccuracy) for (const k of ['editAcc', ...Object.values(EDIT_ACCURACY_BY_KIND), 'editScore'] as const) out.push({ metric: k, region });
  }
  return out;
}

/**
 * The preset with every `reference` set to `against` (`ric eval --against`): CLIP-I, DINO, LPIPS,
 * the pixel measures and FID's real set all compare with that image. Renamed `<name>@<against>`
 * when that changes anything, so its numbers are never mistaken for the preset's own.
 */
export function presetAgainst(p: EvalPreset, against: Reference | null | undefined): EvalPreset {
  if (!against) return p;
  const copy = JSON.parse(JSON.stringify(p)) as EvalPreset;
  let changed = false;
  for (const s of Object.values(copy.metrics) as ({ reference?: Reference } | undefined)[]) {
    if (s && 'reference' in s && s.reference !== against) {
      s.reference = against;
      changed = true;
    }
  }
  return changed ? { ...copy, name: `${p.name}@${against}`.slice(0, 64) } : copy;
}

/** JSON with object keys sorted at every level: equal values give equal text (for hashing presets). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How each metric turns images into backbone input, in words (stored with the evaluation, shown beside it). */
export function describeRules(p: EvalPreset): { metric: string; rule: string }[] {
  const rule = (r: { resize: { kind: string; size?: number; height?: number; width?: number }; filter: string; antialias: boolean; centerCrop: { height: number; width: number; rounding: string } | null }) =>
    [
      r.resize.kind === 'shortest_edge' ? `shortest edge → ${r.resize.size}` : `resize to ${r.resize.width}×${r.resize.height}`,
      `${r.filter}${r.antialias ? ' (antialias)' : ''}`,
      r.centerCrop ? `centre crop ${r.centerCrop.width}×${r.centerCrop.height} (${r.centerCrop.rounding})` : 'no crop',
    ].join(', ');
  const m = p.metrics;
  const out: { metric: string; rule: string }[] = [];
  if (m.clipI) out.push({ metric: 'clipI', rule: `${rule(m.clipI.image)}; vs ${m.clipI.reference}` });
  if (m.clipT) out.push({ metric: 'clipT', rule: `${rule(m.clipT.image)}; text: ${m.clipT.text}` });
  if (m.dino) out.push({ metric: 'dino', rule: `${rule(m.dino.image)}; pooling ${m.dino.pooling}; vs ${m.dino.reference}` });
  if (m.lpips) out.push({ metric: 'lpips', rule: `${m.lpips.net}, resize to ${m.lpips.size}² ${m.lpips.filter}${m.lpips.antialias ? ' (antialias)' : ''}, input ${m.lpips.inputRange}; vs ${m.lpips.reference}` });
  if (m.fid) out.push({ metric: 'fid', rule: `${rule(m.fid.image)}; ${m.fid.weights} Inception; real set: ${m.fid.reference}; warn below N = ${m.fid.warnBelow}` });
  if (m.is) out.push({ metric: 'is', rule: `${rule(m.is.image)}; ${m.is.weights} Inception; ${m.is.splits} splits` });
  if (m.editAccuracy) out.push({ metric: 'editAccuracy', rule: `${m.editAccuracy.from}: edited image resized to the source's size (${m.editAccuracy.filter}${m.editAccuracy.antialias ? ', antialias' : ''}), each pixel the nearest palette or background colour; a part of the edit (present / vacated / kept) passes at ≥ ${m.editAccuracy.minFraction} of its pixels agreeing with the after graph` });
  if (m.pixel) out.push({ metric: 'pixel', rule: `edited image resized to the ${m.pixel.reference}'s size (${m.pixel.filter}${m.pixel.antialias ? ', antialias' : ''}); 8-bit values / 255` });
  out.push({ metric: 'regions', rule: `mask ≥ ${p.regionRules.maskThreshold}; inside: tight box, ${p.regionRules.insideResize}; outside: mask painted rgb(${p.regionRules.outsideFill.join(', ')})` });
  return out;
}
