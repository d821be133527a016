// Jobs: the queue's rows (main/jobs), the rows of older runners outside the queue (`ric caption`,
// a direct import), their log lines, and the reads the Api and the CLI make of them.
import type { JobLogLine, JobState, JobSummary } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { parseObject } from '../json.js';
import { SUMMARY_COLUMNS, toJobRecord, toJobSummary, toQueueMeta, type JobRecord, type JobRow, type QueueMeta } from './rows.js';

export interface NewJob {
  kind: string;
  state: JobState;
  title: string;
  priority?: number;
  params: Record<string, unknown>;
  /** Set for a row the persisted queue owns. */
  queue?: QueueMeta | null;
  createdAt?: string;
  startedAt?: string | null;
  heartbeatAt?: string | null;
}

/**
 * A change to one job row. A field left undefined is not touched; `result` is stored as JSON;
 * `paramsPatch` is merged into the stored params (JSON merge patch: a null value removes a key);
 * `startedAtIfUnset` keeps an earlier start time (a resumed job), `errorIfUnset` an earlier error.
 */
export interface JobPatch {
  state?: JobState;
  done?: number;
  total?: number | null;
  error?: string | null;
  stack?: string | null;
  message?: string | null;
  result?: unknown;
  paramsPatch?: Record<string, unknown>;
  startedAt?: string | null;
  startedAtIfUnset?: string;
  errorIfUnset?: string;
  finishedAt?: string | null;
  heartbeatAt?: string | null;
}

const PATCH_COLUMNS: Record<Exclude<keyof JobPatch, 'result' | 'paramsPatch' | 'startedAtIfUnset' | 'errorIfUnset'>, string> = {
  state: 'state',
  done: 'done',
  total: 'total',
  error: 'error',
  stack: 'stack',
  message: 'message',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  heartbeatAt: 'heartbeat_at',
};

/** What a watcher of the store compares between polls (main/jobs/store-watcher.ts). */
export interface WatchedJob {
  id: number;
  state: JobState;
  done: number;
  total: number | null;
  message: string | null;
  error: string | null;
  /** The run a training job writes (its queue marker), else null. */
  runId: number | null;
}

/** A queue row as recovery and scheduling see it. */
export interface LiveJob {
  id: number;
  kind: string;
  params: Record<string, unknown>;
  queue: QueueMeta | null;
  /** The last heartbeat, else the creation time. */
  beatAt: string;
}

export class JobsRepo {
  constructor(private readonly db: Db) {}

  list(states?: readonly JobState[]): JobSummary[] {
    if (states === undefined || states.length === 0) {
      return this.db.prepare<[], JobRow>(`SELECT ${SUMMARY_COLUMNS} FROM jobs ORDER BY id DESC`).all().map(toJobSummary);
    }
    const marks = states.map(() => '?').join(',');
    return this.db
      .prepare<JobState[], JobRow>(`SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE state IN (${marks}) ORDER BY id DESC`)
      .all(...states)
      .map(toJobSummary);
  }

  countRunning(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n;
  }

  /** One job with its parameters, result and the (latest) run it writes. */
  get(id: number): JobRecord | undefined {
    const r = this.db
      .prepare<[number], JobRow & { run_id: number | null }>('SELECT j.*, (SELECT id FROM runs WHERE job_id = j.id ORDER BY id DESC LIMIT 1) AS run_id FROM jobs j WHERE j.id = ?')
      .get(id);
    return r ? toJobRecord(r) : undefined;
  }

  /** The few fields the queue checks before a command. */
  state(id: number): { kind: string; state: JobState; done: number; total: number | null } | undefined {
    return this.db.prepare<[number], { kind: string; state: JobState; done: number; total: number | null }>('SELECT kind, state, done, total FROM jobs WHERE id = ?').get(id);
  }

  create(job: NewJob): number {
    const now = new Date().toISOString();
    return Number(
      this.db
        .prepare('INSERT INTO jobs(kind, state, title, priority, params, created_at, started_at, heartbeat_at, queue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(
          job.kind,
          job.state,
          job.title,
          job.priority ?? 0,
          JSON.stringify(job.params),
          job.createdAt ?? now,
          job.startedAt ?? null,
          job.heartbeatAt ?? null,
          job.queue ? JSON.stringify(job.queue) : null,
        ).lastInsertRowid,
    );
  }

  /** Applies a patch (see JobPatch); false when there is no such job. */
  update(id: number, patch: JobPatch): boolean {
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [field, column] of Object.entries(PATCH_COLUMNS) as [keyof typeof PATCH_COLUMNS, string][]) {
      if (patch[field] === undefined) continue;
      sets.push(`${column} = ?`);
      args.push(patch[field]);
    }
    if (patch.result !== undefined) sets.push('result = ?'), args.push(JSON.stringify(patch.result));
    if (patch.paramsPatch !== undefined) sets.push('params = json_patch(params, ?)'), args.push(JSON.stringify(patch.paramsPatch));
    if (patch.startedAtIfUnset !== undefined) sets.push('started_at = coalesce(started_at, ?)'), args.push(patch.startedAtIfUnset);
    if (patch.errorIfUnset !== undefined) sets.push('error = coalesce(error, ?)'), args.push(patch.errorIfUnset);
    if (sets.length === 0) return this.db.prepare('SELECT 1 FROM jobs WHERE id = ?').get(id) !== undefined;
    return this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id).changes > 0;
  }

  /**
   * Takes a queued row for this process, atomically: another app on the same folder may be
   * scheduling it too. False when it was not queued any more.
   */
  claim(id: number, owner: string, now = new Date().toISOString()): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET state = 'running', started_at = coalesce(started_at, ?), heartbeat_at = ?, finished_at = NULL, queue = json_patch(queue, ?) WHERE id = ? AND state = 'queued'")
        .run(now, now, JSON.stringify({ owner, request: null }), id).changes === 1
    );
  }

  /** Queued again: no end, no error. */
  requeue(id: number): void {
    this.db.prepare("UPDATE jobs SET state = 'queued', finished_at = NULL, error = NULL, stack = NULL WHERE id = ?").run(id);
  }

  heartbeat(ids: Iterable<number>, now = new Date().toISOString()): void {
    const beat = this.db.prepare('UPDATE jobs SET heartbeat_at = ? WHERE id = ?');
    for (const id of ids) beat.run(now, id);
  }

  // ---- the queue marker (jobs.queue) ----

  queueMeta(id: number): QueueMeta | null {
    return toQueueMeta(this.db.prepare<[number], { queue: string | null }>('SELECT queue FROM jobs WHERE id = ?').get(id)?.queue ?? null);
  }

  /** JSON merge patch of the marker: a key set to null is removed (read back as absent). */
  patchQueue(id: number, patch: Partial<QueueMeta>): void {
    this.db.prepare('UPDATE jobs SET queue = json_patch(queue, ?) WHERE id = ?').run(JSON.stringify(patch), id);
  }

  /** Queue rows waiting to run, in the order they should: priority, then age. */
  queued(): { id: number; kind: string; params: Record<string, unknown> }[] {
    return this.db
      .prepare<[], { id: number; kind: string; params: string }>("SELECT id, kind, params FROM jobs WHERE queue IS NOT NULL AND state = 'queued' ORDER BY priority DESC, id")
      .all()
      .map((r) => ({ id: r.id, kind: r.kind, params: parseObject(r.params) }));
  }

  /** Running or paused queue rows with a command from another process waiting. */
  requests(): { id: number; request: string }[] {
    return this.db
      .prepare<[], { id: number; request: string }>(
        "SELECT id, json_extract(queue, '$.request') AS request FROM jobs WHERE queue IS NOT NULL AND state IN ('running','paused') AND json_extract(queue, '$.request') IS NOT NULL",
      )
      .all();
  }

  /** Every running or paused job (queue rows or not), for recovery after a process died. */
  live(): LiveJob[] {
    return this.db
      .prepare<[], Pick<JobRow, 'id' | 'kind' | 'params' | 'queue'> & { beat: string }>(
        "SELECT id, kind, params, queue, coalesce(heartbeat_at, created_at) AS beat FROM jobs WHERE state IN ('running','paused')",
      )
      .all()
      .map((r) => ({ id: r.id, kind: r.kind, params: parseObject(r.params), queue: toQueueMeta(r.queue), beatAt: r.beat }));
  }

  /** Queue rows of a kind that are queued, running or paused. */
  active(kind: string): { id: number; params: Record<string, unknown> }[] {
    return this.db
      .prepare<[string], { id: number; params: string }>("SELECT id, params FROM jobs WHERE kind = ? AND queue IS NOT NULL AND state IN ('queued','running','paused')")
      .all(kind)
      .map((r) => ({ id: r.id, params: parseObject(r.params) }));
  }

  /** Rows outside the queue (started by a runner of their own) of a kind, in the given states. */
  unqueued(kind: string, states: readonly JobState[]): { id: number; params: Record<string, unknown>; beatAt: string }[] {
    const marks = states.map(() => '?').join(',');
    return this.db
      .prepare<unknown[], { id: number; params: string; beat: string }>(
        `SELECT id, params, coalesce(heartbeat_at, created_at) AS beat FROM jobs WHERE kind = ? AND state IN (${marks}) AND queue IS NULL`,
      )
      .all(kind, ...states)
      .map((r) => ({ id: r.id, params: parseObject(r.params), beatAt: r.beat }));
  }

  /** The newest import job that wrote (or was queued to write) a dataset. */
  latestImport(datasetId: number): JobSummary | undefined {
    const row = this.db
      .prepare<[number], JobRow>(`SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE kind = 'import' AND json_extract(params, '$.datasetId') = ? ORDER BY id DESC LIMIT 1`)
      .get(datasetId);
    return row ? toJobSummary(row) : undefined;
  }

  /** Jobs of any kind that are queued, running or paused on a dataset (they block its deletion). */
  activeOnDataset(datasetId: number): JobSummary[] {
    return this.db
      .prepare<{ id: number }, JobRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE state IN ('queued','running','paused')
           AND (json_extract(params, '$.datasetId') = @id OR json_extract(params, '$.args.datasetId') = @id) ORDER BY id`,
      )
      .all({ id: datasetId })
      .map(toJobSummary);
  }

  /** A dataset's import left 'running' by a killed process is not running any more. */
  interruptImports(datasetId: number, exceptJobId: number | null, now = new Date().toISOString()): void {
    this.db
      .prepare("UPDATE jobs SET state = 'interrupted', finished_at = ? WHERE kind = 'import' AND state = 'running' AND json_extract(params, '$.datasetId') = ? AND id IS NOT ?")
      .run(now, datasetId, exceptJobId);
  }

  // ---- watching (another process's jobs, main/jobs/store-watcher.ts) ----

  /** Jobs queued, running or paused, and the given ones whatever their state. */
  watched(ids: readonly number[]): WatchedJob[] {
    const marks = ids.map(() => '?').join(',');
    return this.db
      .prepare<number[], WatchedJob>(
        `SELECT id, state, done, total, message, error, json_extract(queue, '$.runId') AS runId FROM jobs
         WHERE state IN ('queued','running','paused')${ids.length > 0 ? ` OR id IN (${marks})` : ''}`,
      )
      .all(...ids);
  }

  /** The newest log line's id (0 when there is none). */
  lastLogId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS n FROM job_logs').get() as { n: number }).n;
  }

  /** Log lines of every job after a line id, oldest first. */
  logsSince(afterId: number, limit = 1000): (JobLogLine & { jobId: number })[] {
    return this.db
      .prepare<[number, number], JobLogLine & { jobId: number }>('SELECT id, job_id AS jobId, time, level, message FROM job_logs WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit);
  }

  // ---- log lines ----

  addLog(jobId: number, level: JobLogLine['level'], message: string, time = Date.now()): void {
    this.db.prepare('INSERT INTO job_logs(job_id, time, level, message) VALUES (?, ?, ?, ?)').run(jobId, time, level, message);
  }

  /** Log lines oldest first, after the given line id. */
  log(jobId: number, afterId = 0, limit = 500): JobLogLine[] {
    return this.db
      .prepare<[number, number, number], JobLogLine>('SELECT id, time, level, message FROM job_logs WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(jobId, afterId, limit);
  }
}
