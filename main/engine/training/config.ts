// The embedding trainers' configs. The parsed config is what a run stores (runs.config) and exactly
// what rebuilds the trainer; the defaults are the paper's settings (Sec. 3.2.1, 4) where it gives
// them, and stated choices where it is silent.
import { z } from 'zod';

const positive = z.number().positive();
const count = z.number().int().positive();

export const temperatureSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), tau: positive }),
  z.object({ kind: z.literal('learned'), init_tau: positive, max_scale: positive.default(100) }),
]);

/** Everything the contrastive loop needs (shared by both trainers). */
export const contrastiveTrainingSchema = z.object({
  seed: z.number().int().nonnegative().default(0),
  /** The optimiser's batch: the contrastive loss (Eq. 11) sees all of it. */
  batch_size: count,
  /**
   * Forward/backward chunk; gradients are accumulated exactly to `batch_size` (see contrastive.ts).
   * Default: the trainer's choice per phase (the whole batch on cached features; while CLIP/BLIP train,
   * as many pairs as keep the gradient tape near 1.4 GB — one pair at ViT-B size).
   */
  micro_batch_size: count.optional(),
  weight_decay: z.number().nonnegative().default(0.01),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  eps: positive.default(1e-8),
  /** Global-norm clipping (≤ 0 disables). */
  max_grad_norm: z.number().default(1.0),
  /** Linear warmup over this fraction of each phase's steps, then cosine down to lr·min_lr_ratio. */
  warmup_ratio: z.number().min(0).max(1).default(0.05),
  min_lr_ratio: z.number().min(0).max(1).default(0),
  /** τ of Eq. 11: CLIP's and BLIP's own initial value, learned (and recorded as `tau`). */
  temperature: temperatureSchema.default({ kind: 'learned', init_tau: 0.07, max_scale: 100 }),
  /** When the dataset has no validation split, this fraction of pairs is held out (seeded). */
  val_fraction: z.number().min(0).max(0.9).default(0.1),
  eval_every_epochs: count.default(1),
  checkpoint_every_epochs: count.default(1),
  /** Also checkpoint every N optimiser steps (0 = only at epoch ends). */
  checkpoint_every_steps: z.number().int().nonnegative().default(0),
  /** Keep the newest N checkpoints (0 = all). */
  keep_checkpoints: z.number().int().nonnegative().default(2),
  /** Stop after this many optimiser steps in all (0 = no cap): for smoke runs and benchmarks. */
  max_steps: z.number().int().nonnegative().default(0),
  /** Batch size of the validation pass. */
  eval_batch_size: count.default(64),
  /**
   * Recompute each encoder layer's forward in the backward instead of keeping its tape
   * (layers/checkpoint.ts): identical gradients, one more forward, a fraction of the memory. `auto`:
   * on with the wasm backend (its 4 GiB heap cannot hold a ViT-B/16 tape), off elsewhere.
   */
  gradient_checkpointing: z.enum(['auto', 'on', 'off']).default('auto'),
  /**
   * Where AdamW's moments and the gradient sum over micro-batches live (host-optim.ts). `host`: plain
   * Float32Arrays in the Node process, each micro-batch's gradients read back and disposed at once, the
   * update computed in JS — the device holds weights + one micro-batch's gradients (BLIP-base on wasm
   * needs it: weights + moments + two gradient sets exceed 4 GiB). `device`: tensors on the backend
   * (faster on a GPU). `auto`: host with the wasm backend, device elsewhere.
   */
  optimizer_state: z.enum(['auto', 'device', 'host']).default('auto'),
  /**
   * Tensor workers for data-parallel training (parallel/README.md): each batch's micro-batches run on
   * this many worker threads with a wasm backend each, gradients summed in shared memory, one optimiser
   * step — the same numbers as one thread. `auto`: $RIC_ENGINE_WORKERS if set, else the cores, as many
   * as memory holds; always 1 (in-process) on a GPU backend. Does not change what is trained.
   */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default('auto'),
});

/** Whether `setting` turns checkpointing on for `backend` (tf.getBackend()). */
export function checkpointingFor(setting: 'auto' | 'on' | 'off', backend: string): boolean {
  return setting === 'on' || (setting === 'auto' && backend === 'wasm');
}

/** Whether `setting` keeps the optimiser state on the host for `backend` (tf.getBackend()). */
export function optimizerStateFor(setting: 'auto' | 'device' | 'host', backend: string): 'device' | 'host' {
  return setting === 'host' || (setting === 'auto' && backend === 'wasm') ? 'host' : 'device';
}

export const phaseSchema = z.object({
  name: z.string().min(1),
  epochs: z.number().int().nonnegative(),
  lr: positive,
});

export type TemperatureSetting = z.output<typeof temperatureSchema>;
export type ContrastiveTrainingConfig = z.output<typeof contrastiveTrainingSchema>;
export type PhaseConfig = z.output<typeof phaseSchema>;

/** Parses with a message that names the config file and the field. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') || '(root)'}": ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
