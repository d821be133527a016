// The tensor workers' edit handlers (parallel/README.md, "Plan for the editor", option 1): a worker
// loads the pipeline folder once and runs whole edits, one per call, reporting each step and the
// x̂0 previews as events; a second call cancels a running edit between its steps.
import { z } from 'zod';
import { handlerSpec, rgbImageSchema } from '../parallel/protocol.js';

/** How a worker loads the pipeline (its cache key). */
export const pipelineSpecSchema = z.object({
  folder: z.string().min(1).max(4096),
  scheduler: z.string().max(100).nullable(),
  layout: z.enum(['resident', 'on-demand']),
});
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;

export const editItemSchema = z.object({
  source: rgbImageSchema,
  prompt: z.string().max(10_000),
  seed: z.number().int().min(0),
  steps: z.number().int().min(1).max(1000),
  guidanceScale: z.number(),
  imageGuidanceScale: z.number(),
  previewEvery: z.number().int().min(0),
});

export const ip2pEditSpec = handlerSpec({
  name: 'ip2p.edit',
  args: z.object({ pipeline: pipelineSpecSchema, item: editItemSchema, token: z.number().int() }),
  result: z.object({ image: rgbImageSchema, seconds: z.number() }),
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('progress'), step: z.number().int(), total: z.number().int() }),
    z.object({ type: z.literal('preview'), step: z.number().int(), total: z.number().int(), image: rgbImageSchema }),
  ]),
});

/** Stops the running edit with this token after its current step (it fails with EditCancelled). */
export const ip2pCancelSpec = handlerSpec({ name: 'ip2p.cancel', args: z.object({ token: z.number().int() }), result: z.object({ found: z.boolean() }) });

/** Frees the worker's loaded pipelines. */
export const ip2pReleaseSpec = handlerSpec({ name: 'ip2p.release', args: z.object({}), result: z.object({ released: z.number().int() }) });
