// The editor trainer's calls to its tensor workers (parallel.ts → parallel-worker.ts) and the shared
// memory they agree on. Eq. 10 is a mean of per-sample terms — no loss couples two samples — so a
// worker needs nothing from the others during a step: it takes its share of the batch (the drawn
// samples' decoded images, masks, texts, draws and noise), back-propagates its micro-batches and sums
// their gradients into its own region of one SharedArrayBuffer. The engine's thread sums the regions
// and takes the one optimiser step; the UNet's weights live in a shared buffer every worker reads.
import { z } from 'zod';
import { float32Array, handlerSpec, rgbImageSchema, uint8Array } from '../../parallel/protocol.js';
import { editorTrainingSchema } from './config.js';

const MAX_PARAMS = 100_000;

export const grayImageSchema = z
  .object({ width: z.number().int().min(1).max(16384), height: z.number().int().min(1).max(16384), data: uint8Array })
  .refine((m) => m.data.length === m.width * m.height, 'mask data length is not width × height');

const sampleDrawSchema = z.object({
  cropY: z.number().min(0).max(1),
  cropX: z.number().min(0).max(1),
  flip: z.boolean(),
  timestep: z.number().int().nonnegative(),
  dropText: z.boolean(),
  dropImage: z.boolean(),
});

/** One drawn sample of a step with everything the worker needs to build its tensors. */
export const workerSampleSchema = z.object({
  id: z.string().max(1000),
  source: rgbImageSchema,
  target: rgbImageSchema,
  mask: grayImageSchema,
  instruction: z.string().max(100_000),
  regionText: z.string().max(100_000),
  sceneText: z.string().max(100_000),
  draw: sampleDrawSchema,
});
export type WorkerSample = z.infer<typeof workerSampleSchema>;

/** The UNet's parameters in one shared buffer (float offsets), by their checkpoint names. */
export const sharedUnetSchema = z
  .object({
    params: z.array(z.object({ name: z.string().min(1).max(512), shape: z.array(z.number().int().nonnegative()).max(8), offset: z.number().int().nonnegative() })).max(MAX_PARAMS),
    floats: z.number().int().nonnegative(),
    weights: z.instanceof(SharedArrayBuffer),
    /** N gradient regions of `floats` each: worker w sums its micro-batches' gradients into region w. */
    grads: z.instanceof(SharedArrayBuffer),
    /** Int32 [N × params]: 1 where worker w wrote parameter p's gradient this step. */
    flags: z.instanceof(SharedArrayBuffer),
  })
  .refine((u) => u.weights.byteLength >= u.floats * 4, 'the weights buffer is smaller than its floats')
  .refine((u) => u.params.every((p) => p.offset + p.shape.reduce((a, b) => a * b, 1) <= u.floats), 'a parameter runs past the shared buffer');

export const editorLoadSpec = handlerSpec({
  name: 'editor.load',
  args: z.object({
    config: editorTrainingSchema,
    pipelineDir: z.string().min(1).max(4096),
    resumeUnet: z.string().min(1).max(4096).nullable(),
    checkpointing: z.boolean(),
    unet: sharedUnetSchema,
    index: z.number().int().nonnegative(),
    workers: z.number().int().positive(),
  }),
  result: z.object({ params: z.number().int() }),
});

/** This worker's contiguous share of a step's batch: its micro-batches' gradients into its region. */
export const editorGradsSpec = handlerSpec({
  name: 'editor.grads',
  args: z.object({
    /** The weights version (bumped after every optimiser step): the worker refreshes its UNet when it differs. */
    version: z.number().int().nonnegative(),
    samples: z.array(workerSampleSchema).min(1).max(4096),
    /** ε and the target posterior's ε of these samples, [n·c·h·w] each */
    noise: float32Array,
    posteriorNoise: float32Array,
    micro: z.number().int().positive(),
    /** The whole batch's size: each sample's terms are divided by it (Eq. 10's mean). */
    normalizer: z.number().int().positive(),
  }),
  result: z.object({
    /** Σ over this worker's micro-batches of the differentiated total */
    total: z.number(),
    /** per-sample L_denoise, and L_region / L_global of the samples that count (in sample order) */
    denoise: z.array(z.number()).max(4096),
    region: z.array(z.number()).max(4096),
    global: z.array(z.number()).max(4096),
    boxless: z.number().int().nonnegative(),
    /** the worker thread's CPU time for the call (null where unknown): its work without the waits */
    cpuMs: z.number().nonnegative().nullable(),
  }),
});

export const editorUnloadSpec = handlerSpec({ name: 'editor.unload', args: z.object({}), result: z.object({ unloaded: z.boolean() }) });
