// Evaluations of result sets (issue 16): the paper's metrics on one result set under one preset,
// stored per sample and aggregated, so that a table and the images behind every number are one
// click apart and every number says how it was computed.
//
// THE MODEL:
// - An evaluation scores ONE result set (shared/api/results.ts) under ONE preset (shared/metrics/
//   presets.ts; stored with ALL its values and its sha256 over canonical JSON), optionally with every
//   reference of the preset replaced (`against`: 'source' | 'target'; the preset is then renamed
//   `<name>@<against>`), optionally over one split. (result set, preset sha256, against, split) is
//   unique: starting the same evaluation again continues it (a killed one resumes; a complete one
//   re-scores only samples whose result image changed, then aggregates again).
// - It records the model folders the preset used (settings key, folder, sha256 over the folder's
//   config files, weight files with sizes), the resize rules in words, the tensor backend and worker
//   count, and warnings (FID over N < 2048 is rank-deficient; which Inception weights; samples
//   without a result image).
// - Per sample: 'done' with one score per metric and region (a region a sample cannot have — no mask,
//   empty mask — has no score, and a note says why), and the FID/IS feature vectors (so a resumed
//   evaluation recomputes FID and IS without running Inception again); or 'error' with the reason
//   (e.g. the sample has no target caption for CLIP-T). Samples of the scope with no done image in
//   the result set are `missing`, each with the reason, and every aggregate says over how many
//   samples (`n`) it was taken.
// - Aggregates: per metric and region mean, sample std, n; FID and IS as the preset says.
import { z } from 'zod';
import { tensorWorkersSchema } from './settings.js';
import { method } from './contract.js';
import { splitSchema } from './datasets.js';
import { EVAL_METRICS, EVAL_REGIONS } from '../evals/metrics.js';

export const evalMetricSchema = z.enum(EVAL_METRICS);
export const evalRegionSchema = z.enum(EVAL_REGIONS);
export const againstSchema = z.enum(['source', 'target']);
export const evaluationStatusSchema = z.enum(['queued', 'running', 'complete', 'incomplete', 'failed']);
export type EvaluationStatus = z.infer<typeof evaluationStatusSchema>;

/**
 * A preset as a caller names it: a built-in name, a whole preset record, or a built-in with some
 * settings changed (derivePreset's arguments). Parsed by resolvePreset/derivePreset on the main side.
 */
export const presetInputSchema = z.union([
  z.string().min(1).max(64),
  z.object({ base: z.string().min(1).max(64), name: z.string().min(1).max(64), changes: z.record(z.string(), z.unknown()) }).strict(),
  z.record(z.string(), z.unknown()),
]);
export type PresetInput = z.infer<typeof presetInputSchema>;

export const modelRecordSchema = z.object({
  key: z.string(),
  dir: z.string(),
  metrics: z.array(z.string()),
  /** sha256 over the folder's *.json files (relative path, NUL, bytes, NUL, in name order). */
  configSha256: z.string(),
  configFiles: z.array(z.string()),
  weightFiles: z.array(z.object({ file: z.string(), bytes: z.number() })),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;

export const aggregateRowSchema = z.object({
  metric: evalMetricSchema,
  region: evalRegionSchema,
  /** FID: the distance; IS: the mean over splits. */
  mean: z.number().nullable(),
  /** Sample std over samples (IS: population std over splits); null where none. */
  std: z.number().nullable(),
  /** Samples the value was taken over. */
  n: z.number().int(),
});
export type AggregateRow = z.infer<typeof aggregateRowSchema>;

export const missingSampleSchema = z.object({ sampleId: z.number().int(), externalId: z.string(), reason: z.string() });

export const evaluationSummarySchema = z.object({
  id: z.number().int(),
  resultSetId: z.number().int(),
  resultSetName: z.string(),
  method: z.string(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  presetName: z.string(),
  presetSha256: z.string(),
  against: againstSchema.nullable(),
  split: splitSchema.nullable(),
  status: evaluationStatusSchema,
  jobId: z.number().int().nullable(),
  /** Samples in scope (the split, or the whole dataset). */
  expected: z.number().int().nullable(),
  /** Samples scored, failed, and without a result image. */
  done: z.number().int(),
  errors: z.number().int(),
  missing: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type EvaluationSummary = z.infer<typeof evaluationSummarySchema>;

export const evaluationDetailSchema = evaluationSummarySchema.extend({
  /** The preset with every value (EvalPreset), as it ran. */
  preset: z.record(z.string(), z.unknown()),
  models: z.array(modelRecordSchema),
  rules: z.array(z.object({ metric: z.string(), rule: z.string() })),
  warnings: z.array(z.string()),
  backend: z.string().nullable(),
  workers: z.number().int().nullable(),
  codeVersion: z.string().nullable(),
  aggregates: z.array(aggregateRowSchema),
  /** FID's details (n real/generated, feature size, route) and IS per split, as aggregated. */
  fid: z.record(z.string(), z.unknown()).nullable(),
  is: z.record(z.string(), z.unknown()).nullable(),
  /** The first 500 of each. */
  missingSamples: z.array(missingSampleSchema),
  sampleErrors: z.array(missingSampleSchema),
});
export type EvaluationDetail = z.infer<typeof evaluationDetailSchema>;

export const sampleScoreSchema = z.object({ metric: evalMetricSchema, region: evalRegionSchema, value: z.number() });
export type SampleScore = z.infer<typeof sampleScoreSchema>;

export const sampleScoresSchema = z.object({
  evaluationId: z.number().int(),
  sampleId: z.number().int(),
  status: z.enum(['done', 'error']),
  scores: z.array(sampleScoreSchema),
  notes: z.array(z.string()),
  error: z.string().nullable(),
});
export type SampleScores = z.infer<typeof sampleScoresSchema>;

/** Sort samples by one evaluation's score, or by the difference of two evaluations' scores (a − b). */
export const sampleSortSpecSchema = z
  .object({
    metric: evalMetricSchema,
    region: evalRegionSchema.default('full'),
    evaluationId: z.number().int().positive(),
    minus: z.number().int().positive().optional(),
    order: z.enum(['asc', 'desc']).default('asc'),
    /** Keep only samples whose value (or difference) is within these bounds. */
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();
export type SampleSortSpec = z.infer<typeof sampleSortSpecSchema>;

export const compareSampleSchema = z.object({
  sampleId: z.number().int(),
  externalId: z.string(),
  instruction: z.string(),
  editType: z.string().nullable(),
  /** The sorted-by value: the score, or a − b; null without a sort. */
  value: z.number().nullable(),
  a: z.number().nullable(),
  b: z.number().nullable(),
});
export type CompareSample = z.infer<typeof compareSampleSchema>;

export const tableGroupingSchema = z.enum(['none', 'seed']);

export const tableCellSchema = z.object({
  mean: z.number().nullable(),
  /** Sample std: over the group's members' means (seeds) when it has several, else over the one evaluation's samples. */
  std: z.number().nullable(),
  stdOver: z.enum(['seeds', 'samples']),
  /** Members with a value. */
  count: z.number().int(),
  /** Samples each member's value was taken over (min and max across members). */
  nMin: z.number().int().nullable(),
  nMax: z.number().int().nullable(),
  best: z.boolean(),
});
export type TableCell = z.infer<typeof tableCellSchema>;

export const tableRowSchema = z.object({
  label: z.string(),
  resultSetIds: z.array(z.number().int()),
  evaluationIds: z.array(z.number().int()),
  /** Seeds of the group's runs (or edits), in member order. */
  seeds: z.array(z.number().int().nullable()),
  /** Ablation view: how this row's provenance differs from the reference row's (`key: ref → this`). */
  switches: z.array(z.string()),
  cells: z.record(z.string(), tableCellSchema),
});
export type TableRow = z.infer<typeof tableRowSchema>;

export const tableModelSchema = z.object({
  presetName: z.string(),
  presetSha256: z.string(),
  grouping: tableGroupingSchema,
  columns: z.array(z.object({ key: z.string(), metric: evalMetricSchema, region: evalRegionSchema, label: z.string(), better: z.enum(['higher', 'lower']), digits: z.number().int() })),
  rows: z.array(tableRowSchema),
  /** Ablation view: the index of the reference row, or null. */
  reference: z.number().int().nullable(),
  warnings: z.array(z.string()),
});
export type TableModel = z.infer<typeof tableModelSchema>;

const id = z.number().int().positive();
const ids = (max: number) => z.array(id).min(1).max(max);

export const evalsMethods = {
  'evals.list': method(
    z.object({ datasetId: id.optional(), resultSetId: id.optional() }).strict(),
    z.array(evaluationSummarySchema),
    'Evaluations, newest first, of a dataset or a result set',
  ),
  'evals.get': method(z.object({ id }).strict(), evaluationDetailSchema, 'One evaluation: preset with every value, model folders, rules, warnings, aggregates, missing samples'),
  'evals.preflight': method(
    z.object({ preset: presetInputSchema, against: againstSchema.optional(), resultSetId: id.optional(), split: splitSchema.optional() }).strict(),
    z.object({
      preset: z.record(z.string(), z.unknown()),
      folders: z.array(z.object({ key: z.string(), metrics: z.array(z.string()), dir: z.string().nullable(), ok: z.boolean(), problem: z.string().nullable() })),
      ok: z.boolean(),
      expected: z.number().int().nullable(),
      missing: z.number().int().nullable(),
    }),
    'Before an evaluation: the resolved preset, each model folder it needs (set, present, right model), and the samples the result set lacks',
  ),
  'evals.start': method(
    z
      .object({
        resultSetId: id,
        preset: presetInputSchema,
        against: againstSchema.optional(),
        split: splitSchema.optional(),
        /** tensor workers for this job (default: $RIC_ENGINE_WORKERS, else Settings → tensor workers); scores do not depend on it */
        workers: tensorWorkersSchema.optional(),
      })
      .strict(),
    z.object({ jobId: z.number().int(), evaluationId: z.number().int(), resumed: z.boolean() }),
    'Evaluate a result set under a preset as an `evaluate` job (the same evaluation started again continues it)',
  ),
  'evals.delete': method(z.object({ id }).strict(), z.object({ id: z.number().int() }), 'Delete an evaluation and its scores'),
  'evals.scores': method(
    z.object({ evaluationIds: ids(64), sampleIds: ids(200) }).strict(),
    z.array(sampleScoresSchema),
    "Per-sample scores of some evaluations (each pane's scores in the Compare view)",
  ),
  'evals.samples': method(
    z
      .object({
        datasetId: id,
        /** Only samples with an image in at least one of these result sets (none: every sample). */
        resultSetIds: z.array(id).max(64).default([]),
        sort: sampleSortSpecSchema.optional(),
        editType: z.string().max(200).optional(),
        search: z.string().max(500).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(5000).default(500),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(compareSampleSchema) }),
    'Samples to compare, sorted and filtered by a score or by the difference between two evaluations',
  ),
  'evals.table': method(
    z
      .object({
        resultSetIds: ids(64),
        /** A preset name (the latest evaluation of each set under it) or its sha256. */
        preset: z.string().min(1).max(64),
        against: againstSchema.optional(),
        grouping: tableGroupingSchema.default('none'),
        /** Column keys (`metric.region`); default: the preset's full-image columns. */
        columns: z.array(z.string().max(40)).max(40).optional(),
        /** Ablation view (Table 3): every row's switches against this result set's provenance. */
        ablationReference: id.optional(),
      })
      .strict(),
    z.object({ table: tableModelSchema, csv: z.string(), latex: z.string(), json: z.string() }),
    "Table 1/2: result sets (rows) × a preset's metrics (columns), seeds grouped to mean ± std, best per column marked; CSV, LaTeX (booktabs) and JSON",
  ),
  'evals.exportGrid': method(
    z
      .object({
        datasetId: id,
        sampleIds: ids(64),
        resultSetIds: z.array(id).max(16).default([]),
        source: z.boolean().default(true),
        target: z.boolean().default(true),
        maskBox: z.boolean().default(false),
        /** Each cell's side in pixels (images fitted, aspect kept). */
        cell: z.number().int().min(32).max(1024).default(256),
      })
      .strict(),
    z.object({ sha256: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int(), file: z.string() }),
    'A PNG image grid of samples (rows) × source, ground truth and result sets (columns), rendered with sharp; stored as a blob and written to <data>/exports/',
  ),
};

export const evalsEvents = {
  /** An evaluation was created, scored more samples, finished or was deleted. */
  'evals.changed': z.object({ evaluationId: z.number().int(), resultSetId: z.number().int() }),
};
