// The job rows of the queue: state transitions written with their run, log lines, progress events,
// and the queue marker (jobs.queue) with the owner that tells a live app's job from a dead one's.
import os from 'node:os';
import type { JobState } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import type { Store } from '../store/index.js';
import type { Lane } from './kinds.js';
import type { ResumePoint } from './protocol.js';

export interface QueueMeta {
  lane: Lane;
  runId: number | null;
  resume: ResumePoint | null;
  /** "hostname:pid" of the app that dispatched it. */
  owner: string | null;
  /** A command from another process (the CLI beside a running app) for the owner to carry out. */
  request?: 'cancel' | 'pause' | 'resume' | null;
}

export const me = `${os.hostname()}:${process.pid}`;

export function pidAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(':');
  if (host !== os.hostname()) return true; // another machine sharing the folder: trust the heartbeat
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobRows {
  constructor(
    private readonly store: Store,
    private readonly events: EventHub,
  ) {}

  finish(id: number, state: JobState, r: { error: string | null; stack: string | null; result: unknown; message?: string }): void {
    const db = this.store.db;
    const now = new Date().toISOString();
    db.prepare('UPDATE jobs SET state = ?, finished_at = ?, heartbeat_at = ?, error = ?, stack = ?, result = coalesce(?, result), message = coalesce(?, message) WHERE id = ?').run(
      state,
      now,
      now,
      r.error,
      r.stack,
      r.result === null || r.result === undefined ? null : JSON.stringify(r.result),
      r.message ?? null,
      id,
    );
    const runId = this.meta(id)?.runId ?? null;
    if (runId !== null) db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(state, now, runId);
    this.addLog(id, state === 'failed' || state === 'interrupted' ? 'error' : 'info', `${state}${r.error ? `: ${r.error}` : ''}`);
    this.emitState(id, state, r.error ?? undefined);
  }

  emitState(id: number, state: JobState, message?: string): void {
    const row = this.row(id);
    this.events.emit('job.progress', { jobId: id, state, done: row.done, total: row.total, rate: null, etaSeconds: state === 'completed' ? 0 : null, ...(message ? { message } : {}) });
  }

  addLog(jobId: number, level: 'debug' | 'info' | 'warn' | 'error', message: string, time = Date.now()): void {
    this.store.db.prepare('INSERT INTO job_logs(job_id, time, level, message) VALUES (?, ?, ?, ?)').run(jobId, time, level, message);
    this.events.emit('log.line', { jobId, level, message, time });
  }

  row(id: number): { state: JobState; done: number; total: number | null } {
    const row = this.store.db.prepare<[number], { state: JobState; done: number; total: number | null }>('SELECT state, done, total FROM jobs WHERE id = ?').get(id);
    if (!row) throw new JobNotFoundError(`job ${id} not found`);
    return row;
  }

  meta(id: number): QueueMeta | null {
    const row = this.store.db.prepare<[number], { queue: string | null }>('SELECT queue FROM jobs WHERE id = ?').get(id);
    return row?.queue ? (JSON.parse(row.queue) as QueueMeta) : null;
  }

  setQueue(id: number, patch: Partial<QueueMeta>): void {
    this.store.db.prepare('UPDATE jobs SET queue = json_patch(queue, ?) WHERE id = ?').run(JSON.stringify(patch), id);
  }
}

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}
export class JobStateError extends Error {
  override name = 'JobStateError';
}
export class JobStartError extends Error {
  override name = 'JobStartError';
}
