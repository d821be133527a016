// Evaluation on tensor workers (issue 13): every worker loads the preset's backbones, and samples are
// scored on whichever worker is free — `scoreSample` may be called again before the last call ends,
// up to `workers` at once (the evaluate job keeps that many samples in flight). The numbers are the
// in-process evaluator's: the same pure scoreSample on backbones loaded from the same folders.
import fs from 'node:fs';
import path from 'node:path';
import { presetModelKeys, resolvePreset, type EvalPreset } from '../../../shared/metrics/presets.js';
import { planWorkers, type WorkerPlan, type WorkersSetting } from '../parallel/count.js';
import { TensorPool } from '../parallel/pool.js';
import { aggregateScores } from './aggregate.js';
import type { ModelFolders } from './backbones.js';
import type { Evaluator } from './evaluator.js';
import { metricsLoadSpec, metricsReleaseSpec, metricsScoreSpec } from './parallel-protocol.js';
import type { SampleScores } from './score.js';

/** Bytes a worker needs besides its backbones' weights (its JS heap, tfjs, the wasm module, activations). */
const WORKER_OVERHEAD = 600e6;

function folderWeightBytes(dir: string): number {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /\.(safetensors|bin)$/.test(f))
      .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/**
 * How many workers an evaluation gets: the job's own (`setting`), else $RIC_ENGINE_WORKERS, else Settings (`fallback`), else the
 * cores as memory allows — each worker holds every backbone twice (the weights and their transposes,
 * ParamStore.prepareInference) — and never more than the samples to score.
 */
export function planEvaluationWorkers(preset: EvalPreset, folders: ModelFolders, backend: string, samples: number, o: { setting?: WorkersSetting; env?: NodeJS.ProcessEnv; fallback?: WorkersSetting } = {}): WorkerPlan {
  const weights = [...presetModelKeys(preset).keys()].reduce((n, k) => n + (folders[k] ? folderWeightBytes(folders[k]!) : 0), 0);
  const plan = planWorkers(o.setting ?? 'auto', backend, { env: o.env, fallback: o.fallback, memory: { perWorkerBytes: 2 * weights + WORKER_OVERHEAD, sharedBytes: 0 } });
  if (plan.workers > samples) return samples > 1 ? { ...plan, workers: samples, reason: `${plan.reason}; ${samples} samples to score` } : { workers: 1, reason: `${plan.reason}; ${samples} sample to score: in-process`, backend: null };
  return plan;
}

export interface ParallelEvaluator extends Evaluator {
  readonly pool: TensorPool;
}

/**
 * Starts `plan.workers` tensor workers (or uses `given`, left running) with the preset's backbones.
 * dispose() releases them and ends a pool it started.
 */
export async function createParallelEvaluator(preset: string | EvalPreset, modelFolders: ModelFolders, plan: WorkerPlan, given?: TensorPool): Promise<ParallelEvaluator> {
  const p = resolvePreset(preset);
  if (!given && (plan.workers < 2 || !plan.backend)) throw new Error(`a parallel evaluation needs at least 2 workers on a CPU backend (${plan.reason})`);
  const pool = given ?? (await TensorPool.start({ workers: plan.workers, backend: plan.backend! }));
  const folders = Object.fromEntries(Object.entries(modelFolders).map(([k, v]) => [k, v ?? null]));
  let loaded;
  try {
    loaded = await Promise.all(pool.threads.map((_, w) => pool.call(w, metricsLoadSpec, { preset: p as unknown as Record<string, unknown>, folders })));
  } catch (err) {
    if (!given) await pool.dispose();
    else await Promise.allSettled(pool.threads.map((_, w) => pool.call(w, metricsReleaseSpec, {})));
    throw err;
  }
  const kept: SampleScores[] = [];
  // Free workers; a call waits for one when all are busy.
  const free = pool.threads.map((_, w) => w);
  const waiting: ((w: number) => void)[] = [];
  const acquire = () => new Promise<number>((resolve) => (free.length > 0 ? resolve(free.shift()!) : waiting.push(resolve)));
  const releaseWorker = (w: number) => {
    const next = waiting.shift();
    if (next) next(w);
    else free.push(w);
  };
  let disposed = false;
  const warnings = loaded[0]!.warnings;
  return {
    pool,
    preset: p,
    models: loaded[0]!.models,
    warnings,
    backend: pool.backend,
    workers: pool.size,
    async scoreSample(input) {
      if (disposed) throw new Error('evaluator: disposed');
      const w = await acquire();
      let r;
      try {
        r = await pool.call(w, metricsScoreSpec, { input });
      } catch (err) {
        // The worker or the pool failed, not the sample: the evaluation cannot go on.
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { fatal: true });
      } finally {
        releaseWorker(w);
      }
      if (!r.ok) throw new Error(r.message);
      return r.scores as SampleScores;
    },
    accumulate(scores) {
      kept.push(scores);
    },
    aggregate() {
      const a = aggregateScores(p, kept);
      return { ...a, warnings: [...warnings, ...a.warnings] };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (given) await Promise.allSettled(pool.threads.map((_, w) => pool.call(w, metricsReleaseSpec, {})));
      else await pool.dispose();
    },
  };
}
