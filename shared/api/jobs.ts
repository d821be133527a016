import { z } from 'zod';
import { method } from './contract.js';

export const jobStates = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export const jobStateSchema = z.enum(jobStates);
export type JobState = z.infer<typeof jobStateSchema>;
/** States a job does not leave on its own (resume queues it again). */
export const FINAL_JOB_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'interrupted'];

export const jobSummarySchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  state: jobStateSchema,
  title: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** The runner's last note: how many samples failed or were skipped in a job that completed, ... */
  message: z.string().nullable(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

/** What the queue runs. Training kinds are GPU-bound (one at a time); the rest are light. */
export const jobKinds = ['import', 'caption', 'train-regionclip', 'train-blip', 'train-editor', 'edit', 'evaluate', 'import-results'] as const;
export const jobKindSchema = z.enum(jobKinds);
export type JobKind = z.infer<typeof jobKindSchema>;
export const gpuJobKinds: readonly JobKind[] = ['train-regionclip', 'train-blip', 'train-editor', 'edit', 'evaluate'];

export const jobDetailSchema = jobSummarySchema.extend({
  priority: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  stack: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  result: z.unknown(),
  /** The training run this job writes, if any. */
  runId: z.number().int().nullable(),
  /** Whether this kind stops at step boundaries (training) and so can pause. */
  pausable: z.boolean(),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

export const jobLogLineSchema = z.object({
  id: z.number().int(),
  time: z.number(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
export type JobLogLine = z.infer<typeof jobLogLineSchema>;

const jobRef = z.object({ id: z.number().int().positive() }).strict();
const jobStateResult = z.object({ id: z.number().int(), state: jobStateSchema });

export const jobsMethods = {
  'jobs.list': method(
    z.object({ states: z.array(jobStateSchema).max(jobStates.length).optional() }).strict(),
    z.array(jobSummarySchema),
    'Jobs, newest first, optionally only those in the given states',
  ),
  'jobs.get': method(jobRef, jobDetailSchema, 'One job with its parameters, error and stack, result and run'),
  'jobs.log': method(
    z.object({ id: z.number().int().positive(), afterId: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    z.array(jobLogLineSchema),
    'Log lines of a job, oldest first, after the given line id',
  ),
  'jobs.start': method(
    z
      .object({
        kind: jobKindSchema,
        params: z.record(z.string(), z.unknown()),
        title: z.string().min(1).max(200).optional(),
        priority: z.number().int().min(-100).max(100).default(0),
      })
      .strict(),
    z.object({ id: z.number().int(), runId: z.number().int().nullable() }),
    'Queues a job of a kind with its parameters (checked when queued); it runs in the engine host',
  ),
  'jobs.cancel': method(jobRef, jobStateResult, 'Cancels a queued, running or paused job'),
  'jobs.pause': method(jobRef, jobStateResult, 'Pauses a running training job at its next step boundary (the model stays loaded)'),
  'jobs.resume': method(
    z.object({ id: z.number().int().positive(), checkpointId: z.number().int().positive().optional() }).strict(),
    jobStateResult,
    'Resumes a paused job, or re-queues an interrupted/failed/cancelled one (training: from the given or last checkpoint)',
  ),
};

/** Push events: progress of a job, one metric point of a run, one log line of a job. */
export const jobEvents = {
  'job.progress': z.object({
    jobId: z.number().int(),
    state: jobStateSchema,
    done: z.number(),
    total: z.number().nullable(),
    /** Items per second over the recent window, and the estimated seconds left. */
    rate: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    message: z.string().optional(),
  }),
  'metric.point': z.object({
    runId: z.number().int(),
    key: z.string(),
    step: z.number().int(),
    value: z.number(),
    time: z.number(),
  }),
  /** A batch of points of one run, committed to the store before it is pushed (at most ~1 s old). */
  'metric.batch': z.object({
    runId: z.number().int(),
    points: z.array(z.object({ key: z.string(), step: z.number().int(), value: z.number(), time: z.number() })),
  }),
  'log.line': z.object({
    jobId: z.number().int(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    time: z.number(),
  }),
};
