// Datasets and samples: import, browse, search (issue 3). The renderer's dataset browser and the
// CLI use exactly these methods.
import { z } from 'zod';
import { method } from './contract.js';
import { jobStateSchema, jobSummarySchema } from './jobs.js';

export const datasetFormats = ['humanedit', 'magicbrush', 'folder', 'shapes'] as const;
export const datasetFormatSchema = z.enum(datasetFormats);
export type DatasetFormat = z.infer<typeof datasetFormatSchema>;

export const splitSchema = z.enum(['train', 'val', 'test']);
export type Split = z.infer<typeof splitSchema>;

export const captionStatusSchema = z.enum(['pending', 'approved', 'rejected']);
export type CaptionStatus = z.infer<typeof captionStatusSchema>;

/** Which pixel value marks the edit region in the files being imported. Stored masks are always white = edit. */
export const maskPolaritySchema = z.enum(['white', 'black']);
export type MaskPolarity = z.infer<typeof maskPolaritySchema>;

export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest');

export const imageRefSchema = z.object({
  sha256: sha256Schema,
  width: z.number().int(),
  height: z.number().int(),
  thumbSha256: sha256Schema.nullable(),
});
export type ImageRef = z.infer<typeof imageRefSchema>;

export const boxSchema = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() });
export type Box = z.infer<typeof boxSchema>;

export const datasetSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  format: datasetFormatSchema,
  sourcePath: z.string().nullable(),
  status: z.enum(['importing', 'ready', 'failed']),
  sampleCount: z.number().int(),
  /** Samples the import skipped, with a reason each (datasets.errors with stage 'import'). */
  errorCount: z.number().int(),
  /** Samples a caption job could not describe (stage 'caption'): not import problems. */
  captionErrorCount: z.number().int(),
  /** The state of its newest import job (failed, cancelled, interrupted, ...), null when it has none. */
  importState: jobStateSchema.nullable(),
  createdAt: z.string(),
  options: z.record(z.string(), z.unknown()),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

export const datasetDetailSchema = datasetSummarySchema.extend({
  editTypes: z.array(z.object({ editType: z.string(), count: z.number().int() })),
  splits: z.array(z.object({ split: splitSchema, count: z.number().int() })),
  captionCounts: z.object({
    scene: z.record(captionStatusSchema, z.number().int()),
    region: z.record(captionStatusSchema, z.number().int()),
  }),
  /** Samples whose current scene or region caption has the status (what the browser's filter counts). */
  captionSampleCounts: z.record(captionStatusSchema, z.number().int()),
  maskCount: z.number().int(),
  sessionCount: z.number().int(),
  /** The newest import job of the dataset (its state and, when it failed, why), if any. */
  lastImport: jobSummarySchema.nullable(),
});
export type DatasetDetail = z.infer<typeof datasetDetailSchema>;

export const sampleErrorSchema = z.object({
  stage: z.string(),
  sampleRef: z.string(),
  field: z.string().nullable(),
  reason: z.string(),
  createdAt: z.string(),
});
export type SampleError = z.infer<typeof sampleErrorSchema>;

export const sampleFilterSchema = z
  .object({
    editType: z.string().max(200).optional(),
    split: splitSchema.optional(),
    captionStatus: captionStatusSchema.optional(),
    hasMask: z.boolean().optional(),
    flagged: z.boolean().optional(),
    /** Full-text search over instruction, descriptions and captions (SQLite FTS5 syntax-safe). */
    search: z.string().max(500).optional(),
  })
  .strict();
export type SampleFilter = z.infer<typeof sampleFilterSchema>;

export const sampleSortSchema = z.enum(['id', 'instruction', 'editType', 'relevance']);

export const sampleSummarySchema = z.object({
  id: z.number().int(),
  externalId: z.string(),
  split: splitSchema,
  editType: z.string().nullable(),
  instruction: z.string(),
  sourceThumbSha256: sha256Schema.nullable(),
  targetThumbSha256: sha256Schema.nullable(),
  hasMask: z.boolean(),
  flagged: z.boolean(),
  sessionId: z.string().nullable(),
  turnIndex: z.number().int().nullable(),
});
export type SampleSummary = z.infer<typeof sampleSummarySchema>;

export const captionSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['scene', 'region']),
  version: z.number().int(),
  text: z.string(),
  source: z.enum(['vlm', 'human', 'template']),
  status: captionStatusSchema,
  model: z.string().nullable(),
  createdAt: z.string(),
});
export type Caption = z.infer<typeof captionSchema>;

export const maskSummarySchema = z.object({
  id: z.number().int(),
  version: z.number().int(),
  pngSha256: sha256Schema,
  width: z.number().int(),
  height: z.number().int(),
  area: z.number().int(),
  box: boxSchema.nullable(),
  source: z.enum(['dataset', 'editor', 'import', 'generated']),
  author: z.string(),
  createdAt: z.string(),
});
export type MaskSummary = z.infer<typeof maskSummarySchema>;

export const sampleDetailSchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  externalId: z.string(),
  split: splitSchema,
  editType: z.string().nullable(),
  sessionId: z.string().nullable(),
  turnIndex: z.number().int().nullable(),
  instruction: z.string(),
  regionDescription: z.string().nullable(),
  sceneDescription: z.string().nullable(),
  inputCaption: z.string().nullable(),
  outputCaption: z.string().nullable(),
  source: imageRefSchema,
  target: imageRefSchema.nullable(),
  mask: maskSummarySchema.nullable(),
  captions: z.array(captionSchema),
  flagged: z.boolean(),
  meta: z.record(z.string(), z.unknown()),
  /** Every turn of this sample's multi-turn session, in order (just this sample when single-turn). */
  session: z.array(z.object({ id: z.number().int(), turnIndex: z.number().int().nullable(), targetThumbSha256: sha256Schema.nullable(), instruction: z.string() })),
});
export type SampleDetail = z.infer<typeof sampleDetailSchema>;

export const importOptionsSchema = z
  .object({
    /** Which value marks the edit region in the source masks; default per format (HumanEdit: black). */
    maskPolarity: maskPolaritySchema.optional(),
    /** For RGBA masks: transparency marks the edit (MagicBrush test set). */
    alphaMarksEdit: z.boolean().optional(),
    /** Grey level (0–255, after polarity) at or above which a pixel is edit; default 128. */
    maskThreshold: z.number().int().min(0).max(255).optional(),
  })
  .strict();

/** What an import job reports (its result in `jobs.get`), per-sample problems included. */
export const importReportSchema = z
  .object({
    jobId: z.number().int(),
    datasetId: z.number().int(),
    dataset: z.string(),
    state: z.enum(['completed', 'failed', 'cancelled']),
    imported: z.number().int(),
    skipped: z.number().int(),
    errors: z.array(z.object({ sampleRef: z.string(), field: z.string().nullable(), reason: z.string() })),
    total: z.number().int().nullable(),
    seconds: z.number(),
    error: z.string().optional(),
    /** Set where the stored report keeps only the first errors. */
    errorCount: z.number().int().optional(),
  })
  .loose();
export type ImportReport = z.infer<typeof importReportSchema>;

export const datasetsMethods = {
  'datasets.list': method(z.object({}).strict(), z.array(datasetSummarySchema), 'Every dataset, newest first'),
  'datasets.get': method(z.object({ id: z.number().int() }).strict(), datasetDetailSchema, 'One dataset with its facets'),
  'datasets.resolve': method(
    z.object({ ref: z.string().min(1).max(200) }).strict(),
    datasetSummarySchema,
    'A dataset by name, else by id when the reference is a number (what a command line names)',
  ),
  'datasets.errors': method(
    z
      .object({
        id: z.number().int(),
        limit: z.number().int().min(1).max(10_000).default(1000),
        /** Only the problems of one stage: 'import' (skipped samples) or 'caption' (failed descriptions). */
        stage: z.enum(['import', 'caption']).optional(),
      })
      .strict(),
    z.array(sampleErrorSchema),
    'The per-sample problems its imports (and later jobs) reported',
  ),
  'datasets.rename': method(
    z.object({ id: z.number().int(), name: z.string().trim().min(1).max(200) }).strict(),
    datasetSummarySchema,
    'Give a dataset another name (names are unique)',
  ),
  'datasets.delete': method(
    z
      .object({
        id: z.number().int(),
        /** The dataset's name, typed or shown to the person who confirmed: a stale id deletes nothing. */
        name: z.string().min(1).max(200),
      })
      .strict(),
    z.object({ name: z.string(), samples: z.number().int(), freedBlobs: z.number().int(), removedFiles: z.number().int() }),
    'Delete a dataset with its samples, masks, captions and errors; images no other dataset or run uses are removed',
  ),
  'datasets.retryImport': method(
    z
      .object({
        id: z.number().int(),
        /** Another path for a dataset that has no samples yet (the first import found nothing there). */
        path: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    z.object({ jobId: z.number().int(), datasetId: z.number().int() }),
    'Run a failed, cancelled or interrupted import of a dataset again, into the same dataset',
  ),
  'datasets.import': method(
    z
      .object({
        format: z.enum(['humanedit', 'magicbrush', 'folder']),
        path: z.string().min(1).max(4096),
        name: z.string().min(1).max(200).optional(),
        options: importOptionsSchema.default({}),
      })
      .strict(),
    z.object({ jobId: z.number().int(), datasetId: z.number().int() }),
    'Start importing a dataset from a path on the machine running the engine',
  ),
  'datasets.importShapes': method(
    z
      .object({
        name: z.string().min(1).max(200).optional(),
        count: z.number().int().min(1).max(1_000_000),
        seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
        size: z.number().int().min(16).max(1024).default(64),
      })
      .strict(),
    z.object({ jobId: z.number().int(), datasetId: z.number().int() }),
    'Generate the ShapesEdit demo dataset',
  ),
  'datasets.previewMasks': method(
    z
      .object({
        format: z.enum(['humanedit', 'magicbrush', 'folder']),
        path: z.string().min(1).max(4096),
        options: importOptionsSchema.default({}),
        count: z.number().int().min(1).max(8).default(3),
      })
      .strict(),
    z.array(
      z.object({
        sampleRef: z.string(),
        /** PNG data URIs: the source image, and the mask as it will be stored (white = edit). */
        sourcePng: z.string(),
        maskPng: z.string(),
        editFraction: z.number(),
      }),
    ),
    'What the first masks will look like with these import options (polarity preview)',
  ),
  'datasets.cancelImport': method(
    z.object({ jobId: z.number().int() }).strict(),
    z.object({ jobId: z.number().int(), cancelled: z.boolean() }),
    'Stop a running import after its current batch (a re-run resumes where it stopped)',
  ),
  'samples.query': method(
    z
      .object({
        datasetId: z.number().int(),
        filter: sampleFilterSchema.default({}),
        sort: sampleSortSchema.default('id'),
        order: z.enum(['asc', 'desc']).default('asc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(sampleSummarySchema) }),
    'A window of a dataset\'s samples, filtered, searched and sorted',
  ),
  'samples.get': method(z.object({ id: z.number().int() }).strict(), sampleDetailSchema, 'One sample with images, mask, captions and session'),
  'samples.setFlag': method(
    z.object({ id: z.number().int(), flagged: z.boolean() }).strict(),
    z.object({ id: z.number().int(), flagged: z.boolean() }),
    'Flag or unflag a sample for review',
  ),
  'files.browse': method(
    z.object({ path: z.string().max(4096).optional() }).strict(),
    z.object({
      path: z.string(),
      parent: z.string().nullable(),
      entries: z.array(z.object({ name: z.string(), kind: z.enum(['dir', 'file']), size: z.number().nullable() })),
    }),
    'List a folder on the machine running the engine (web mode import picker)',
  ),
};

export const datasetsEvents = {
  'dataset.changed': z.object({ datasetId: z.number().int() }),
};
