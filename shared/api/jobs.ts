import { z } from 'zod';
import { method } from './contract.js';

export const jobStates = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export const jobStateSchema = z.enum(jobStates);
export type JobState = z.infer<typeof jobStateSchema>;

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
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

export const jobsMethods = {
  'jobs.list': method(
    z.object({ states: z.array(jobStateSchema).max(jobStates.length).optional() }).strict(),
    z.array(jobSummarySchema),
    'Jobs, newest first, optionally only those in the given states',
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
  'log.line': z.object({
    jobId: z.number().int(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    time: z.number(),
  }),
};
