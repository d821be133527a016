// Result sets (issue 14): the edited images of one method on one dataset, kept with their provenance
// so that evaluation and the Compare view (issue 16) can put methods side by side.
//
// THE MODEL (what an evaluator builds on):
// - A result set belongs to ONE dataset and holds AT MOST ONE edited image per sample of it, keyed by
//   the sample's id (`samples.id`; `externalId` is the sample's id in its source dataset). Its `name`
//   is unique within the dataset; `method` is the label a comparison shows as the column header
//   ("InstructPix2Pix", "MagicBrush", "ZONE", "ours", "w/o global loss", ...).
// - `origin` says where the images came from: 'edit' — made by this workstation's `edit` job (or kept
//   from the Edit view) with an InstructPix2Pix-style pipeline folder; 'import' — outputs of a method
//   run elsewhere (ZONE, CDS, DDPM inversion), imported from a folder and matched to samples by file
//   name as the mask import matches (`ric import results`).
// - `provenance` is the full record of how the images were made: for 'edit' an EditProvenance
//   (model folder, the sha256 of its config files, scheduler, steps, both guidance scales, seed and
//   the per-sample seed rule, resolution, backend, tensor workers, code version); for 'import' an
//   ImportProvenance (folder, counts). `runId` / `checkpointId` name the editor training run and
//   checkpoint the model folder came from, when it did (issue 15), else null.
// - Each image row has `status` 'done' (with `image`: a PNG in the blob store, with a thumbnail; its
//   size may differ from the sample's — an evaluator resizes as its metric needs) or 'error' (with
//   `error`: why that sample has no image — unreadable source, wrong mode, unreadable imported file).
//   `seconds` is the wall time of that one edit (null for imports), `seed` the seed it was edited with.
//   `params` holds per-image settings that differ from the set's provenance (a result kept from the
//   Edit view with its own instruction or guidance scales), else {}.
// - `status` of the set: 'running' while a job fills it; 'complete' once every sample the job set out
//   to edit has a row (done or error); 'incomplete' when the job stopped early (cancelled, killed) —
//   running the same edit again (same name, same settings) fills in only the missing samples.
// - Deleting a set deletes its rows; deleting a dataset deletes its sets (foreign keys cascade).
import { z } from 'zod';
import { method } from './contract.js';
import { imageRefSchema, splitSchema } from './datasets.js';

export const resultOriginSchema = z.enum(['edit', 'import']);
export type ResultOrigin = z.infer<typeof resultOriginSchema>;

export const resultSetStatusSchema = z.enum(['running', 'complete', 'incomplete']);
export type ResultSetStatus = z.infer<typeof resultSetStatusSchema>;

export const resultImageStatusSchema = z.enum(['done', 'error']);
export type ResultImageStatus = z.infer<typeof resultImageStatusSchema>;

/** A result set's name: what a command line and the Compare view name it by. */
export const resultSetNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => !/[\x00-\x1f\x7f]/.test(s), 'must not contain control characters');

/** The method label shown in comparisons. */
export const methodLabelSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !/[\x00-\x1f\x7f]/.test(s), 'must not contain control characters');

/** How an 'edit' result set's images were made (everything needed to make them again). */
export const editProvenanceSchema = z.object({
  kind: z.literal('edit'),
  /** The pipeline folder as given (absolute). */
  modelFolder: z.string(),
  /** sha256 over the folder's config files (configFiles, in order: relative path, NUL, bytes, NUL). */
  configSha256: z.string(),
  configFiles: z.array(z.string()),
  /** Weight files seen when the set was made (relative path, bytes): two checkpoints of one architecture share their configs. */
  weightFiles: z.array(z.object({ file: z.string(), bytes: z.number() })),
  /** The diffusers scheduler class used, and the short name asked for (null: the folder's own). */
  scheduler: z.string(),
  schedulerName: z.string().nullable(),
  steps: z.number().int(),
  /** s_T and s_I of the dual classifier-free guidance. */
  guidanceScale: z.number(),
  imageGuidanceScale: z.number(),
  /** The job's seed; each image's own seed is in its row (seedRule says how it was derived). */
  seed: z.number().int(),
  seedRule: z.string(),
  /** The longer side of the edited image in pixels (the shorter scaled to match, both floored to a multiple of 8). */
  resolution: z.number().int(),
  /** Which text each sample is edited with: 'sample' — its own instruction; 'given' — the Edit view's text, in each image's params.instruction. */
  instruction: z.enum(['sample', 'given']),
  split: splitSchema.nullable(),
  limit: z.number().int().nullable(),
  /** The tensor backend, how many tensor workers, and the stage layout (on demand: one model at a time). */
  backend: z.string(),
  workers: z.number().int(),
  layout: z.enum(['resident', 'on-demand']),
  codeVersion: z.string(),
});
export type EditProvenance = z.infer<typeof editProvenanceSchema>;

/** How an 'import' result set's images arrived. */
export const importProvenanceSchema = z.object({
  kind: z.literal('import'),
  folder: z.string(),
  files: z.number().int(),
  matched: z.number().int(),
  unmatched: z.number().int(),
  unreadable: z.number().int(),
  codeVersion: z.string(),
});
export type ImportProvenance = z.infer<typeof importProvenanceSchema>;

export const resultSetSummarySchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  name: z.string(),
  method: z.string(),
  origin: resultOriginSchema,
  status: resultSetStatusSchema,
  /** The job that made (or last filled) it, the editor run and checkpoint its model came from. */
  jobId: z.number().int().nullable(),
  runId: z.number().int().nullable(),
  checkpointId: z.number().int().nullable(),
  /** Edits: the pipeline folder and its config hash (also in the provenance). */
  modelFolder: z.string().nullable(),
  configSha256: z.string().nullable(),
  /** Image rows done and failed, and how many samples the job set out to fill (null: not known). */
  done: z.number().int(),
  errors: z.number().int(),
  expected: z.number().int().nullable(),
  /** Mean seconds per edited image (null for imports). */
  secondsPerImage: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ResultSetSummary = z.infer<typeof resultSetSummarySchema>;

export const resultSetDetailSchema = resultSetSummarySchema.extend({
  /** EditProvenance or ImportProvenance (by `kind`); kept as stored. */
  provenance: z.record(z.string(), z.unknown()),
});
export type ResultSetDetail = z.infer<typeof resultSetDetailSchema>;

export const resultImageSchema = z.object({
  resultSetId: z.number().int(),
  sampleId: z.number().int(),
  externalId: z.string(),
  status: resultImageStatusSchema,
  image: imageRefSchema.nullable(),
  /** Bytes of the stored PNG (or imported file). */
  size: z.number().int().nullable(),
  seconds: z.number().nullable(),
  seed: z.number().int().nullable(),
  error: z.string().nullable(),
  /** Imports: the file it came from, relative to the imported folder. */
  sourceFile: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
});
export type ResultImage = z.infer<typeof resultImageSchema>;

/** What `ric import results` reports (the import job's result). */
export const resultsImportReportSchema = z
  .object({
    jobId: z.number().int(),
    resultSetId: z.number().int(),
    name: z.string(),
    datasetId: z.number().int(),
    state: z.enum(['completed', 'cancelled']),
    files: z.number().int(),
    imported: z.number().int(),
    unchanged: z.number().int(),
    /** Files that match no sample (relative paths). */
    unmatched: z.array(z.string()),
    /** Files that matched a sample but could not be used, each with the reason. */
    errors: z.array(z.object({ file: z.string(), externalId: z.string().nullable(), reason: z.string() })),
    seconds: z.number(),
  })
  .loose();
export type ResultsImportReport = z.infer<typeof resultsImportReportSchema>;

const id = z.number().int().positive();

export const resultsMethods = {
  'results.list': method(z.object({ datasetId: id }).strict(), z.array(resultSetSummarySchema), "A dataset's result sets, newest first"),
  'results.get': method(z.object({ id }).strict(), resultSetDetailSchema, 'One result set with its full provenance'),
  'results.images': method(
    z
      .object({
        id,
        status: resultImageStatusSchema.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(resultImageSchema) }),
    "A page of a result set's images in sample order, with their sample ids",
  ),
  'results.forSample': method(
    z.object({ sampleId: id }).strict(),
    z.array(z.object({ resultSet: resultSetSummarySchema, image: resultImageSchema })),
    "Every result set's image of one sample (the sample view's extra panes)",
  ),
  'results.delete': method(
    z.object({ id }).strict(),
    z.object({ id: z.number().int(), name: z.string(), images: z.number().int(), blobsFreed: z.number().int() }),
    'Delete a result set and its image rows',
  ),
  'results.import': method(
    z
      .object({
        datasetId: id,
        path: z.string().min(1).max(4096),
        name: resultSetNameSchema,
        method: methodLabelSchema.optional(),
      })
      .strict(),
    z.object({ jobId: z.number().int() }),
    'Import the outputs of a method run elsewhere as a result set (a job; files matched to samples by name)',
  ),
};

export const resultsEvents = {
  /** A result set gained or lost images, or was created or deleted. */
  'results.changed': z.object({ datasetId: z.number().int(), resultSetId: z.number().int() }),
};
