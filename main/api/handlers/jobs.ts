// The jobs Api: the persisted queue (main/jobs) — list, one job, its log, start, cancel, pause, resume.
import type { JobDetail, JobState } from '../../../shared/api/index.js';
import { JobNotFoundError, JobParamsError, JobStartError, JobStateError, isTrainingKind } from '../../jobs/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type JobsMethods = Extract<keyof ApiHandlers, `jobs.${string}`>;

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  title: string;
  priority: number;
  params: string;
  done: number;
  total: number | null;
  error: string | null;
  stack: string | null;
  message: string | null;
  result: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  run_id: number | null;
}

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
  const db = ctx.store.db;
  return {
    'jobs.list': (args) => ctx.store.jobs.list(args.states),
    'jobs.get': ({ id }) => {
      const r = db
        .prepare<[number], JobRow>('SELECT j.*, (SELECT id FROM runs WHERE job_id = j.id ORDER BY id DESC LIMIT 1) AS run_id FROM jobs j WHERE j.id = ?')
        .get(id);
      if (!r) throw new ApiError('not_found', `job ${id} not found`);
      const detail: JobDetail = {
        id: r.id,
        kind: r.kind,
        state: r.state,
        title: r.title,
        done: r.done,
        total: r.total,
        createdAt: r.created_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        error: r.error,
        priority: r.priority,
        params: JSON.parse(r.params) as Record<string, unknown>,
        message: r.message,
        stack: r.stack,
        heartbeatAt: r.heartbeat_at,
        result: r.result === null ? null : (JSON.parse(r.result) as unknown),
        runId: r.run_id,
        pausable: isTrainingKind(r.kind),
      };
      return detail;
    },
    'jobs.log': ({ id, afterId, limit }) =>
      db
        .prepare<[number, number, number], { id: number; time: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string }>(
          'SELECT id, time, level, message FROM job_logs WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?',
        )
        .all(id, afterId ?? 0, limit),
    'jobs.start': guarded(({ kind, params, title, priority }) => ctx.jobs.start(kind, params, { title, priority })),
    'jobs.cancel': guarded(({ id }) => ({ id, state: ctx.jobs.cancel(id) })),
    'jobs.pause': guarded(({ id }) => ({ id, state: ctx.jobs.pause(id) })),
    'jobs.resume': guarded(({ id, checkpointId }) => ({ id, state: ctx.jobs.resume(id, checkpointId) })),
  };
}
