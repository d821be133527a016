// Training runs: the list, one run with its checkpoints, decimated metric series for charts, the
// samples stored during training, and the engine host's resources.
import { z } from 'zod';
import { method } from './contract.js';
import { datasetFormatSchema } from './datasets.js';
import { jobStateSchema } from './jobs.js';

export const runSortKeys = ['created', 'duration', 'best', 'name', 'step'] as const;

export const runSummarySchema = z.object({
  id: z.number().int(),
  jobId: z.number().int().nullable(),
  kind: z.string(),
  name: z.string(),
  status: jobStateSchema,
  datasetId: z.number().int().nullable(),
  datasetName: z.string().nullable(),
  /** A few words: model, phase, lr, batch, steps (from the stored config). */
  configSummary: z.string(),
  backend: z.string(),
  seed: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  bestMetricKey: z.string().nullable(),
  bestValidationScore: z.number().nullable(),
  lastStep: z.number().int().nullable(),
  /** The step its job has reached (optimiser steps done), null without a job. */
  jobStep: z.number().nullable(),
  /** The step of its latest checkpoint: where a stopped or interrupted run resumes from. */
  checkpointStep: z.number().int().nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const checkpointSchema = z.object({
  id: z.number().int(),
  step: z.number().int(),
  path: z.string(),
  size: z.number(),
  validationScore: z.number().nullable(),
  metrics: z.record(z.string(), z.number()),
  createdAt: z.string(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const runDetailSchema = runSummarySchema.extend({
  config: z.record(z.string(), z.unknown()),
  codeVersion: z.string(),
  parentRunId: z.number().int().nullable(),
  checkpoints: z.array(checkpointSchema),
  /** Every metric key with its latest point. */
  latest: z.array(z.object({ key: z.string(), step: z.number().int(), value: z.number(), time: z.number() })),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const seriesSchema = z.object({
  key: z.string(),
  steps: z.array(z.number()),
  values: z.array(z.number()),
  count: z.number().int(),
  decimated: z.boolean(),
});
export type MetricSeries = z.infer<typeof seriesSchema>;

export const runSampleSchema = z.object({
  id: z.number().int(),
  step: z.number().int(),
  kind: z.string(),
  payload: z.unknown(),
  blobSha256: z.string().nullable(),
});
export type RunSample = z.infer<typeof runSampleSchema>;

/** One validation edit of a run's checkpoint, with the dataset sample's images beside it (runs.edits). */
export const runEditSchema = z.object({
  /** The dataset sample's row id (null when the sample is gone from the dataset). */
  sampleId: z.number().int().nullable(),
  externalId: z.string(),
  instruction: z.string(),
  editedSha256: z.string().nullable(),
  sourceSha256: z.string().nullable(),
  targetSha256: z.string().nullable(),
  l1In: z.number(),
  l1InSource: z.number(),
  l1Out: z.number(),
});
export type RunEdit = z.infer<typeof runEditSchema>;

export const runEditsSchema = z.object({
  runId: z.number().int(),
  name: z.string(),
  status: jobStateSchema,
  /** The run's ablation switch (train-editor's `ablation`), or null. */
  ablation: z.string().nullable(),
  seed: z.number().int(),
  /** The steps at which this run stored edits, and the one shown (its last at or before the asked step). */
  steps: z.array(z.number().int()),
  step: z.number().int().nullable(),
  edits: z.array(runEditSchema),
  /** Stored rows that could not be read, each naming its row and field. */
  problems: z.array(z.string()),
});
export type RunEdits = z.infer<typeof runEditsSchema>;

const bytes = z.number();
export const resourcesSchema = z.object({
  main: z.object({ pid: z.number().int(), rssBytes: bytes, heapUsedBytes: bytes }),
  host: z
    .object({
      pid: z.number().int(),
      rssBytes: bytes,
      heapUsedBytes: bytes,
      heapTotalBytes: bytes,
      externalBytes: bytes,
      tensors: z.object({ numTensors: z.number(), numBytes: bytes, numDataBuffers: z.number() }).nullable(),
      backend: z.string().nullable(),
      gpuBytes: bytes.nullable(),
      runningJobs: z.array(z.number().int()),
    })
    .nullable(),
  /** Why host is null (no engine host started yet, or it did not answer). */
  note: z.string().nullable(),
});
export type Resources = z.infer<typeof resourcesSchema>;

const runRef = z.object({ id: z.number().int().positive() }).strict();

/** The embedding trainers a run can be started with (the editor trains elsewhere). */
export const trainingKinds = ['train-regionclip', 'train-blip'] as const;
/** `tiny`: a small random-init model that learns ShapesEdit in minutes; `paper`: the paper's settings, fine-tuning a base model folder. */
export const trainingPresets = ['tiny', 'paper'] as const;
/** Texts a run trains on: approved captions only (`none`), or else the dataset's own descriptions (`dataset`). */
export const textFallbacks = ['none', 'dataset'] as const;

/** What to do about a refusal: a label, the view that fixes it (a renderer route) and the command that does. */
export const preflightFixSchema = z.object({ label: z.string(), href: z.string().nullable(), cli: z.string().nullable() });
export const preflightProblemSchema = z.object({
  field: z.enum(['dataset', 'pairs', 'texts', 'masks', 'base_model', 'config']),
  message: z.string(),
  fix: preflightFixSchema,
});
export type PreflightProblem = z.infer<typeof preflightProblemSchema>;

export const trainingPreflightSchema = z.object({
  /** No problems: jobs.start with `params` queues it. */
  ok: z.boolean(),
  kind: z.enum(trainingKinds),
  dataset: z.object({ id: z.number().int(), name: z.string(), format: datasetFormatSchema, status: z.enum(['importing', 'ready', 'failed']) }).nullable(),
  preset: z.enum(trainingPresets),
  textFallback: z.enum(textFallbacks),
  /** Samples of the dataset's train and val splits, those that can train, and the split they fall into. */
  samples: z.number().int(),
  usablePairs: z.number().int(),
  trainPairs: z.number().int(),
  valPairs: z.number().int(),
  withoutText: z.number().int(),
  withoutMask: z.number().int(),
  baseModel: z.string().nullable(),
  /** A few words from the config the run would store. */
  configSummary: z.string(),
  /** The batch and phases the run would train with (the preset's, with the overrides), for a form's placeholders. */
  batchSize: z.number().int().nullable(),
  phases: z.array(z.object({ name: z.string(), epochs: z.number().int(), lr: z.number() })),
  problems: z.array(preflightProblemSchema),
  warnings: z.array(z.string()),
  /** The parameters to queue (defaults resolved: preset, text fallback, base model folder from Settings). */
  params: z.record(z.string(), z.unknown()),
});
export type TrainingPreflight = z.infer<typeof trainingPreflightSchema>;

export const runsMethods = {
  'runs.list': method(
    z
      .object({
        status: z.array(jobStateSchema).max(7).optional(),
        kind: z.string().max(40).optional(),
        datasetId: z.number().int().positive().optional(),
        text: z.string().max(200).optional(),
        sort: z.enum(runSortKeys).default('created'),
        order: z.enum(['asc', 'desc']).default('desc'),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    z.array(runSummarySchema),
    'Training runs with status, dataset, config summary, backend, duration and best validation score',
  ),
  'runs.get': method(runRef, runDetailSchema, 'One run: its config, checkpoints (step, size, validation score) and latest metrics'),
  'runs.series': method(
    z
      .object({
        runId: z.number().int().positive(),
        keys: z.array(z.string().min(1).max(200)).min(1).max(64),
        /** Chart width in pixels: at most two points (min, max) per pixel come back. */
        width: z.number().int().min(2).max(8192),
        fromStep: z.number().int().optional(),
        toStep: z.number().int().optional(),
      })
      .strict(),
    z.object({ runId: z.number().int(), series: z.array(seriesSchema) }),
    'Metric series decimated to min/max per pixel bucket',
  ),
  'runs.samples': method(
    z.object({ runId: z.number().int().positive(), step: z.number().int().optional() }).strict(),
    z.object({ steps: z.array(z.number().int()), step: z.number().int().nullable(), samples: z.array(runSampleSchema) }),
    'The steps with stored samples, and the samples of the given step (or the nearest one before it; the last if none given)',
  ),
  'runs.edits': method(
    z
      .object({
        runIds: z.array(z.number().int().positive()).min(1).max(16),
        step: z.number().int().nonnegative().optional(),
      })
      .strict(),
    z.object({ steps: z.array(z.number().int()), runs: z.array(runEditsSchema) }),
    "The validation edits editor runs stored at their checkpoints (run samples of kind `edit`) with each sample's source and ground truth: every run's steps, and each run's edits at its last checkpoint at or before `step` (its last if none given)",
  ),
  'runs.preflight': method(
    z.object({ kind: z.enum(trainingKinds), params: z.record(z.string(), z.unknown()) }).strict(),
    trainingPreflightSchema,
    'Checks a training run before it is queued: the config, the base model folder, the dataset and its usable pairs (approved captions or the chosen fallback, masks); jobs.start refuses what this refuses',
  ),
  'runs.resources': method(z.object({}).strict(), resourcesSchema, 'Memory of main and the engine host, tensor memory, backend, GPU memory where reported'),
};
