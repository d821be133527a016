// What the engine host can run: one runner per job kind, registered by name. A runner gets a
// context (its own store connection, cancellation, progress, log, metrics, step boundaries for
// pause) and returns the job's result; throwing fails the job with the error and its stack.
import type { ApiEventName, ApiEventPayload } from '../../../shared/api/index.js';
import type { Store } from '../../store/index.js';
import type { LogLevel, ResumePoint } from '../protocol.js';

export interface JobRunContext {
  readonly jobId: number;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  /** The run a training job writes (created by main), else null. */
  readonly runId: number | null;
  /** Where a resumed training job continues from, else null. */
  readonly resume: ResumePoint | null;
  /** The host's own connection to the same data folder. */
  readonly store: Store;
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, message?: string): void;
  log(level: LogLevel, message: string): void;
  /** Buffered; committed with the batch at least every second. */
  metric(key: string, step: number, value: number): void;
  /** Commits buffered points now (before a checkpoint row, so a resume never leaves a gap). */
  flushMetrics(): void;
  /**
   * Call between steps. Returns at once unless the job is paused (then waits, model still loaded)
   * and rejects with an AbortError once the job is cancelled. Also lets pending messages in.
   */
  boundary(step: number): Promise<void>;
  /** Raise an Api event (dataset.changed, ...) in main. */
  emit<E extends ApiEventName>(event: E, payload: ApiEventPayload<E>): void;
  /** Report the tensor backend and memory for the resources panel. */
  setEngine(info: EngineInfo): void;
}

/** A failure the runner has already put in plain words (an import's report): the job keeps no stack. */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
}

export interface EngineInfo {
  backend: string;
  memory: () => { numTensors: number; numBytes: number; numDataBuffers: number; gpuBytes?: number | null };
}

export interface JobRunner {
  /** Whether it calls `boundary` between steps, so pause is honoured. */
  readonly pausable: boolean;
  run(ctx: JobRunContext): Promise<unknown>;
}

const runners = new Map<string, () => Promise<JobRunner>>();

/** Registers a kind; the loader is called (once per job) only when such a job starts. */
export function registerRunner(kind: string, load: () => Promise<JobRunner>): void {
  runners.set(kind, load);
}

export async function runnerFor(kind: string): Promise<JobRunner> {
  const load = runners.get(kind);
  if (!load) throw new Error(`the engine host has no runner for job kind "${kind}" (known: ${[...runners.keys()].join(', ')})`);
  return load();
}

export const registeredKinds = () => [...runners.keys()];
