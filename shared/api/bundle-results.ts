// What bundle format 2 adds to a run bundle (issue 19): the result sets edited with the run's
// checkpoints (shared/api/results.ts has the model) and their evaluations (shared/api/evals.ts), so a
// run trained on a cluster comes back with its edits and numbers. In the bundle folder:
//   results/<i>.jsonl        one result image row per line (resultImageLineSchema), set i of resultSets
//   evaluations/<i>.jsonl    one scored sample per line (evaluationSampleLineSchema), evaluation i
//   blobs/<sha256>           the edited images and their thumbnails, beside the run samples' blobs
// Samples are named by their `externalId` in the set's dataset (by name): the importing store maps
// them to its own samples and refuses a bundle whose dataset or samples it does not have. Regions use
// the store's words ('all' is the Api's 'full'); feature vectors travel as base64 of float32 LE.
import { z } from 'zod';
import { splitSchema } from './datasets.js';
import { evaluationStatusSchema } from './evals.js';
import { resultImageStatusSchema, resultOriginSchema, resultSetStatusSchema } from './results.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hash (64 hex digits)');
const time = z.string().max(64);
const externalId = z.string().min(1).max(400);

/** A line-per-record member of the bundle: its path, bytes, hash and line count (checked on import). */
export const bundleJsonlSchema = z
  .object({
    path: z.string().regex(/^(results|evaluations)\/[0-9]{1,6}\.jsonl$/, 'must be results/<n>.jsonl or evaluations/<n>.jsonl'),
    size: z.number().int().nonnegative(),
    sha256,
    lines: z.number().int().nonnegative().max(10_000_000),
  })
  .strict();
export type BundleJsonl = z.infer<typeof bundleJsonlSchema>;

/** An `images` row of an edited image the bundle carries (its file and thumbnail are in blobs/). */
export const bundleImageSchema = z
  .object({
    sha256,
    width: z.number().int().positive().max(65_536),
    height: z.number().int().positive().max(65_536),
    channels: z.number().int().min(1).max(4),
    format: z.string().min(1).max(16),
    thumbSha256: sha256.nullable(),
  })
  .strict();
export type BundleImage = z.infer<typeof bundleImageSchema>;

export const bundleResultSetSchema = z
  .object({
    name: z.string().min(1).max(200),
    method: z.string().min(1).max(100),
    origin: resultOriginSchema,
    status: resultSetStatusSchema,
    datasetName: z.string().min(1).max(400),
    /** The step of the run's checkpoint its model came from, or null (made with the run, not one checkpoint). */
    checkpointStep: z.number().int().nonnegative().nullable(),
    modelFolder: z.string().max(4096).nullable(),
    configSha256: z.string().max(128).nullable(),
    provenance: z.record(z.string(), z.unknown()),
    expected: z.number().int().nonnegative().nullable(),
    createdAt: time,
    updatedAt: time,
    images: bundleJsonlSchema,
  })
  .strict();
export type BundleResultSet = z.infer<typeof bundleResultSetSchema>;

export const resultImageLineSchema = z
  .object({
    externalId,
    status: resultImageStatusSchema,
    imageSha256: sha256.nullable(),
    size: z.number().int().nonnegative().nullable(),
    seconds: z.number().nullable(),
    seed: z.number().int().nullable(),
    error: z.string().max(10_000).nullable(),
    sourceFile: z.string().max(4096).nullable(),
    params: z.record(z.string(), z.unknown()),
    createdAt: time,
  })
  .strict()
  .refine((l) => (l.status === 'done') === (l.imageSha256 !== null), { message: "a 'done' row has an image and an 'error' row none", path: ['imageSha256'] })
  .refine((l) => l.status === 'done' || l.error !== null, { message: "an 'error' row says why", path: ['error'] });
export type ResultImageLine = z.infer<typeof resultImageLineSchema>;

const dbRegion = z.enum(['all', 'inside', 'outside']);
/** A float32 vector as base64 (at most 16384 values: FID's 2048, IS's 1008 logits fit). */
const feature = z.string().max(87_384).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').nullable();

export const bundleEvaluationSchema = z
  .object({
    /** Index into the manifest's resultSets. */
    resultSet: z.number().int().nonnegative(),
    label: z.string().min(1).max(200),
    presetName: z.string().max(200).nullable(),
    presetSha256: z.string().max(128).nullable(),
    preset: z.record(z.string(), z.unknown()).nullable(),
    against: z.enum(['source', 'target']).nullable(),
    split: splitSchema.nullable(),
    status: evaluationStatusSchema,
    config: z.record(z.string(), z.unknown()),
    models: z.array(z.unknown()).max(1000),
    rules: z.array(z.unknown()).max(1000),
    warnings: z.array(z.string().max(10_000)).max(10_000),
    expected: z.number().int().nonnegative().nullable(),
    missing: z.array(z.object({ externalId, reason: z.string().max(10_000) }).strict()).max(1_000_000),
    aggregate: z.record(z.string(), z.unknown()).nullable(),
    fidRefKey: z.string().max(200).nullable(),
    backend: z.string().max(200).nullable(),
    workers: z.number().int().nullable(),
    codeVersion: z.string().max(200).nullable(),
    createdAt: time,
    finishedAt: time.nullable(),
    updatedAt: time.nullable(),
    aggregates: z
      .array(z.object({ metric: z.string().min(1).max(40), region: dbRegion, value: z.number(), std: z.number().nullable(), n: z.number().int().nonnegative() }).strict())
      .max(1000),
    samples: bundleJsonlSchema,
  })
  .strict();
export type BundleEvaluation = z.infer<typeof bundleEvaluationSchema>;

export const evaluationSampleLineSchema = z
  .object({
    externalId,
    imageSha256: sha256,
    status: z.enum(['done', 'error']),
    error: z.string().max(10_000).nullable(),
    notes: z.array(z.string().max(2000)).max(100),
    seconds: z.number().nullable(),
    fidGenerated: feature,
    fidReference: feature,
    isLogits: feature,
    createdAt: time,
    scores: z.array(z.object({ metric: z.string().min(1).max(40), region: dbRegion, value: z.number() }).strict()).max(200),
  })
  .strict()
  .refine((l) => l.status === 'done' || l.error !== null, { message: "an 'error' sample says why", path: ['error'] });
export type EvaluationSampleLine = z.infer<typeof evaluationSampleLineSchema>;
