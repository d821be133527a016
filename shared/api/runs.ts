// Training runs: the list, one run with its checkpoints, decimated metric series for charts, the
// samples stored during training, and the engine host's resources.
import { z } from 'zod';
import { method } from './contract.js';
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
  'runs.resources': method(z.object({}).strict(), resourcesSchema, 'Memory of main and the engine host, tensor memory, backend, GPU memory where reported'),
};
