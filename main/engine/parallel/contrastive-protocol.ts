// The data-parallel trainer's calls (data-parallel.ts → contrastive-worker.ts) and the shared-memory
// layout they agree on. Per phase, the optimised parameters are laid out as entries: each has its
// weights in its model's shared buffer (or, for the learned temperature, in `extra`) and a slot at
// `g` in every worker's gradient region, in the two moment arrays and in the flags.
import { z } from 'zod';
import { phaseSchema } from '../training/config.js';
import { replicaSpecSchema } from '../training/devices.js';
import { float32Array, handlerSpec } from './protocol.js';

export const entrySchema = z.object({
  /** Checkpoint key ("fusion/gate.weight", "temperature/logit_scale"). */
  key: z.string().min(1).max(600),
  shape: z.array(z.number().int().nonnegative()).max(8),
  /** Where the weights are: a shared model by name and the float offset there, or `extra` (model null). */
  w: z.object({ model: z.string().max(64).nullable(), offset: z.number().int().nonnegative() }),
  /** Float offset of this entry in a gradient region and in each moment array. */
  g: z.number().int().nonnegative(),
});
export type Entry = z.infer<typeof entrySchema>;

export const phaseBuffersSchema = z.object({
  /** N gradient regions of `floats` each: worker w sums its micro-batches' gradients into region w. */
  grads: z.instanceof(SharedArrayBuffer),
  /** AdamW's exp_avg then exp_avg_sq, `floats` each. */
  moments: z.instanceof(SharedArrayBuffer),
  /** Int32 [N × entries]: 1 where worker w wrote entry e this step. */
  flags: z.instanceof(SharedArrayBuffer),
  /** Uint8 [entries]: 1 once an entry was updated (its moments exist, as HostAdamW creates them lazily). */
  seen: z.instanceof(SharedArrayBuffer),
  /** Int32 [N]: the forward's barrier — 0 wait, 1 go (∂L/∂embeddings are in the mailbox), 2 abort. */
  control: z.instanceof(SharedArrayBuffer),
  /** Float32 weights that belong to no model (the learned temperature's log-scale). */
  extra: z.instanceof(SharedArrayBuffer),
});

export const BARRIER = { wait: 0, go: 1, abort: 2 } as const;

export const loadSpec = handlerSpec({ name: 'contrastive.load', args: z.object({ replica: replicaSpecSchema }), result: z.object({ params: z.number().int() }) });

export const phaseSpec = handlerSpec({
  name: 'contrastive.phase',
  args: z.object({
    phase: phaseSchema,
    /** The weights version the worker must hold before switching (so the last step of a phase is not lost). */
    version: z.number().int().nonnegative(),
    entries: z.array(entrySchema).max(100_000),
    floats: z.number().int().nonnegative(),
    /** The entries [from, to) this worker reduces and updates. */
    partition: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
    /** This worker's index (its gradient region and barrier slot) and the number of workers. */
    index: z.number().int().nonnegative(),
    workers: z.number().int().positive(),
    buffers: phaseBuffersSchema,
  }),
  result: z.object({ trainable: z.number().int() }),
});

/** Stages (1) and (3) of gradient caching for this worker's micro-batches; the event hands over the embeddings. */
export const forwardSpec = handlerSpec({
  name: 'contrastive.forward',
  args: z.object({ version: z.number().int().nonnegative(), chunks: z.array(z.unknown()).min(1).max(65_536) }),
  /** `cpuMs`: the worker thread's CPU time for the call (null where unknown) — its work without the waits. */
  result: z.object({ micro: z.number().int(), cpuMs: z.number().nonnegative().nullable(), cpuParts: z.record(z.string().max(40), z.number()).nullable() }),
  /** Rows of this worker's image embeddings [rows, dz] then text embeddings [rows, dt]; ∂L/∂ of each go back in the same places. */
  event: z
    .object({ mailbox: z.instanceof(SharedArrayBuffer), rows: z.number().int().positive(), dz: z.number().int().positive(), dt: z.number().int().positive() })
    .refine((e) => e.mailbox.byteLength >= e.rows * (e.dz + e.dt) * 4, 'mailbox smaller than its embeddings'),
});

export const reduceSpec = handlerSpec({ name: 'contrastive.reduce', args: z.object({}), result: z.object({ sumOfSquares: z.number(), entries: z.number().int() }) });

export const updateSpec = handlerSpec({
  name: 'contrastive.update',
  args: z.object({
    step: z.number().int().positive(),
    lr: z.number(),
    /** Global-norm clipping factor (1: none). */
    factor: z.number(),
    adamW: z.object({ lr: z.number(), beta1: z.number(), beta2: z.number(), eps: z.number(), weightDecay: z.number() }),
  }),
  result: z.object({ updated: z.number().int() }),
});

/** Evaluation: one chunk's embeddings, no tape. */
export const embedSpec = handlerSpec({
  name: 'contrastive.embed',
  args: z.object({ version: z.number().int().nonnegative(), inputs: z.unknown() }),
  result: z
    .object({ z: float32Array, t: float32Array, rows: z.number().int().positive(), dz: z.number().int().positive(), dt: z.number().int().positive() })
    .refine((r) => r.z.length === r.rows * r.dz && r.t.length === r.rows * r.dt, 'embedding sizes do not match rows × dims'),
});

export const unloadSpec = handlerSpec({ name: 'contrastive.unload', args: z.object({}), result: z.object({ unloaded: z.boolean() }) });
