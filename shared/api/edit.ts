// Editing with an InstructPix2Pix-style pipeline folder (issue 14, app half): the `edit` job's
// parameters, its pre-flight (the folder part by part and whether the edit fits the backend's
// memory), starting it, keeping a result into a result set (shared/api/results.ts), and the events
// the Edit view draws live (x̂0 previews, each finished image).
import { z } from 'zod';
import { method } from './contract.js';
import { imageRefSchema, splitSchema } from './datasets.js';
import { methodLabelSchema, resultSetNameSchema } from './results.js';

/** The schedulers an edit may use (short names of the engine's; null/absent: the folder's own). */
export const editSchedulerNames = ['ddim', 'ddpm', 'euler', 'euler_ancestral', 'dpmpp_2m'] as const;
export const editSchedulerSchema = z.enum(editSchedulerNames);
export type EditScheduler = z.infer<typeof editSchedulerSchema>;

/** InstructPix2Pix's defaults (Brooks et al. 2023): 100 steps, s_T 7.5, s_I 1.5. */
export const EDIT_DEFAULTS = { steps: 100, guidanceScale: 7.5, imageGuidanceScale: 1.5, seed: 0 } as const;

const folder = z.string().min(1).max(4096);
const scale = z.number().min(0).max(100);

/** What every edit shares: the pipeline folder and the sampling settings. */
export const editSettingsSchema = z.object({
  /** A diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/). */
  model: folder,
  scheduler: editSchedulerSchema.optional(),
  steps: z.number().int().min(1).max(1000).default(EDIT_DEFAULTS.steps),
  guidanceScale: scale.default(EDIT_DEFAULTS.guidanceScale),
  imageGuidanceScale: scale.default(EDIT_DEFAULTS.imageGuidanceScale),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(EDIT_DEFAULTS.seed),
  /** The longer side of the edited image (pixels; the shorter follows the aspect, both floored to multiples of 8). Default: the model's own. */
  resolution: z.number().int().min(8).max(4096).optional(),
  /** Tensor workers: 'auto' (cores and memory; 1 on a GPU backend) or a number; $RIC_ENGINE_WORKERS when absent. */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).optional(),
});

/** The guidance grid of the InstructPix2Pix paper: every text scale × every image scale. */
export const guidanceGridSchema = z.object({
  text: z.array(scale).min(1).max(5),
  image: z.array(scale).min(1).max(5),
});
export type GuidanceGrid = z.infer<typeof guidanceGridSchema>;

/** `ric edit`: one edited image per sample of a dataset into the result set `name`. */
export const editDatasetParamsSchema = editSettingsSchema
  .extend({
    mode: z.literal('dataset'),
    datasetId: z.number().int().positive(),
    split: splitSchema.optional(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
    name: resultSetNameSchema,
    method: methodLabelSchema.optional(),
  })
  .strict();

/** The Edit view: one source (a sample, or an image file on the engine's machine), one instruction, one image or a grid. */
export const editSingleParamsSchema = editSettingsSchema
  .extend({
    mode: z.literal('single'),
    sampleId: z.number().int().positive().optional(),
    imagePath: z.string().min(1).max(4096).optional(),
    instruction: z.string().trim().min(1).max(2000),
    grid: guidanceGridSchema.optional(),
    /** Decode x̂0 every k steps for the live preview (0: none). */
    previewEvery: z.number().int().min(0).max(1000).default(5),
  })
  .strict()
  .refine((p) => (p.sampleId === undefined) !== (p.imagePath === undefined), { message: 'give exactly one of sampleId and imagePath', path: ['sampleId'] });

export const editParamsSchema = z.union([editDatasetParamsSchema, editSingleParamsSchema]);
export type EditParams = z.output<typeof editParamsSchema>;
export type EditDatasetParams = z.output<typeof editDatasetParamsSchema>;
export type EditSingleParams = z.output<typeof editSingleParamsSchema>;

const bytes = z.number();

/** The memory an edit needs on a layout, and whether it fits. */
export const editMemoryLayoutSchema = z.object({
  /** Weights + activations + the kernels' transient copies held at once (bytes). */
  peak: bytes,
  weights: bytes,
  activations: bytes,
  /** true / false on the wasm heap; null where the backend's limit is the device's (not known here). */
  fits: z.boolean().nullable(),
  summary: z.string(),
});

export const editCheckSchema = z.object({
  folder: z.string(),
  /** Every part: folder present, config readable, weights' headers match (no weights are read). */
  parts: z.array(z.object({ part: z.string(), dir: z.string().nullable(), className: z.string().nullable(), ok: z.boolean(), problem: z.string().nullable() })),
  /** Problems that stop an edit, each naming its file (empty: the folder is usable). */
  problems: z.array(z.string()),
  /** The model's own resolution (UNet sample_size × the VAE's downscale), and the one checked. */
  nativeResolution: z.number().int().nullable(),
  resolution: z.number().int().nullable(),
  /** The backend the check is for; `known` false: the engine has not started, wasm assumed (the strictest). */
  backend: z.object({ name: z.string(), known: z.boolean() }),
  memory: z
    .object({
      resident: editMemoryLayoutSchema,
      /** Text encoder, VAE and UNet each loaded for its stage and freed after: one model at a time (no previews). */
      onDemand: editMemoryLayoutSchema,
      /** What an edit job would use: resident if it fits, else on demand, else none (refused). */
      layout: z.enum(['resident', 'on-demand']).nullable(),
      /** The largest square side (multiple of 64, up to 2048) that fits each layout on this backend; null when none does or there is no limit. */
      largestResident: z.number().int().nullable(),
      largestOnDemand: z.number().int().nullable(),
      /** One line a user reads: what fits and what to do. */
      verdict: z.string(),
    })
    .nullable(),
});
export type EditCheck = z.infer<typeof editCheckSchema>;

/** One finished image of a single (Edit view) job, in the job's result and the edit.output event. */
export const editOutputSchema = z.object({
  index: z.number().int(),
  image: imageRefSchema,
  guidanceScale: z.number(),
  imageGuidanceScale: z.number(),
  seed: z.number().int(),
  seconds: z.number(),
});
export type EditOutput = z.infer<typeof editOutputSchema>;

/** What a single (Edit view) job returns: its outputs, in grid order (text scale major). */
export const editSingleResultSchema = z
  .object({
    mode: z.literal('single'),
    sampleId: z.number().int().nullable(),
    datasetId: z.number().int().nullable(),
    instruction: z.string(),
    steps: z.number().int(),
    scheduler: z.string(),
    resolution: z.number().int(),
    outputs: z.array(editOutputSchema),
    grid: guidanceGridSchema.nullable(),
    configSha256: z.string(),
    backend: z.string(),
    workers: z.number().int(),
    /** The provenance a result set made by keeping these outputs starts from (editProvenanceSchema). */
    provenance: z.record(z.string(), z.unknown()),
  })
  .loose();
export type EditSingleResult = z.infer<typeof editSingleResultSchema>;

/** What a dataset edit job returns. */
export const editDatasetResultSchema = z
  .object({
    mode: z.literal('dataset'),
    resultSetId: z.number().int(),
    name: z.string(),
    total: z.number().int(),
    edited: z.number().int(),
    skipped: z.number().int(),
    errors: z.array(z.object({ sampleId: z.number().int(), externalId: z.string(), reason: z.string() })),
    seconds: z.number(),
    imagesPerSecond: z.number().nullable(),
    backend: z.string(),
    workers: z.number().int(),
    layout: z.enum(['resident', 'on-demand']),
  })
  .loose();
export type EditDatasetResult = z.infer<typeof editDatasetResultSchema>;

export const editMethods = {
  'edit.check': method(
    z.object({ model: folder, resolution: z.number().int().min(8).max(4096).optional() }).strict(),
    editCheckSchema,
    'Check a pipeline folder part by part and whether an edit fits the engine backend\'s memory (nothing heavy is read)',
  ),
  'edit.start': method(
    editParamsSchema,
    z.object({ jobId: z.number().int(), resultSetId: z.number().int().nullable() }),
    'Start an edit job (a dataset into a result set, or one image / a guidance grid for the Edit view) after its pre-flight',
  ),
  'edit.keep': method(
    z
      .object({
        jobId: z.number().int().positive(),
        /** Which output of the job (grid order). */
        index: z.number().int().min(0).max(100),
        name: resultSetNameSchema,
        method: methodLabelSchema.optional(),
        /** Replace the set's image for this sample if it has one. */
        replace: z.boolean().default(false),
      })
      .strict(),
    z.object({ resultSetId: z.number().int(), sampleId: z.number().int(), created: z.boolean(), replaced: z.boolean() }),
    "Keep one output of a finished Edit-view job as its sample's image in a result set (created if new)",
  ),
};

export const editEvents = {
  /** x̂0 of a running edit, decoded every `previewEvery` steps: a PNG data URI at most 256 px a side. */
  'edit.preview': z.object({ jobId: z.number().int(), index: z.number().int(), step: z.number().int(), total: z.number().int(), png: z.string() }),
  /** An image of a single (Edit view) job, stored as it finished. */
  'edit.output': editOutputSchema.extend({ jobId: z.number().int() }),
};
