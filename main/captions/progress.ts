// Job rows and progress for caption jobs: a `jobs` row kept current (done/total, a heartbeat while
// alive) and `job.progress` payloads with a rate over the recent window and an ETA.
import os from 'node:os';
import type { JobState } from '../../shared/api/jobs.js';
import type { Store } from '../store/index.js';

export const CAPTION_JOB_KIND = 'caption';
/** A running caption job whose heartbeat is older than this is taken as killed. */
export const STALE_AFTER_MS = 30_000;
const HEARTBEAT_MS = 5_000;

export interface JobProgress {
  jobId: number;
  state: JobState;
  done: number;
  total: number | null;
  rate: number | null;
  etaSeconds: number | null;
  message?: string;
}

/** Who runs a job: a killed runner on this machine is recognised at once, elsewhere by its stale heartbeat. */
interface Runner {
  pid: number;
  host: string;
}

export function createJobRow(store: Store, title: string, args: Record<string, unknown>): number {
  const now = new Date().toISOString();
  const runner: Runner = { pid: process.pid, host: os.hostname() };
  return store.jobs.create({ kind: CAPTION_JOB_KIND, state: 'queued', title, params: { args, runner }, createdAt: now, heartbeatAt: now });
}

/** The arguments a caption job was started with: `{args, runner}` from `ric caption`, the bare arguments from the queue. */
export function jobArgs(params: Record<string, unknown>): unknown {
  if (typeof params.args === 'object' && params.args !== null && 'runner' in params) return params.args;
  return params;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Caption jobs left 'running' by a process that died (SIGKILL, power loss) become 'interrupted'. */
export function markStaleJobsInterrupted(store: Store, now = Date.now()): number {
  const cutoff = new Date(now - STALE_AFTER_MS).toISOString();
  // Rows the job queue owns (jobs.queue set) are its to recover, not ours.
  const rows = store.jobs.unqueued(CAPTION_JOB_KIND, ['running', 'queued']);
  let n = 0;
  for (const r of rows) {
    const runner = (typeof r.params.runner === 'object' && r.params.runner !== null ? r.params.runner : {}) as Partial<Runner>;
    const dead = runner.host === os.hostname() && typeof runner.pid === 'number' && runner.pid !== process.pid && !alive(runner.pid);
    if (dead || r.beatAt < cutoff) {
      const error = dead ? `the process running it (pid ${runner.pid}) is gone` : 'no heartbeat: the process running it stopped';
      store.jobs.update(r.id, { state: 'interrupted', finishedAt: new Date(now).toISOString(), errorIfUnset: error });
      n++;
    }
  }
  return n;
}

export class JobTracker {
  private done = 0;
  private total: number | null = null;
  private readonly recent: number[] = [];
  private lastEmit = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly managed: boolean;

  constructor(
    private readonly store: Store,
    readonly jobId: number,
    private readonly emit: (p: JobProgress) => void,
    private readonly windowMs = 20_000,
  ) {
    // A row the job queue owns gets its state from the queue (which hears the host finish); a row
    // `ric caption` made is ours to move through running -> completed/cancelled/failed.
    this.managed = store.jobs.queueMeta(jobId) !== null;
    if (!this.managed) store.jobs.update(jobId, { state: 'running', startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() });
    this.heartbeat = setInterval(() => this.write(undefined), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  start(total: number, message: string): void {
    this.total = total;
    this.write(message);
    this.emitNow('running', message);
  }

  /** One sample finished (written, from cache or failed). */
  tick(message?: string): void {
    this.done++;
    const now = Date.now();
    this.recent.push(now);
    while (this.recent.length > 0 && this.recent[0]! < now - this.windowMs) this.recent.shift();
    this.write(message);
    if (now - this.lastEmit >= 250 || this.done === this.total) this.emitNow('running', message);
  }

  finish(state: Extract<JobState, 'completed' | 'failed' | 'cancelled'>, result: unknown, error: string | null): void {
    clearInterval(this.heartbeat);
    const now = new Date().toISOString();
    if (this.managed) {
      // The queue records the state; the note (how many failed) stays on the row for the job lists.
      this.store.jobs.update(this.jobId, { done: this.done, total: this.total, heartbeatAt: now, result, message: error });
      this.emitNow('running', error ?? undefined);
      return;
    }
    this.store.jobs.update(this.jobId, { state, done: this.done, total: this.total, finishedAt: now, heartbeatAt: now, result, error });
    this.emitNow(state, error ?? undefined);
  }

  private write(message: string | undefined): void {
    try {
      this.store.jobs.update(this.jobId, { done: this.done, total: this.total, heartbeatAt: new Date().toISOString(), message: message ?? null });
    } catch {
      // The store was closed under a finishing job (app shutdown); the next start marks it interrupted.
    }
  }

  private emitNow(state: JobState, message: string | undefined): void {
    this.lastEmit = Date.now();
    const span = this.recent.length >= 2 ? (this.recent[this.recent.length - 1]! - this.recent[0]!) / 1000 : 0;
    const rate = span > 0 ? (this.recent.length - 1) / span : null;
    const left = this.total === null ? null : this.total - this.done;
    const etaSeconds = rate && left !== null ? left / rate : left === 0 ? 0 : null;
    this.emit({ jobId: this.jobId, state, done: this.done, total: this.total, rate, etaSeconds, ...(message ? { message } : {}) });
  }
}
