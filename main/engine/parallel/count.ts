// How many tensor workers: the setting (a config's `workers`, else $RIC_ENGINE_WORKERS, else the
// workstation's Settings → tensor workers, else `auto` = the cores Node may use), one in-process where the backend is one device (a GPU: workers would only
// queue on it; tfjs-node runs its own thread pool), and, for `auto`, no more than memory holds — each
// worker keeps its own copy of the weights (README.md, "Memory").
import os from 'node:os';

export const WORKERS_ENV = 'RIC_ENGINE_WORKERS';
export const MAX_WORKERS = 256;

export type WorkersSetting = 'auto' | number;

export interface WorkerPlan {
  /** 1 means in-process: no pool at all. */
  workers: number;
  /** Why, for the log and the run's record. */
  reason: string;
  /** The backend the workers start (null with 1 worker). */
  backend: 'wasm' | 'cpu' | null;
}

/** $RIC_ENGINE_WORKERS: `auto` or a whole number 1–256; anything else is an error naming the variable. */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): WorkersSetting | undefined {
  const raw = env[WORKERS_ENV]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'auto') return 'auto';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new Error(`${WORKERS_ENV}=${raw}: expected auto or a whole number from 1 to ${MAX_WORKERS}`);
  return n;
}

export interface PlanOptions {
  env?: NodeJS.ProcessEnv;
  /** The workstation's setting (Settings → tensor workers), used when neither the job nor the environment says. */
  fallback?: WorkersSetting;
  /** Cores to use for `auto` (default: os.availableParallelism()). */
  cores?: number;
  /** Bytes each worker needs and bytes needed once whatever the count (for the `auto` memory cap). */
  memory?: { perWorkerBytes: number; sharedBytes: number };
  /** Default: os.totalmem(); `auto` plans for 75 % of it. */
  totalMemoryBytes?: number;
}

/** The tfjs backend name → the worker backend, or null where workers do not apply. */
function workerBackend(backend: string): 'wasm' | 'cpu' | null {
  return backend === 'wasm' || backend === 'cpu' ? backend : null;
}

export function planWorkers(setting: WorkersSetting, backend: string, o: PlanOptions = {}): WorkerPlan {
  const wb = workerBackend(backend);
  if (!wb) return { workers: 1, reason: `the ${backend} backend is one device: in-process, no tensor workers`, backend: null };
  const fromEnv = setting === 'auto' ? workersFromEnv(o.env) : undefined;
  const fromSettings = setting === 'auto' && fromEnv === undefined ? o.fallback : undefined;
  const chosen = setting !== 'auto' ? setting : (fromEnv ?? fromSettings);
  if (typeof chosen === 'number') {
    if (!Number.isInteger(chosen) || chosen < 1 || chosen > MAX_WORKERS) throw new Error(`tensor workers: ${chosen} is not a whole number from 1 to ${MAX_WORKERS}`);
    const source = setting !== 'auto' ? 'the config\'s "workers"' : fromEnv !== undefined ? WORKERS_ENV : 'Settings → tensor workers';
    return chosen === 1 ? { workers: 1, reason: `${source} = 1: in-process`, backend: null } : { workers: chosen, reason: `${source} = ${chosen}`, backend: wb };
  }
  const cores = o.cores ?? os.availableParallelism();
  let n = cores;
  let why = `auto: ${cores} cores`;
  if (o.memory) {
    const usable = 0.75 * (o.totalMemoryBytes ?? os.totalmem()) - o.memory.sharedBytes;
    const fits = Math.max(1, Math.floor(usable / o.memory.perWorkerBytes));
    if (fits < n) {
      n = fits;
      why += `, memory for ${fits} (${(o.memory.perWorkerBytes / 1e9).toFixed(1)} GB each of ${(usable / 1e9).toFixed(1)} GB)`;
    }
  }
  return n <= 1 ? { workers: 1, reason: `${why}: in-process`, backend: null } : { workers: n, reason: why, backend: wb };
}
