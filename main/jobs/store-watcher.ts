// One live truth in every window (issue 12): jobs run by another process on the same data folder —
// `ric train` in a terminal beside the app, a second app — reach this process's event hub as the
// same `job.progress`, `metric.batch` and `log.line` events its own queue emits. Every process that
// runs jobs already writes their state to the store as it changes (job rows on every state change and
// progress report, metric points committed at least every second by the engine host, log lines as
// they come), so following the store is enough: no process has to find or trust another.
//
// A poll costs one `PRAGMA data_version` (it changes only when another connection committed); when
// it changed, the live jobs' rows, the log lines after the last one seen and the new metric points of
// the runs those jobs write are read by index and compared with what this hub already carried. What
// this process emitted itself (its own jobs, its own log lines) is recorded from the hub and never
// sent twice.
import { FINAL_JOB_STATES, type JobState } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import type { MetricPoint, Store, WatchedJob } from '../store/index.js';
import { ProgressMeter } from './progress.js';

export const WATCH_INTERVAL_MS = 250;
const MAX_POINTS_PER_EVENT = 5000;
const RECENT_LOGS = 2000;

interface Known {
  state: JobState;
  done: number;
  total: number | null;
  message: string | null;
}

export interface StoreWatcherOptions {
  /** Jobs this process runs itself: its queue emits their events (metric batches straight from its host). */
  isLocal(jobId: number): boolean;
  intervalMs?: number;
}

export class StoreWatcher {
  private lastVersion: number;
  private lastLogId: number;
  private readonly known = new Map<number, Known>();
  private readonly meters = new Map<number, ProgressMeter>();
  /** Per run followed, per metric key: the last step (and its time) this hub carried. */
  private readonly seen = new Map<number, Map<string, { step: number; time: number }>>();
  /** Log lines this hub carried, by job, time and text: a row written by this process is not sent again. */
  private readonly recentLogs = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** Set while this watcher emits a log line, so its own lines are not recorded as carried-by-others. */
  private relaying = false;

  constructor(
    private readonly store: Store,
    private readonly events: EventHub,
    private readonly options: StoreWatcherOptions,
  ) {
    this.lastVersion = store.dataVersion();
    this.lastLogId = store.jobs.lastLogId();
    for (const j of store.jobs.watched([])) this.remember(j.id, j);
    this.unsubscribe = events.subscribe((event, payload) => {
      if (event === 'job.progress') {
        const p = payload as { jobId: number; state: JobState; done: number; total: number | null; message?: string };
        this.remember(p.jobId, { state: p.state, done: p.done, total: p.total, message: p.message ?? this.known.get(p.jobId)?.message ?? null });
      } else if (event === 'log.line' && !this.relaying) {
        const l = payload as { jobId: number; time: number; message: string };
        this.recentLogs.add(logKey(l.jobId, l.time, l.message));
        if (this.recentLogs.size > RECENT_LOGS) this.recentLogs.delete(this.recentLogs.values().next().value!);
      }
    });
    this.timer = setInterval(() => this.poll(), options.intervalMs ?? WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Reads what other processes committed since the last poll and emits it; exposed for tests. */
  poll(): void {
    const version = this.store.dataVersion();
    if (version === this.lastVersion) return;
    this.lastVersion = version;
    try {
      this.pollJobs();
      this.pollLogs();
    } catch (err) {
      // A busy or briefly locked database: the next poll reads it (the version is re-read then).
      this.lastVersion = -1;
      if (!isBusy(err)) throw err;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private remember(id: number, k: Known): void {
    if (FINAL_JOB_STATES.includes(k.state)) {
      this.known.delete(id);
      this.meters.delete(id);
    } else this.known.set(id, k);
  }

  private pollJobs(): void {
    for (const row of this.store.jobs.watched([...this.known.keys()])) {
      const local = this.options.isLocal(row.id);
      // Points first: a run's last points are committed before its job's end, and arrive so.
      if (!local && row.runId !== null) this.pollMetrics(row.runId);
      const before = this.known.get(row.id);
      const changed = !before || before.state !== row.state || before.done !== row.done || before.total !== row.total || before.message !== row.message;
      if (!changed || local) {
        if (!local) continue;
        this.remember(row.id, row);
        continue;
      }
      this.emitProgress(row);
    }
  }

  private emitProgress(row: WatchedJob): void {
    let meter = this.meters.get(row.id);
    if (!meter) this.meters.set(row.id, (meter = new ProgressMeter()));
    const { rate, etaSeconds } = row.state === 'running' ? meter.update(row.done, row.total) : { rate: null, etaSeconds: row.state === 'completed' ? 0 : null };
    const message = row.state === 'failed' || row.state === 'interrupted' ? (row.error ?? row.message) : row.message;
    // Emitted through the hub: the subscription above records it as carried.
    this.events.emit('job.progress', { jobId: row.id, state: row.state, done: row.done, total: row.total, rate, etaSeconds, ...(message ? { message } : {}) });
    if (FINAL_JOB_STATES.includes(row.state)) this.seen.delete(row.runId ?? -1);
  }

  private pollMetrics(runId: number): void {
    let seen = this.seen.get(runId);
    const latest = this.store.runs.latestMetrics(runId);
    if (!seen) {
      // First sight of this run: what is stored already is the chart's to read (runs.series); only what comes next is news.
      this.seen.set(runId, new Map(latest.map((p) => [p.key, { step: p.step, time: p.time }])));
      return;
    }
    const points: MetricPoint[] = [];
    for (const p of latest) {
      const s = seen.get(p.key);
      if (s && p.step === s.step && p.time === s.time) continue;
      if (!s || p.step > s.step) points.push(...this.store.runs.pointsAfter(runId, p.key, s ? s.step : Number.MIN_SAFE_INTEGER));
      else points.push(p); // the same step written again, or a curve rewound to a checkpoint (a resumed run)
      seen.set(p.key, { step: p.step, time: p.time });
    }
    for (let i = 0; i < points.length; i += MAX_POINTS_PER_EVENT) this.events.emit('metric.batch', { runId, points: points.slice(i, i + MAX_POINTS_PER_EVENT) });
  }

  private pollLogs(): void {
    for (;;) {
      const rows = this.store.jobs.logsSince(this.lastLogId);
      for (const l of rows) {
        this.lastLogId = l.id;
        const key = logKey(l.jobId, l.time, l.message);
        if (this.recentLogs.delete(key)) continue;
        this.relaying = true;
        try {
          this.events.emit('log.line', { jobId: l.jobId, level: l.level, message: l.message, time: l.time });
        } finally {
          this.relaying = false;
        }
      }
      if (rows.length < 1000) return;
    }
  }
}

const logKey = (jobId: number, time: number, message: string) => `${jobId}\u0000${time}\u0000${message}`;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
