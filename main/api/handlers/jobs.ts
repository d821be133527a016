// The jobs Api: the persisted queue (main/jobs) — list, one job, its log, start, cancel, pause, resume.
import { JobNotFoundError, JobParamsError, JobStartError, JobStateError, isTrainingKind } from '../../jobs/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type JobsMethods = Extract<keyof ApiHandlers, `jobs.${string}`>;

/** Queue errors become Api errors a caller can branch on. */
export function jobsApiError(err: unknown): never {
  if (err instanceof JobNotFoundError) throw new ApiError('not_found', err.message);
  if (err instanceof JobParamsError) throw new ApiError('invalid_args', err.message);
  if (err instanceof JobStateError) throw new ApiError('conflict', err.message);
  if (err instanceof JobStartError) throw new ApiError('failed_precondition', err.message);
  throw err;
}

const guarded =
  <A, R>(fn: (args: A) => R) =>
  (args: A): R => {
    try {
      return fn(args);
    } catch (err) {
      return jobsApiError(err);
    }
  };

export function jobsHandlers(ctx: AppContext): Pick<ApiHandlers, JobsMethods> {
  return {
    'jobs.list': (args) => ctx.store.jobs.list(args.states),
    'jobs.get': ({ id }) => {
      const job = ctx.store.jobs.get(id);
      if (!job) throw new ApiError('not_found', `job ${id} not found`);
      return { ...job, pausable: isTrainingKind(job.kind) };
    },
    'jobs.log': ({ id, afterId, limit }) => ctx.store.jobs.log(id, afterId ?? 0, limit),
    'jobs.start': guarded(({ kind, params, title, priority }) => ctx.jobs.start(kind, params, { title, priority })),
    'jobs.cancel': guarded(({ id }) => ({ id, state: ctx.jobs.cancel(id) })),
    'jobs.pause': guarded(({ id }) => ({ id, state: ctx.jobs.pause(id) })),
    'jobs.resume': guarded(({ id, checkpointId }) => ({ id, state: ctx.jobs.resume(id, checkpointId) })),
  };
}
