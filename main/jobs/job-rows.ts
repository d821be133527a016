// The job rows of the queue (through the store's JobsRepo): state transitions written with their
// run, log lines, progress events, and the queue marker (jobs.queue) with the owner that tells a
// live app's job from a dead one's.
import os from 'node:os';
import type { JobState } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import type { QueueMeta, Store } from '../store/index.js';

export type { QueueMeta } from '../store/index.js';

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

  /** Records a job's end; on a full disk with the space held in reserve (Store.critical), so a job ends `failed`, not `running`. */
  finish(id: number, state: JobState, r: { error: string | null; stack: string | null; result: unknown; message?: string }): void {
    const now = new Date().toISOString();
    this.store.critical(() => {
      this.store.jobs.update(id, {
        state,
        finishedAt: now,
        heartbeatAt: now,
        error: r.error,
        stack: r.stack,
        // A null result or message keeps what the runner stored (its partial report, its last note).
        ...(r.result === null || r.result === undefined ? {} : { result: r.result }),
        ...(r.message !== undefined ? { message: r.message } : {}),
      });
      const runId = this.meta(id)?.runId ?? null;
      if (runId !== null) this.store.runs.setStatus(runId, state, { finishedAt: now });
    });
    const line = `${state}${r.error ? `: ${r.error}` : ''}`;
    this.store.critical(() => this.addLog(id, state === 'failed' || state === 'interrupted' ? 'error' : 'info', line));
    this.emitState(id, state, r.error ?? undefined);
  }

  emitState(id: number, state: JobState, message?: string): void {
    const row = this.row(id);
    this.events.emit('job.progress', { jobId: id, state, done: row.done, total: row.total, rate: null, etaSeconds: state === 'completed' ? 0 : null, ...(message ? { message } : {}) });
  }

  addLog(jobId: number, level: 'debug' | 'info' | 'warn' | 'error', message: string, time = Date.now()): void {
    this.store.jobs.addLog(jobId, level, message, time);
    this.events.emit('log.line', { jobId, level, message, time });
  }

  row(id: number): { kind: string; state: JobState; done: number; total: number | null } {
    const row = this.store.jobs.state(id);
    if (!row) throw new JobNotFoundError(`job ${id} not found`);
    return row;
  }

  meta(id: number): QueueMeta | null {
    return this.store.jobs.queueMeta(id);
  }

  setQueue(id: number, patch: Partial<QueueMeta>): void {
    this.store.jobs.patchQueue(id, patch);
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
