// Which charts a run gets (grouped from its metric keys), EMA smoothing, config differences, and
// number formatting for the Training view. Pure functions: unit-tested without a browser.

export interface ChartGroup {
  id: string;
  title: string;
  keys: string[];
  /** Loss-like: log axis makes sense. */
  positive: boolean;
}

const GROUPS: { id: string; title: string; match: (k: string) => boolean; positive: boolean }[] = [
  { id: 'loss', title: 'Loss (total and terms)', match: (k) => /(^|_)loss(_|$)/.test(k) && !k.startsWith('val_'), positive: true },
  // Validation loss (≈ ln N) and recall (0–1) on one axis would flatten recall: each gets its own chart.
  { id: 'val-loss', title: 'Validation loss', match: (k) => k === 'val_loss', positive: true },
  { id: 'val', title: 'Validation recall', match: (k) => k.startsWith('val_') && k !== 'val_pairs', positive: false },
  { id: 'lr', title: 'Learning rate', match: (k) => k === 'lr' || k.endsWith('_lr'), positive: true },
  { id: 'grad', title: 'Gradient norm', match: (k) => k.startsWith('grad_norm'), positive: true },
  { id: 'time', title: 'Step time (ms)', match: (k) => k.startsWith('step_time'), positive: true },
  { id: 'throughput', title: 'Throughput (samples/s)', match: (k) => k.endsWith('_per_s'), positive: true },
];
/** Bookkeeping values, not curves to watch. */
const HIDDEN = new Set(['epoch', 'phase', 'val_pairs']);

export function chartGroups(keys: readonly string[]): ChartGroup[] {
  const used = new Set<string>();
  const out: ChartGroup[] = [];
  for (const g of GROUPS) {
    const ks = keys.filter((k) => !used.has(k) && !HIDDEN.has(k) && g.match(k)).sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
    ks.forEach((k) => used.add(k));
    if (ks.length > 0) out.push({ id: g.id, title: g.title, keys: ks, positive: g.positive });
  }
  for (const k of keys) {
    if (used.has(k) || HIDDEN.has(k)) continue;
    out.push({ id: `k:${k}`, title: k, keys: [k], positive: false });
  }
  return out;
}

/** Exponential moving average with weight `alpha` on the past (0 = raw), skipping nulls. */
export function ema(values: readonly (number | null)[], alpha: number): (number | null)[] {
  if (alpha <= 0) return [...values];
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    n++;
    acc = alpha * acc + (1 - alpha) * v;
    // Debiased (as TensorBoard smooths): early points are not pulled toward zero.
    return acc / (1 - alpha ** n);
  });
}

/** Union of several step axes, with each series' values placed on it (null where it has none). */
export function alignSeries(series: readonly { steps: readonly number[]; values: readonly number[] }[]): { x: number[]; ys: (number | null)[][] } {
  const all = new Set<number>();
  for (const s of series) for (const step of s.steps) all.add(step);
  const x = [...all].sort((a, b) => a - b);
  const index = new Map(x.map((step, i) => [step, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(x.length).fill(null);
    s.steps.forEach((step, i) => (y[index.get(step)!] = s.values[i]!));
    return y;
  });
  return { x, ys };
}

export function flatten(config: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(config)) {
    const key = `${prefix}${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [kk, vv] of flatten(v as Record<string, unknown>, `${key}.`)) out.set(kk, vv);
    else out.set(key, JSON.stringify(v));
  }
  return out;
}

/** Config keys whose values differ between runs (a missing key counts as a difference). */
export function configDifferences(configs: readonly Record<string, unknown>[]): { key: string; values: (string | null)[] }[] {
  const flat = configs.map((c) => flatten(c));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  return keys
    .map((key) => ({ key, values: flat.map((f) => f.get(key) ?? null) }))
    .filter((d) => new Set(d.values).size > 1);
}

export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toFixed(4);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
