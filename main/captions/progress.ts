// Job rows and progress for caption jobs: a `jobs` row kept current (done/total, a heartbeat while
// alive) and `job.progress` payloads with a rate over the recent window and an ETA.
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

export function createJobRow(store: Store, title: string, params: Record<string, unknown>): number {
  const now = new Date().toISOString();
  const info = store.db
    .prepare("INSERT INTO jobs(kind, state, title, params, done, total, created_at, heartbeat_at) VALUES (?, 'queued', ?, ?, 0, NULL, ?, ?)")
    .run(CAPTION_JOB_KIND, title, JSON.stringify(params), now, now);
  return Number(info.lastInsertRowid);
}

/** Caption jobs left 'running' by a process that died (SIGKILL, power loss) become 'interrupted'. */
export function markStaleJobsInterrupted(store: Store, now = Date.now()): number {
  const cutoff = new Date(now - STALE_AFTER_MS).toISOString();
  return store.db
    .prepare(
      "UPDATE jobs SET state = 'interrupted', finished_at = ?, error = coalesce(error, 'the process running it stopped') WHERE kind = ? AND state IN ('running','queued') AND coalesce(heartbeat_at, created_at) < ?",
    )
    .run(new Date(now).toISOString(), CAPTION_JOB_KIND, cutoff).changes;
}

export class JobTracker {
  private done = 0;
  private total: number | null = null;
  private readonly recent: number[] = [];
  private lastEmit = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly update;

  constructor(
    private readonly store: Store,
    readonly jobId: number,
    private readonly emit: (p: JobProgress) => void,
    private readonly windowMs = 20_000,
  ) {
    this.update = store.db.prepare('UPDATE jobs SET done = ?, total = ?, heartbeat_at = ?, message = ? WHERE id = ?');
    store.db.prepare("UPDATE jobs SET state = 'running', started_at = ?, heartbeat_at = ? WHERE id = ?").run(new Date().toISOString(), new Date().toISOString(), jobId);
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
    this.store.db
      .prepare('UPDATE jobs SET state = ?, done = ?, total = ?, finished_at = ?, heartbeat_at = ?, result = ?, error = ? WHERE id = ?')
      .run(state, this.done, this.total, now, now, JSON.stringify(result), error, this.jobId);
    this.emitNow(state, error ?? undefined);
  }

  private write(message: string | undefined): void {
    try {
      this.update.run(this.done, this.total, new Date().toISOString(), message ?? null, this.jobId);
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
