// The evaluation's calls to its tensor workers (parallel.ts → parallel-worker.ts): each worker loads
// the preset's backbones once (`metrics.load`), then scores one sample per call (`metrics.score`) —
// scoreSample is a pure function of the backbones, the preset and the sample, so which worker scores a
// sample never changes its numbers. A sample that cannot be scored comes back as `{ ok: false }` with
// the message (the job stores it as that sample's error and goes on), not as a failed call.
import { z } from 'zod';
import { float32Array, handlerSpec, rgbImageSchema, uint8Array } from '../parallel/protocol.js';

const MAX_TEXT = 100_000;

const maskSchema = z
  .object({ width: z.number().int().min(1).max(16384), height: z.number().int().min(1).max(16384), data: uint8Array })
  .refine((m) => m.data.length === m.width * m.height, 'mask data length is not width × height');

export const sampleInputSchema = z.object({
  id: z.string().max(1000),
  edited: rgbImageSchema,
  source: rgbImageSchema,
  target: rgbImageSchema.nullable().optional(),
  mask: maskSchema.nullable().optional(),
  targetText: z.string().max(MAX_TEXT).nullable().optional(),
  instruction: z.string().max(MAX_TEXT).nullable().optional(),
  fidReferenceFeatures: float32Array.nullable().optional(),
});

const regionScores = z.object({ full: z.number().nullable(), inside: z.number().nullable(), outside: z.number().nullable() }).partial().strict();

export const sampleScoresSchema = z
  .object({
    clipI: regionScores.optional(),
    clipT: z.number().optional(),
    dino: regionScores.optional(),
    lpips: regionScores.optional(),
    pixel: z.object({ l1: regionScores, l2: regionScores, psnr: regionScores }).partial().strict().optional(),
    features: z.object({ fidGenerated: float32Array, fidReference: float32Array, isLogits: float32Array }).partial().strict().optional(),
    notes: z.array(z.string().max(MAX_TEXT)).max(1000),
  })
  .strict();

const foldersSchema = z.record(z.string().max(64), z.string().max(4096).nullable().optional());

export const metricsLoadSpec = handlerSpec({
  name: 'metrics.load',
  args: z.object({ preset: z.record(z.string(), z.unknown()), folders: foldersSchema }),
  result: z.object({
    models: z.array(z.object({ key: z.string().max(64), dir: z.string().max(4096), metrics: z.array(z.string().max(64)).max(64) })).max(64),
    warnings: z.array(z.string().max(MAX_TEXT)).max(1000),
  }),
});

export const metricsScoreSpec = handlerSpec({
  name: 'metrics.score',
  args: z.object({ input: sampleInputSchema }),
  result: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), scores: sampleScoresSchema }), z.object({ ok: z.literal(false), message: z.string().max(MAX_TEXT) })]),
});

export const metricsReleaseSpec = handlerSpec({ name: 'metrics.release', args: z.object({}), result: z.object({ released: z.boolean() }) });
