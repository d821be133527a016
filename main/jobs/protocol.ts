// The typed message protocol between main and an engine host process, in the contract style of
// shared/api: one zod schema per direction, parsed once on arrival, then trusted. Messages are plain
// structured-clone data, so the same schemas serve child_process.fork and Electron's utilityProcess.
import { z } from 'zod';
import { checkValue, type Bounds, type BoundsViolation } from '../../shared/api/bounds.js';
import { jobEvents, jobStateSchema } from '../../shared/api/jobs.js';
import { tensorBackendNameSchema } from '../../shared/api/system.js';

/** Where a training job continues from: a stored checkpoint (its row, step and file). */
export const resumePointSchema = z.object({
  checkpointId: z.number().int(),
  step: z.number().int().nonnegative(),
  path: z.string(),
});
export type ResumePoint = z.infer<typeof resumePointSchema>;

export const toHostSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    jobId: z.number().int(),
    kind: z.string(),
    params: z.record(z.string(), z.unknown()),
    /** The run this job writes metrics to (training), created by main before dispatch. */
    runId: z.number().int().nullable(),
    resume: resumePointSchema.nullable(),
  }),
  z.object({ type: z.literal('cancel'), jobId: z.number().int() }),
  z.object({ type: z.literal('pause'), jobId: z.number().int() }),
  z.object({ type: z.literal('resume'), jobId: z.number().int() }),
  z.object({ type: z.literal('resources'), requestId: z.number().int() }),
  /** Finish writing (flush metrics) and exit. */
  z.object({ type: z.literal('shutdown') }),
]);
export type ToHost = z.infer<typeof toHostSchema>;

export const logLevelSchema = jobEvents['log.line'].shape.level;
export type LogLevel = z.infer<typeof logLevelSchema>;

export const hostResourcesSchema = z.object({
  pid: z.number().int(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  heapTotalBytes: z.number(),
  externalBytes: z.number(),
  /** tf.memory() of the host, when a job there has loaded TensorFlow.js. */
  tensors: z
    .object({ numTensors: z.number(), numBytes: z.number(), numDataBuffers: z.number() })
    .nullable(),
  backend: z.string().nullable(),
  /** Bytes on the accelerator, where the backend reports it (tfjs-node-gpu, WebGPU). */
  gpuBytes: z.number().nullable(),
  runningJobs: z.array(z.number().int()),
});
export type HostResources = z.infer<typeof hostResourcesSchema>;

export const metricPointSchema = z.object({
  key: z.string(),
  step: z.number().int(),
  value: z.number(),
  time: z.number(),
});
export type MetricPoint = z.infer<typeof metricPointSchema>;

export const fromHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  /** The tensor backend a job in the host activated (shown in the status bar and stored on runs). */
  z.object({ type: z.literal('engine'), backend: tensorBackendNameSchema }),
  z.object({
    type: z.literal('progress'),
    jobId: z.number().int(),
    done: z.number(),
    total: z.number().nullable(),
    message: z.string().optional(),
  }),
  z.object({ type: z.literal('log'), jobId: z.number().int(), level: logLevelSchema, message: z.string(), time: z.number() }),
  z.object({ type: z.literal('paused'), jobId: z.number().int(), step: z.number().int().nullable() }),
  z.object({ type: z.literal('resumed'), jobId: z.number().int() }),
  z.object({
    type: z.literal('finished'),
    jobId: z.number().int(),
    state: z.enum(['completed', 'failed', 'cancelled']),
    error: z.string().nullable(),
    stack: z.string().nullable(),
    result: z.unknown(),
  }),
  /** A batch of metric points already committed to the store by the host: main only pushes it. */
  z.object({ type: z.literal('metrics'), runId: z.number().int(), points: z.array(metricPointSchema) }),
  /** An Api event raised by engine code in the host (dataset.changed, captions.changed, ...). */
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
  z.object({ type: z.literal('resources'), requestId: z.number().int(), resources: hostResourcesSchema }),
]);
export type FromHost = z.infer<typeof fromHostSchema>;

export { jobStateSchema };

/**
 * Bounds on every message, both directions, checked before the schema (issue 10). A metric batch
 * is at most 5000 points (about 30 000 values); a job's report lists at most one entry per sample.
 * Depth: no message nests more than a handful of levels; job parameters are bounded to the Api's 64
 * when queued, and a message one level deeper than that still passes.
 */
export const HOST_MESSAGE_BOUNDS: Bounds = { maxBytes: 128 * 1024 * 1024, maxDepth: 72, maxValues: 2_000_000 };

/** Null if `message` may cross the channel, else why not (walked without recursion). */
export function checkHostMessage(message: unknown, what: string): BoundsViolation | null {
  return checkValue(message, HOST_MESSAGE_BOUNDS, what);
}
