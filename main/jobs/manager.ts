// The persisted job queue. Rows in `jobs` with a `queue` marker are ours: queued -> running ->
// completed | failed | cancelled, with paused (at a step boundary, model kept) and interrupted (the
// process running it died) on the side. Work runs in engine hosts — one per lane, so a GPU-bound
// job that runs out of memory takes down only its own host: the one training job at a time runs in
// the 'gpu' host, imports and caption jobs (up to LIGHT_CONCURRENCY) in the 'light' host.
import type { JobKind, JobState, TensorBackendName } from '../../shared/api/index.js';
import { isApiEventName } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import { templateCaptionerRefusal } from '../captions/scene-graph.js';
import type { Store } from '../store/index.js';
import { EngineHost, describeExit, forkSpawner, hostEntry, type ExitInfo, type HostSpawner } from './host-process.js';
import { checkParams, isTrainingKind, laneOf, LIGHT_CONCURRENCY, titleOf, trainParamsSchema, type Lane } from './kinds.js';
import { ProgressMeter } from './progress.js';
import type { FromHost, ResumePoint } from './protocol.js';
import { JobRows, JobStartError, JobStateError, me, pidAlive, type QueueMeta } from './job-rows.js';
import { assertDatasetReady, DatasetNotReadyError, useOf } from '../data/readiness.js';
import { StoreWatcher } from './store-watcher.js';
import { trainingPreflight } from './preflight.js';
import { defaultRunName } from '../../shared/runs/index.js';

export { JobNotFoundError, JobStartError, JobStateError, type QueueMeta } from './job-rows.js';

interface ActiveJob {
  id: number;
  kind: string;
  lane: Lane;
  runId: number | null;
  meter: ProgressMeter;
  state: 'running' | 'paused';
  done: number;
  total: number | null;
}

export interface JobManagerOptions {
  spawner?: HostSpawner;
  hostEntry?: () => string;
  log?: (line: string) => void;
  codeVersion?: string;
  /** A running job whose heartbeat is older than this, and whose app is gone, is interrupted. */
  staleAfterMs?: number;
  /** Follow jobs other processes run through the store (store-watcher.ts); false: only this process's. */
  watchStore?: boolean;
}

const HEARTBEAT_MS = 5000;

function refusalOf(store: Store, kind: JobKind, params: Record<string, unknown>, datasetId: number): string | null {
  // Training runs are refused by the training pre-flight (preflight.ts), which names the fix.
  if (kind === 'caption' && params['captioner'] === 'template') return templateCaptionerRefusal(store, datasetId);
  return null;
}

export class JobManager {
  private readonly hosts: Record<Lane, EngineHost>;
  private readonly active = new Map<number, ActiveJob>();
  private readonly timer: NodeJS.Timeout;
  private readonly requestTimer: NodeJS.Timeout;
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly rows: JobRows;
  private readonly watcher: StoreWatcher | null;
  /** The tensor backend the engine host last activated, null before any training job. */
  backend: TensorBackendName | null = null;

  constructor(
    private readonly store: Store,
    private readonly events: EventHub,
    private readonly options: JobManagerOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.rows = new JobRows(store, events);
    const make = (lane: Lane) =>
      new EngineHost(lane, options.spawner ?? forkSpawner, options.hostEntry ?? hostEntry, store.dataDir, {
        onMessage: (m) => this.onHostMessage(m),
        onExit: (info) => this.onHostExit(lane, info),
      }, this.log);
    this.hosts = { gpu: make('gpu'), light: make('light') };
    this.recover(true);
    this.watcher = options.watchStore === false ? null : new StoreWatcher(store, events, { isLocal: (id) => this.active.has(id) });
    this.timer = setInterval(() => this.survive('the heartbeat', () => this.tick()), HEARTBEAT_MS);
    this.timer.unref();
    this.requestTimer = setInterval(() => this.active.size > 0 && this.survive('reading requests', () => this.pollRequests()), 1000);
    this.requestTimer.unref();
    queueMicrotask(() => this.survive('scheduling', () => this.schedule()));
  }

  // ---- commands (the Api and the CLI call these) ----

  start(kind: JobKind, rawParams: Record<string, unknown>, opts: { title?: string | undefined; priority?: number } = {}): { id: number; runId: number | null } {
    let params = checkParams(kind, rawParams);
    const { store } = this;
    // A dataset that is not ready is refused first, saying what happened to it and what to do
    // (data/readiness.ts: an import still running, or stopped and to be re-run); the host checks
    // again when the job starts, as the state may change while it waits.
    const given = typeof params['datasetId'] === 'number' ? params['datasetId'] : null;
    if (given !== null && kind !== 'import' && store.datasets.name(given) !== undefined) readyOrRefuse(store, given, kind);
    if (kind === 'train-regionclip' || kind === 'train-blip') {
      // The same pre-flight the form and `ric train` show: a run that would fail at once is never created.
      const check = trainingPreflight(store, kind, params);
      const first = check.problems[0];
      if (first) throw new JobStartError(`${first.message}${first.fix.cli ? ` (${first.fix.label}; or: ${first.fix.cli})` : ` (${first.fix.label})`}`);
      params = check.params;
    }
    const datasetId = typeof params['datasetId'] === 'number' ? params['datasetId'] : null;
    const datasetName = datasetId === null ? null : (store.datasets.name(datasetId) ?? null);
    if (datasetId !== null && datasetName === null) throw new JobStartError(`dataset ${datasetId} not found`);
    // Refused now, with the reason, rather than failing in the host sample by sample.
    const refusal = datasetId === null ? null : refusalOf(store, kind, params, datasetId);
    if (refusal !== null) throw new JobStartError(refusal);
    const title = opts.title ?? titleOf(kind, params, datasetName);
    const queued = store.transaction(() => {
      const id = store.jobs.create({
        kind,
        state: 'queued',
        title,
        priority: opts.priority ?? 0,
        params: kind === 'import' ? { spec: params } : params,
        queue: { lane: laneOf(kind), runId: null, resume: null, owner: null },
      });
      let runId: number | null = null;
      if (isTrainingKind(kind)) {
        const t = trainParamsSchema.parse(params);
        const family = kind.slice('train-'.length);
        runId = store.runs.create({ jobId: id, kind: family, name: t.name ?? defaultRunName(family, t.preset ?? null, datasetName), datasetId, config: t.config, seed: t.seed, codeVersion: this.options.codeVersion ?? 'dev', uid: t.runUid });
        this.rows.setQueue(id, { runId });
      }
      this.rows.addLog(id, 'info', `queued (${laneOf(kind)} lane, priority ${opts.priority ?? 0})`);
      return { id, runId };
    });
    this.rows.emitState(queued.id, 'queued');
    // Queued and committed: a disk that fills while dispatching it must not fail the call that
    // queued it (the heartbeat dispatches it again), nor leave it running unannounced.
    this.survive('scheduling', () => this.schedule());
    return queued;
  }

  cancel(id: number): JobState {
    const row = this.rows.row(id);
    const a = this.active.get(id);
    if (!a && this.forward(id, row.state, 'cancel')) return row.state;
    if (a) {
      this.hosts[a.lane].send({ type: 'cancel', jobId: id });
      this.rows.addLog(id, 'info', 'cancel requested');
      return a.state;
    }
    if (row.state === 'completed' || row.state === 'cancelled') return row.state;
    this.rows.finish(id, 'cancelled', { error: null, stack: null, result: null, message: 'cancelled by the user' });
    this.survive('scheduling', () => this.schedule());
    return 'cancelled';
  }

  pause(id: number): JobState {
    const row = this.rows.row(id);
    const a = this.active.get(id);
    if (!a && this.forward(id, row.state, 'pause')) return row.state;
    if (!a) throw new JobStateError(`job ${id} is ${row.state}, not running: only a running job can pause`);
    if (!isTrainingKind(a.kind)) throw new JobStateError(`a ${a.kind} job cannot pause (it has no step boundaries); cancel it and resume later — it skips finished work`);
    this.hosts[a.lane].send({ type: 'pause', jobId: id });
    this.rows.addLog(id, 'info', 'pause requested: at the next step boundary');
    return a.state;
  }

  /** Paused: continue in place. Interrupted/failed/cancelled: queue again (training from a checkpoint). */
  resume(id: number, checkpointId?: number): JobState {
    const row = this.rows.row(id);
    const a = this.active.get(id);
    if (!a && this.forward(id, row.state, 'resume')) return row.state;
    if (a) {
      if (a.state !== 'paused') throw new JobStateError(`job ${id} is already running`);
      this.hosts[a.lane].send({ type: 'resume', jobId: id });
      return 'paused';
    }
    if (row.state === 'queued' || row.state === 'completed') {
      if (row.state === 'queued') return 'queued';
      if (checkpointId === undefined) throw new JobStateError(`job ${id} has completed; resume from a chosen checkpoint to continue it`);
    }
    const meta = this.rows.meta(id);
    if (!meta) throw new JobStateError(`job ${id} was not started through the job queue (its own view resumes it)`);
    let resume: ResumePoint | null = null;
    if (meta.runId !== null) {
      const cp = this.store.runs.checkpoint(meta.runId, checkpointId);
      if (checkpointId !== undefined && !cp) throw new JobStateError(`checkpoint ${checkpointId} is not one of run ${meta.runId}'s`);
      resume = cp ? { checkpointId: cp.id, step: cp.step, path: cp.path } : null;
      // The curve continues from the checkpoint: points after it belong to the abandoned attempt.
      this.store.runs.truncateAfter(meta.runId, resume?.step ?? -1);
      this.store.runs.setStatus(meta.runId, 'queued', { finishedAt: null });
    }
    this.rows.setQueue(id, { resume });
    this.store.jobs.requeue(id);
    this.rows.addLog(id, 'info', resume ? `queued to resume from the checkpoint at step ${resume.step}` : 'queued again');
    this.rows.emitState(id, 'queued');
    this.survive('scheduling', () => this.schedule());
    return 'queued';
  }

  /**
   * A running or paused job this process does not run: if its app is alive, leave it the command
   * (carried out within a second); if that app is gone, the job is interrupted first.
   */
  private forward(id: number, state: JobState, request: NonNullable<QueueMeta['request']>): boolean {
    if (state !== 'running' && state !== 'paused') return false;
    const meta = this.rows.meta(id);
    if (meta?.owner && meta.owner !== me && pidAlive(meta.owner)) {
      this.rows.setQueue(id, { request });
      this.rows.addLog(id, 'info', `${request} requested by ${me}`);
      return true;
    }
    this.rows.finish(id, 'interrupted', { error: `the process running it stopped${meta?.owner ? ` (${meta.owner})` : ''}`, stack: null, result: null });
    return false;
  }

  /** Carries out commands other processes left for the jobs this one runs. */
  private pollRequests(): void {
    const rows = this.store.jobs.requests();
    for (const r of rows) {
      if (!this.active.has(r.id)) continue;
      this.rows.setQueue(r.id, { request: null });
      try {
        if (r.request === 'cancel') this.cancel(r.id);
        else if (r.request === 'pause') this.pause(r.id);
        else if (r.request === 'resume') this.resume(r.id);
      } catch (err) {
        this.rows.addLog(r.id, 'warn', `${r.request} from another process refused: ${(err as Error).message}`);
      }
    }
  }

  meta(id: number): QueueMeta | null {
    return this.rows.meta(id);
  }

  hostPid(lane: Lane): number | undefined {
    return this.hosts[lane].pid;
  }

  hostResources(lane: Lane = 'gpu') {
    return this.hosts[lane].resources();
  }

  isActive(id: number): boolean {
    return this.active.has(id);
  }

  /** Stops the hosts (they flush their metrics and exit) and waits for them. */
  async close(): Promise<void> {
    this.closeNow();
    await this.stopping;
  }

  /** For a synchronous app shutdown: jobs still running end interrupted (resumable), hosts are told to exit. */
  closeNow(): void {
    if (this.closed) return;
    for (const a of [...this.active.values()]) {
      this.active.delete(a.id);
      this.rows.finish(a.id, 'interrupted', { error: 'the app closed while it ran', stack: null, result: null, message: 'resume it to continue' });
    }
    this.closed = true;
    this.watcher?.close();
    clearInterval(this.timer);
    clearInterval(this.requestTimer);
    this.stopping = Promise.all([this.hosts.gpu.stop(), this.hosts.light.stop()]).then(() => undefined);
  }

  private stopping: Promise<void> = Promise.resolve();

  // ---- scheduling ----

  private schedule(): void {
    if (this.closed) return;
    for (const q of this.store.jobs.queued()) {
      const lane = laneOf(q.kind);
      const inLane = [...this.active.values()].filter((a) => a.lane === lane).length;
      if (inLane >= (lane === 'gpu' ? 1 : LIGHT_CONCURRENCY)) continue;
      this.dispatch(q.id, q.kind, lane, q.params);
    }
  }

  private dispatch(id: number, kind: string, lane: Lane, params: Record<string, unknown>): void {
    const meta = this.rows.meta(id)!;
    const now = new Date().toISOString();
    // Claim it atomically: another app on the same folder may be scheduling the same row.
    if (!this.store.jobs.claim(id, me, now)) return;
    if (meta.runId !== null) this.store.runs.setStatus(meta.runId, 'running', { started: now });
    const row = this.rows.row(id);
    this.active.set(id, { id, kind, lane, runId: meta.runId, meter: new ProgressMeter(), state: 'running', done: row.done, total: row.total });
    try {
      // json_patch drops keys set to null, so an absent key means null here.
      this.hosts[lane].send({ type: 'start', jobId: id, kind, params, runId: meta.runId ?? null, resume: meta.resume ?? null });
    } catch (err) {
      this.active.delete(id);
      this.rows.finish(id, 'failed', { error: `could not start the engine host: ${(err as Error).message}`, stack: (err as Error).stack ?? null, result: null });
      return;
    }
    this.rows.addLog(id, 'info', `started in the ${lane} engine host (pid ${this.hosts[lane].pid ?? '?'})${meta.resume ? ` from step ${meta.resume.step}` : ''}`);
    this.rows.emitState(id, 'running');
  }

  /**
   * Main outlives a full or failing disk: a store fault in a timer or while handling a host's
   * message is logged (at most once a minute per place) instead of ending the process from the
   * event loop; the Api answers calls with the fault's message meanwhile. Other errors are bugs
   * and are thrown as before.
   */
  private survive(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const fault = this.store.fault(err);
      if (!fault) throw err;
      const now = Date.now();
      if (now - (this.faultLogged.get(what) ?? 0) < 60_000) return;
      this.faultLogged.set(what, now);
      this.log(`[jobs] ${what}: ${fault.message}`);
    }
  }

  private readonly faultLogged = new Map<string, number>();
  /** Ends reported by a host that the store could not take yet (see 'finished'). */
  private readonly unrecorded = new Map<number, { state: 'completed' | 'failed' | 'cancelled'; error: string | null; stack: string | null; result: unknown }>();

  // ---- messages from the hosts ----

  private onHostMessage(m: FromHost): void {
    if (this.closed) return;
    this.survive(`a ${m.type} message from an engine host`, () => this.handleHostMessage(m));
  }

  private handleHostMessage(m: FromHost): void {
    switch (m.type) {
      case 'ready':
        return;
      case 'engine':
        this.backend = m.backend;
        return;
      case 'progress': {
        const a = this.active.get(m.jobId);
        if (!a) return;
        a.done = m.done;
        a.total = m.total;
        this.store.jobs.update(m.jobId, { done: m.done, total: m.total, heartbeatAt: new Date().toISOString(), ...(m.message ? { message: m.message } : {}) });
        const { rate, etaSeconds } = a.meter.update(m.done, m.total);
        this.events.emit('job.progress', { jobId: m.jobId, state: a.state, done: m.done, total: m.total, rate, etaSeconds, ...(m.message ? { message: m.message } : {}) });
        return;
      }
      case 'log':
        this.rows.addLog(m.jobId, m.level, m.message, m.time);
        return;
      case 'paused':
      case 'resumed': {
        const a = this.active.get(m.jobId);
        if (!a) return;
        a.state = m.type === 'paused' ? 'paused' : 'running';
        // Paused at a step boundary: that step is the job's, whatever the last (rate-limited) progress said.
        if (m.type === 'paused' && m.step !== null) a.done = m.step;
        this.store.jobs.update(m.jobId, { state: a.state, ...(m.type === 'paused' && m.step !== null ? { done: m.step } : {}) });
        if (a.runId !== null) this.store.runs.setStatus(a.runId, a.state);
        this.rows.addLog(m.jobId, 'info', m.type === 'paused' ? `paused at step ${m.step ?? '?'}` : 'resumed');
        this.rows.emitState(m.jobId, a.state);
        return;
      }
      case 'finished': {
        this.active.delete(m.jobId);
        const end = { state: m.state, error: m.error, stack: m.stack, result: m.result };
        try {
          this.rows.finish(m.jobId, end.state, end);
        } catch (err) {
          // Not even the reserve's room (a disk that turned read-only): kept, and written by the
          // heartbeat once the disk takes writes again, so the job ends with its real reason.
          if (!this.store.fault(err)) throw err;
          this.unrecorded.set(m.jobId, end);
          throw err;
        }
        this.schedule();
        return;
      }
      case 'metrics':
        this.events.emit('metric.batch', { runId: m.runId, points: m.points });
        return;
      case 'event':
        if (isApiEventName(m.event)) this.events.emit(m.event, m.payload as never);
        return;
      default:
        return;
    }
  }

  private onHostExit(lane: Lane, info: ExitInfo): void {
    if (this.closed) return;
    this.survive('an engine host exit', () => this.handleHostExit(lane, info));
  }

  private handleHostExit(lane: Lane, info: ExitInfo): void {
    const reason = describeExit(info);
    for (const a of [...this.active.values()]) {
      if (a.lane !== lane) continue;
      this.active.delete(a.id);
      this.rows.finish(a.id, 'interrupted', { error: reason, stack: null, result: null, message: 'resume it to continue (training: from its last checkpoint)' });
    }
    if (!this.closed) {
      if (info.code !== 0) this.log(`[jobs] ${reason}; it starts again with the next job`);
      this.schedule();
    }
  }

  /** Jobs left running or paused by a process that is gone become interrupted. */
  private recover(atStart: boolean): void {
    const staleMs = this.options.staleAfterMs ?? 30_000;
    const cutoff = new Date(Date.now() - staleMs).toISOString();
    for (const r of this.store.jobs.live()) {
      if (this.active.has(r.id)) continue;
      const meta = r.queue;
      const stale = r.beatAt < cutoff;
      const ownerGone = meta !== null && meta.owner !== me && !pidAlive(meta.owner);
      if (ownerGone || (meta?.owner === me && atStart) || stale) {
        this.rows.finish(r.id, 'interrupted', { error: `the process running it stopped${meta?.owner ? ` (${meta.owner})` : ''}`, stack: null, result: null, message: 'resume it to continue' });
      }
    }
  }

  private tick(): void {
    for (const [id, end] of [...this.unrecorded]) {
      this.rows.finish(id, end.state, end);
      this.unrecorded.delete(id);
    }
    this.store.jobs.heartbeat(this.active.keys());
    this.recover(false);
    // Jobs queued by another process on the same folder (e.g. `ric jobs resume` beside `ric serve`).
    this.schedule();
  }
}

function readyOrRefuse(store: Store, datasetId: number, kind: string): void {
  try {
    assertDatasetReady(store, datasetId, useOf(kind));
  } catch (err) {
    if (err instanceof DatasetNotReadyError) throw new JobStartError(err.message);
    throw err;
  }
}
