// The matrix dialog's form → a run matrix (issue 19): a run's configuration as the base, the chosen
// ablation switches × seeds as axes (ablations first, so a variant's seeds sit next to each other in
// the array), checked with the Api's own matrix schema so the dialog refuses what cluster.preview
// would, each problem by field. And the Slurm states of the jobs panel, in our words.
import { editorAblations, runMatrixSchema, type ClusterTask, type RunMatrix } from '../../../../../shared/api/cluster';
import { plainIssueMessage } from '../../../../../shared/api/wording';

export interface MatrixForm {
  name: string;
  kind: RunMatrix['kind'];
  dataset: string;
  preset: '' | 'tiny';
  /** The base config as JSON text (the run's own config, editable: cluster paths differ from local ones). */
  base: string;
  ablations: string[];
  /** "0, 1, 2" or "0-4". */
  seeds: string;
}

/** "0, 1, 5-7" → [0, 1, 5, 6, 7]; null where the text is not such a list (or holds more than 256). */
export function parseSeeds(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d{1,9})\s*-\s*(\d{1,9})$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a || b - a > 255) return null;
      for (let s = a; s <= b; s++) out.push(s);
    } else if (/^\d{1,9}$/.test(part)) out.push(Number(part));
    else return null;
  }
  const unique = [...new Set(out)];
  return unique.length === 0 || unique.length > 256 ? null : unique;
}

/** A run name → a matrix name the schema takes (letters, digits, spaces, . _ -). */
export function matrixName(runName: string): string {
  return `${runName.replace(/[^A-Za-z0-9._ -]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 70) || 'matrix'} matrix`;
}

/** A run's stored config as the matrix's base: without its seed (the seed axis sets it). */
export function baseOf(config: Record<string, unknown>): string {
  const { seed: _seed, ...rest } = config;
  return JSON.stringify(rest, null, 2);
}

export type MatrixParse = { ok: true; matrix: RunMatrix; runs: number } | { ok: false; problems: Map<string, string> };

export function matrixOf(f: MatrixForm): MatrixParse {
  const problems = new Map<string, string>();
  let base: unknown = {};
  if (f.base.length > 1_000_000) problems.set('base', 'is too long for a configuration (over 1 MB)');
  else if (f.base.trim() !== '') {
    try {
      base = JSON.parse(f.base);
      if (typeof base !== 'object' || base === null || Array.isArray(base)) problems.set('base', 'must be a JSON object of config fields');
    } catch (err) {
      problems.set('base', `is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const seeds = parseSeeds(f.seeds);
  if (!seeds) problems.set('seeds', 'must be seeds like 0, 1, 2 or a range like 0-4 (at most 256)');
  const unknown = f.ablations.filter((a) => !(editorAblations as readonly string[]).includes(a));
  if (unknown.length) problems.set('ablations', `unknown ablation ${unknown.join(', ')}`);
  if (f.kind === 'train-editor' && f.ablations.length === 0) problems.set('ablations', 'tick at least one ablation');
  if (problems.size) return { ok: false, problems };
  const axes = [
    ...(f.kind === 'train-editor' ? [{ key: 'ablation', values: f.ablations, labels: f.ablations }] : []),
    { key: 'seed', values: seeds! },
  ];
  const r = runMatrixSchema.safeParse({ name: f.name.trim(), kind: f.kind, dataset: f.dataset, ...(f.preset ? { preset: f.preset } : {}), base, axes }, { error: plainIssueMessage });
  if (!r.success) {
    for (const i of r.error.issues) if (!problems.has(String(i.path[0] ?? ''))) problems.set(String(i.path[0] ?? ''), i.message);
    return { ok: false, problems };
  }
  return { ok: true, matrix: r.data, runs: r.data.axes.reduce((n, a) => n * a.values.length, 1) };
}

/** Slurm's job states as the runs list and monitor colour them (squeue's long names). */
export function slurmStateClass(state: string): 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' {
  const s = state.toUpperCase().split(/[\s+]/)[0]!;
  if (s === 'PENDING' || s === 'CONFIGURING' || s === 'STAGING' || s === 'REQUEUED' || s === 'RESIZING' || s === 'SUSPENDED') return 'queued';
  if (s === 'RUNNING' || s === 'COMPLETING') return 'running';
  if (s === 'COMPLETED') return 'completed';
  if (s === 'CANCELLED') return 'cancelled';
  if (s === 'PREEMPTED' || s === 'INTERRUPTED') return 'interrupted';
  return 'failed'; // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE
}

/** "2 RUNNING · 1 PENDING · 1 FAILED": a submission's tasks counted by Slurm state, in the array's order of first appearance. */
export function stateCounts(tasks: readonly Pick<ClusterTask, 'state'>[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(' · ');
}
