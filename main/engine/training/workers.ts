// A training run's tensor workers: how many (planTrainingWorkers, which the engine host calls before the
// trainer starts so the run records it), and the pool and replicas around the contrastive loop.
import fs from 'node:fs';
import path from 'node:path';
import { applyConfigDefaults, resolveConfigObject } from '../models/registry.js';
import { CLIP_DEFAULTS, clipParamShapes, parseClipConfig } from '../models/clip/index.js';
import { gatedFusionParamShapes, parseGatedFusionConfig } from '../models/fusion/config.js';
import { planWorkers, WORKERS_ENV, type WorkerPlan, type WorkersSetting } from '../parallel/count.js';
import { DataParallel } from '../parallel/data-parallel.js';
import { TensorPool } from '../parallel/pool.js';
import type { ContrastiveTask } from './contrastive.js';
import type { ParallelTask } from './devices.js';
import { TAPE_BUDGET_BYTES } from './memory.js';

type Family = 'regionclip' | 'blip';

interface FamilyConfig {
  workers: WorkersSetting;
  batch_size: number;
  base_model: string | null;
  tiny_clip?: Record<string, unknown> | null;
  tiny_blip?: Record<string, unknown> | null;
  fusion?: Record<string, unknown>;
}

/** A tiny preset's config before its tokenizer exists (vocab_size 0 until the run writes it). */
function withVocab(raw: Record<string, unknown>): Record<string, unknown> {
  const text = (raw.text_config ?? {}) as Record<string, unknown>;
  return { ...raw, text_config: { ...text, vocab_size: Math.max(1, Number(text.vocab_size ?? 1)) } };
}

const sum = (shapes: Map<string, number[]>) => [...shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);

function folderParams(dir: string): number {
  const file = path.join(dir, 'config.json');
  const r = resolveConfigObject(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>, file);
  return sum(r.family.paramShapes(r.config));
}

/** Parameters the run's models will have, from their config.json alone (no weights read); 0 if unknown. */
export function trainingParamCount(family: Family, c: FamilyConfig, resumeFrom: string | null): number {
  try {
    if (family === 'blip') {
      if (resumeFrom || c.base_model) return folderParams(resumeFrom ?? c.base_model!);
      if (!c.tiny_blip) return 0;
      const r = resolveConfigObject({ model_type: 'blip', ...withVocab(c.tiny_blip) }, 'tiny BLIP');
      return sum(r.family.paramShapes(r.config));
    }
    if (resumeFrom) return folderParams(path.join(resumeFrom, 'clip')) + folderParams(path.join(resumeFrom, 'fusion'));
    const raw = c.base_model ? (JSON.parse(fs.readFileSync(path.join(c.base_model, 'config.json'), 'utf8')) as Record<string, unknown>) : c.tiny_clip ? withVocab(c.tiny_clip) : null;
    if (!raw) return 0;
    const clip = parseClipConfig(applyConfigDefaults(raw, CLIP_DEFAULTS), 'CLIP config');
    const width = clip.vision_config.hidden_size;
    const fusion = parseGatedFusionConfig({ ...(c.fusion ?? {}), input_dim: width, hidden_dim: width, projection_dim: clip.projection_dim });
    return sum(clipParamShapes(clip)) + sum(gatedFusionParamShapes(fusion));
  } catch {
    return 0;
  }
}

/**
 * How many tensor workers a run gets on `backend`. Memory for `auto`: each worker holds its replica's
 * weights, its gradient region and one micro-batch's gradients (3 × 4 bytes a parameter) and a tape
 * (the trainers size micro-batches to TAPE_BUDGET_BYTES); once per run: this thread's weights, the
 * shared weights and AdamW's two moments (4 × 4 bytes a parameter).
 */
export function planTrainingWorkers(family: Family, c: FamilyConfig, backend: string, resumeFrom: string | null, env: NodeJS.ProcessEnv = process.env, fallback?: WorkersSetting): WorkerPlan {
  const params = trainingParamCount(family, c, resumeFrom);
  const memory = params > 0 ? { perWorkerBytes: 12 * params + TAPE_BUDGET_BYTES, sharedBytes: 16 * params } : undefined;
  const plan = planWorkers(c.workers, backend, { env, memory, fallback });
  // `auto` never starts workers that no micro-batch would reach (a batch gives each at most one pair).
  if (c.workers === 'auto' && plan.workers > c.batch_size) return { ...plan, workers: c.batch_size, reason: `${plan.reason}, at most the batch size ${c.batch_size}` };
  return plan;
}

/**
 * Runs `loop` with the task's replica on `plan.workers` tensor workers (or on this thread when 1), and
 * frees them after. A given `pool` is used and left running (its owner disposes it).
 */
export async function withTrainingWorkers<P, T>(
  task: ContrastiveTask<P> & ParallelTask<P>,
  plan: WorkerPlan,
  options: { pool?: TensorPool; onLog?: (level: 'info' | 'warn', message: string) => void },
  loop: (parallel: DataParallel<P> | null) => Promise<T>,
): Promise<T> {
  const given = options.pool ?? null;
  if (!given && (plan.workers <= 1 || !plan.backend)) {
    options.onLog?.('info', `tensor workers: none, the trainer runs in-process (${plan.reason})`);
    return loop(null);
  }
  const started = performance.now();
  let pool: TensorPool;
  try {
    pool = given ?? (await TensorPool.start({ workers: plan.workers, backend: plan.backend! }));
  } catch (err) {
    throw new Error(`${(err as Error).message} — to train without tensor workers set the config's "workers" to 1 or ${WORKERS_ENV}=1`);
  }
  let dp: DataParallel<P> | null = null;
  try {
    dp = await DataParallel.start(pool, task);
    options.onLog?.('info', `tensor workers: ${pool.size} on ${pool.backend} (${given ? 'given pool' : plan.reason}), replicas loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; each batch is split over them, one optimiser step`);
    return await loop(dp);
  } finally {
    await dp?.dispose();
    if (!given) await pool.dispose();
  }
}
