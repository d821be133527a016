// A run matrix (issue 19): a base config and axes → the list of runs (the cartesian product, the
// last axis varying fastest), and its cost before anything is submitted: training steps per run
// from the trainer's own config and the dataset's size, seconds per step as measured on this
// store's runs of the same kind (the editor's per sample at the same resolution and model, scaled
// by the run's batch: editor-cost.ts), or the matrix's own figure; GPU-hours for the whole.
import type { MatrixPreview, PlannedRun, RunMatrix } from '../../shared/api/index.js';
import type { Store } from '../store/index.js';
import { editorStepSeconds, measuredEditorRuns } from './editor-cost.js';

/** Slurm's default MaxArraySize is 1001 (indices 0..1000); a bigger matrix is refused, not split. */
export const MAX_MATRIX_RUNS = 10_000;

export class MatrixError extends Error {
  override name = 'MatrixError';
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let obj = target;
  for (const part of parts.slice(0, -1)) {
    const next = obj[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) obj[part] = {};
    obj = obj[part] as Record<string, unknown>;
  }
  obj[parts.at(-1)!] = value;
}

function label(key: string, value: unknown, given: string | undefined): string {
  if (given !== undefined) return given;
  return `${key.split('.').at(-1)}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** The runs of a matrix, in array-task order, without their step counts. */
export function expandMatrix(m: RunMatrix): Omit<PlannedRun, 'steps'>[] {
  const total = m.axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_MATRIX_RUNS) throw new MatrixError(`matrix "${m.name}" expands to ${total} runs, more than the ${MAX_MATRIX_RUNS} one submission may hold: split it`);
  const keys = new Set<string>();
  for (const a of m.axes) {
    if (keys.has(a.key)) throw new MatrixError(`matrix "${m.name}": axis "${a.key}" appears twice`);
    keys.add(a.key);
  }
  const runs: Omit<PlannedRun, 'steps'>[] = [];
  for (let index = 0; index < total; index++) {
    const config = structuredClone(m.base);
    let seed = typeof m.base['seed'] === 'number' ? m.base['seed'] : 0;
    const variant: Record<string, string> = {};
    let rest = index;
    // Last axis fastest: index = Σ i_k · Π_{j>k} |axis_j|.
    const picks = m.axes.map(() => 0);
    for (let k = m.axes.length - 1; k >= 0; k--) {
      const n = m.axes[k]!.values.length;
      picks[k] = rest % n;
      rest = Math.floor(rest / n);
    }
    m.axes.forEach((a, k) => {
      const value = a.values[picks[k]!];
      variant[a.key] = label(a.key, value, a.labels?.[picks[k]!]);
      if (a.key === 'seed') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new MatrixError(`matrix "${m.name}": seed values must be non-negative integers (got ${JSON.stringify(value)})`);
        seed = value;
      } else setPath(config, a.key, value);
    });
    delete config['seed'];
    const suffix = Object.values(variant).join(' ');
    runs.push({ index, name: suffix ? `${m.name} ${suffix}` : m.name, seed, config, variant });
  }
  return runs;
}

/** Training steps of one run: Σ over phases of epochs × batches per epoch, capped by max_steps. */
export function stepsOf(config: Record<string, unknown>, trainPairs: number): number | null {
  const maxSteps = typeof config['max_steps'] === 'number' && config['max_steps'] > 0 ? config['max_steps'] : null;
  const phases = config['phases'];
  const batch = typeof config['batch_size'] === 'number' && config['batch_size'] > 0 ? config['batch_size'] : null;
  if (!Array.isArray(phases) || batch === null) return maxSteps;
  let steps = 0;
  for (const p of phases as { epochs?: unknown }[]) steps += (typeof p.epochs === 'number' ? p.epochs : 0) * Math.max(1, Math.floor(trainPairs / batch)); // full batches only (a split smaller than one batch trains whole each step)
  return maxSteps === null ? steps : Math.min(steps, maxSteps);
}

/** Median seconds per step over this store's last 50 runs of a kind (their last step_time_ms), and how many. */
export function measuredStepSeconds(store: Store, family: string): { seconds: number; runs: number } | null {
  const times: number[] = [];
  for (const r of store.runs.list({ kind: family, sort: 'created', order: 'desc', limit: 50 })) {
    const t = store.runs.latestMetrics(r.id).find((m) => m.key === 'step_time_ms');
    if (t && t.value > 0) times.push(t.value / 1000);
  }
  if (times.length === 0) return null;
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/**
 * The preview the user confirms before submitting. `merged` turns a run's overrides into the
 * trainer's full config (preset ⊕ overrides, the trainer's defaults), so steps count as it will.
 */
export function previewMatrix(
  store: Store,
  m: RunMatrix,
  dataset: { id: number; name: string; samples: number },
  merged: (run: Omit<PlannedRun, 'steps'>) => Record<string, unknown>,
  gpusPerRun: number,
): MatrixPreview {
  const family = m.kind.slice('train-'.length);
  const fulls = new Map<number, Record<string, unknown>>();
  const runs: PlannedRun[] = expandMatrix(m).map((r) => {
    const full = merged(r);
    fulls.set(r.index, full);
    const val = typeof full['val_fraction'] === 'number' ? full['val_fraction'] : 0.1;
    // The editor trains a fixed number of optimiser steps (its `steps`); the embedding trainers count epochs.
    const steps = family === 'editor' ? (typeof full['steps'] === 'number' ? full['steps'] : null) : stepsOf(full, Math.max(1, Math.round(dataset.samples * (1 - val))));
    return { ...r, steps };
  });
  // Seconds per step of each run: the matrix's own figure; else, for the editor, its measured runs
  // of the same resolution and model scaled to this run's batch (editor-cost.ts); else the median
  // of the kind's measured runs.
  let perRun: (number | null)[];
  let stepTimeSource: string;
  if (m.secondsPerStep !== undefined) {
    perRun = runs.map(() => m.secondsPerStep!);
    stepTimeSource = 'the matrix (secondsPerStep)';
  } else if (family === 'editor') {
    const measuredRuns = measuredEditorRuns(store);
    const found = runs.map((r) => editorStepSeconds(measuredRuns, fulls.get(r.index)!));
    perRun = found.map((f) => f?.seconds ?? null);
    const used = found.filter((f) => f !== null);
    stepTimeSource =
      used.length === 0
        ? `no editor run at this resolution and model has been measured here${measuredRuns.length ? ` (${measuredRuns.length} at others)` : ''}: train one locally (or set secondsPerStep) for a cost estimate`
        : `median step_time_ms per sample of up to ${Math.max(...used.map((f) => f.runs))} editor run(s) in this store at the same resolution and model, times each run's batch size${used.some((f) => !f.sameRow) ? '; some rows (ablations) were measured only on another row, whose loss terms cost differently' : ''}${used.length < runs.length ? `; ${runs.length - used.length} run(s) have no comparable measurement` : ''} (local runs, or collected from a cluster: check which GPU measured them)`;
  } else {
    const measured = measuredStepSeconds(store, family);
    perRun = runs.map(() => measured?.seconds ?? null);
    stepTimeSource = measured
      ? `median step_time_ms of the last ${measured.runs} ${family} run(s) in this store (local ones, or collected from a cluster: check which GPU measured them)`
      : `no ${family} run has been measured here: train one locally (or set secondsPerStep) for a cost estimate`;
  }
  const knownSeconds = perRun.filter((s): s is number => s !== null);
  // One figure for the dialog: the slowest run's, as hoursPerRun is the longest run's.
  const secondsPerStep = knownSeconds.length ? Math.max(...knownSeconds) : null;
  const hours = runs.map((r, k) => (perRun[k] === null || r.steps === null ? null : (r.steps * perRun[k]!) / 3600));
  const known = hours.filter((h): h is number => h !== null);
  const hoursPerRun = known.length === runs.length && known.length > 0 ? Math.max(...known) : null;
  const gpuHours = known.length === runs.length ? known.reduce((a, b) => a + b, 0) * Math.max(1, gpusPerRun) : null;
  return { name: m.name, kind: m.kind, datasetId: dataset.id, datasetName: dataset.name, runs, secondsPerStep, stepTimeSource, hoursPerRun, gpuHours, gpusPerRun };
}
