// The jobs table's rows (migrations 1, 2 and 4) and their one mapping to the Api's entities.
import type { JobDetail, JobLogLine, JobState, JobSummary } from '../../../shared/api/index.js';
import { parseJson, parseObject } from '../json.js';

/**
 * jobs.queue (migration 4): the rows the persisted queue (main/jobs) owns, with what it needs to run
 * and resume them. `owner` is "hostname:pid" of the app that dispatched the job, so a restart can
 * tell a job left running by a dead process from one another live app is running.
 */
export interface QueueMeta {
  lane: 'gpu' | 'light';
  runId: number | null;
  /** Where a training job continues from (a stored checkpoint), else null. */
  resume: { checkpointId: number; step: number; path: string } | null;
  owner: string | null;
  /** A command from another process (the CLI beside a running app) for the owner to carry out. */
  request?: 'cancel' | 'pause' | 'resume' | null;
}

export interface JobRow {
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
  queue: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
}

export const SUMMARY_COLUMNS = 'id, kind, state, title, done, total, created_at, started_at, finished_at, error, message';

export function toJobSummary(r: Pick<JobRow, 'id' | 'kind' | 'state' | 'title' | 'done' | 'total' | 'created_at' | 'started_at' | 'finished_at' | 'error' | 'message'>): JobSummary {
  return {
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
    message: r.message,
  };
}

/**
 * A job as the Api's JobDetail has it, less `pausable`: that is the queue's knowledge (training
 * kinds stop at step boundaries), added by main/jobs.
 */
export type JobRecord = Omit<JobDetail, 'pausable'>;

export function toJobRecord(r: JobRow & { run_id: number | null }): JobRecord {
  return {
    ...toJobSummary(r),
    priority: r.priority,
    params: parseObject(r.params),
    stack: r.stack,
    heartbeatAt: r.heartbeat_at,
    result: parseJson(r.result, null),
    runId: r.run_id,
  };
}

export function toQueueMeta(queue: string | null): QueueMeta | null {
  const v = parseJson(queue, null);
  return v !== null && typeof v === 'object' ? (v as QueueMeta) : null;
}

export type LogRow = JobLogLine;
