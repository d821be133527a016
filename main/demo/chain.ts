// The demo chain's driver (issue 18). It lives in the app that started it (the window's main
// process, `ric serve`, or `ric demo` itself) and does no work of its own: it walks the stages of
// plan.ts, and each stage starts, resumes or waits for an ordinary job through the Api — so every
// stage is a job the jobs panel shows, with its progress, log and cancel. The chain's row in the
// store (migration 10) records the stages and their jobs; a chain whose app died reads as
// interrupted, and starting the demo again walks the stages anew, finding done work in the store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { ApiClient } from '../../shared/api/client.js';
import { demoStartArgsSchema, FINAL_JOB_STATES, type DemoChainState, type DemoSettings, type DemoStage, type DemoStartArgs, type DemoStatus, type JobDetail } from '../../shared/api/index.js';
import type { DemoChainRecord, Store } from '../store/index.js';
import { findBaseEditor, missingBaseEditorMessage } from './base-editor.js';
import { pendingStages, planStages, resolveSettings, type ResolvedSettings } from './plan.js';
import { demoTable, runStage, type StageContext } from './stages.js';

export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

class ChainCancelled extends Error {
  override name = 'ChainCancelled';
}

/** A stage's job ended other than completed. */
class StageJobError extends Error {
  constructor(
    readonly job: JobDetail,
    message: string,
  ) {
    super(message);
  }
}

function pidAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(':');
  if (host !== os.hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DemoServiceOptions {
  store: Store;
  dataDir: string;
  /** The app's own Api, in process: the chain is one more client of it. */
  api: () => ApiClient;
  emit: (id: number, state: DemoChainState) => void;
  /** Starts the app's job queue (in the CLI it starts on first use): it recovers jobs a dead process left running. */
  queue: () => void;
  log?: (line: string) => void;
}

export class DemoService {
  /** "hostname:pid:token" — the token tells this app's chains from another app's in the same process (tests). */
  private readonly me = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private running: { id: number; abort: AbortController; currentJob: number | null; done: Promise<void> } | null = null;

  constructor(private readonly o: DemoServiceOptions) {}

  /** Starts the chain (or returns the one this app is running). Refused at once when the base editor is missing. */
  start(raw: DemoStartArgs): DemoStatus {
    if (this.running) return this.status()!;
    const latest = this.o.store.demo.latest();
    if (latest?.state === 'running' && this.ownedElsewhere(latest)) {
      throw new DemoRefusedError(`the demo is already running in another process (${latest.owner}); wait for it, or cancel it there`);
    }
    if (latest?.state === 'running') this.o.store.demo.update(latest.id, { state: 'interrupted', error: 'the process running it stopped' });
    const settings = resolveSettings(parseStartArgs(raw, process.env));
    const base = findBaseEditor(this.o.dataDir, settings.trainBase);
    if (!base.found && !settings.trainBase) throw new DemoRefusedError(missingBaseEditorMessage(base.looked));
    this.o.queue();
    const specs = planStages(settings);
    const id = this.o.store.demo.create(settings as unknown as Record<string, unknown>, pendingStages(specs), this.me);
    const abort = new AbortController();
    const run = { id, abort, currentJob: null as number | null, done: Promise.resolve() };
    this.running = run;
    run.done = this.drive(run, settings)
      .catch((err: unknown) => this.o.log?.(`[demo] the chain stopped: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
      if (this.running === run) this.running = null;
    });
    this.o.emit(id, 'running');
    return this.status()!;
  }

  /** The latest chain; one left 'running' by a process that is gone reads (and is stored) as interrupted. */
  status(): DemoStatus | null {
    const r = this.o.store.demo.latest();
    if (!r) return null;
    if (r.state === 'running' && this.running?.id !== r.id && !this.ownedElsewhere(r)) {
      this.o.store.demo.update(r.id, { state: 'interrupted', error: 'the process running it stopped; run the demo again to continue' });
      return toStatus(this.o.store.demo.get(r.id)!);
    }
    return toStatus(r);
  }

  cancel(): DemoStatus | null {
    const run = this.running;
    if (run) {
      run.abort.abort();
      if (run.currentJob !== null) void this.o.api().call('jobs.cancel', { id: run.currentJob }).catch(() => undefined);
    }
    return this.status();
  }

  /** Resolves when the running chain (if any) has ended: for `ric demo` and tests. */
  async settled(): Promise<void> {
    await this.running?.done;
  }

  /** On app shutdown: the chain stops driving; its row reads interrupted and a re-run continues. */
  close(): void {
    this.closed = true;
    this.running?.abort.abort();
  }

  private closed = false;

  private ownedElsewhere(r: DemoChainRecord): boolean {
    if (!r.owner || r.owner === this.me) return false;
    const [host, pid] = r.owner.split(':');
    // Same process, another app (a test's second app on the folder): alive only if that app drives it.
    if (host === os.hostname() && Number(pid) === process.pid) return false;
    return pidAlive(`${host}:${pid}`);
  }

  private async drive(run: { id: number; abort: AbortController; currentJob: number | null }, settings: ResolvedSettings): Promise<void> {
    const { store } = this.o;
    const specs = planStages(settings);
    const stages: DemoStage[] = pendingStages(specs);
    const save = (patch: Parameters<Store['demo']['update']>[1] = {}) => {
      // The app closed under the chain: its row stays 'running' and reads as interrupted next time.
      if (this.closed) return;
      store.demo.update(run.id, { stages, ...patch });
      this.o.emit(run.id, patch.state ?? 'running');
    };
    const api = this.o.api();
    const ctx: StageContext = {
      api,
      dataDir: this.o.dataDir,
      settings,
      onJob: (jobId) => {
        run.currentJob = jobId;
        const s = stages.find((x) => x.state === 'running');
        if (s && s.jobId !== jobId) {
          s.jobId = jobId;
          save();
        }
      },
      wait: (jobId, started) => this.waitJob(api, jobId, run, started),
    };
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const stage = stages[i]!;
      if (run.abort.signal.aborted) return this.end(run.id, stages, 'cancelled', null);
      stage.state = 'running';
      save();
      try {
        if (spec.kind === 'table') {
          const result = await demoTable(api, settings);
          stage.state = 'done';
          stage.detail = `${result.table.rows.length} rows × ${result.table.columns.length} columns`;
          return this.end(run.id, stages, 'completed', null, result);
        }
        const out = await runStage(ctx, spec);
        stage.state = 'done';
        stage.detail = out.detail;
        if (out.jobId !== undefined) stage.jobId = out.jobId;
        run.currentJob = null;
        save();
      } catch (err) {
        const cancelled = err instanceof ChainCancelled || (err instanceof StageJobError && err.job.state === 'cancelled') || run.abort.signal.aborted;
        stage.state = cancelled ? 'cancelled' : 'failed';
        const message = err instanceof Error ? err.message : String(err);
        stage.detail = message;
        this.o.log?.(`[demo] ${spec.label}: ${message}`);
        return this.end(run.id, stages, cancelled ? 'cancelled' : 'failed', cancelled ? `cancelled at "${spec.label}"; run the demo again to continue` : `${spec.label}: ${message}`);
      }
    }
  }

  private end(id: number, stages: DemoStage[], state: DemoChainState, error: string | null, result?: DemoStatus['result']): void {
    if (this.closed) return;
    this.o.store.demo.update(id, { stages, state, error, ...(result ? { result } : {}) });
    this.o.emit(id, state);
  }

  /** Follows a job to its end (progress events wake the check; a timer is the fallback). */
  private waitJob(api: ApiClient, jobId: number, run: { abort: AbortController; currentJob: number | null }, started: (jobId: number) => void): Promise<JobDetail> {
    started(jobId);
    return new Promise((resolve, reject) => {
      let settled = false;
      let cancelSent = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        off();
        clearInterval(timer);
        fn();
      };
      const check = () => {
        if (run.abort.signal.aborted && !cancelSent) {
          cancelSent = true;
          void api.call('jobs.cancel', { id: jobId }).catch(() => undefined);
        }
        api.call('jobs.get', { id: jobId }).then(
          (job) => {
            if (!FINAL_JOB_STATES.includes(job.state)) return;
            if (job.state === 'completed') finish(() => resolve(job));
            else if (run.abort.signal.aborted) finish(() => reject(new ChainCancelled('cancelled')));
            else finish(() => reject(new StageJobError(job, `job ${job.id} "${job.title}" ${job.state}${job.error ? `: ${job.error}` : ''}`)));
          },
          (err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
        );
      };
      const off = api.on('job.progress', (p) => {
        if (p.jobId === jobId) check();
      });
      const timer = setInterval(check, 500);
      timer.unref();
      check();
    });
  }
}

/** The largest RIC_DEMO_DEFAULTS file read. */
const MAX_DEFAULTS_BYTES = 64 * 1024;

/**
 * The caller's arguments over the defaults in the JSON file $RIC_DEMO_DEFAULTS names (the same fields
 * as `demo.start`): how a test or a benchmark sizes the chain that the window's one-click offer starts.
 */
export function parseStartArgs(raw: DemoStartArgs, env: NodeJS.ProcessEnv): DemoSettings {
  let defaults: Record<string, unknown> = {};
  const file = env['RIC_DEMO_DEFAULTS'];
  if (file) {
    try {
      if (fs.statSync(file).size > MAX_DEFAULTS_BYTES) throw new Error(`larger than ${MAX_DEFAULTS_BYTES} bytes`);
      const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
      defaults = v as Record<string, unknown>;
    } catch (err) {
      throw new DemoRefusedError(`RIC_DEMO_DEFAULTS ${file}: ${(err as Error).message}`);
    }
  }
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const config = { ...((defaults['config'] as Record<string, unknown> | undefined) ?? {}), ...((given['config'] as Record<string, unknown> | undefined) ?? {}) };
  const parsed = demoStartArgsSchema.safeParse({ ...defaults, ...given, config });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DemoRefusedError(`the demo's settings${file ? ` (with RIC_DEMO_DEFAULTS ${file})` : ''}: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function toStatus(r: DemoChainRecord): DemoStatus {
  return { id: r.id, state: r.state, settings: r.settings, stages: r.stages, error: r.error, createdAt: r.createdAt, updatedAt: r.updatedAt, result: r.result };
}
