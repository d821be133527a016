// The engine's tensor workers (README.md): a pool of worker_threads with a backend each, per-item
// tasks over it (`pool.map`), and the data-parallel contrastive trainer's coordinator.
export { TensorPool, workerEntry, type PoolOptions, type CallOptions } from './pool.js';
export { defineWorkerTask, clipImageFeatures, clipTextFeatures, type WorkerTask, type TaskContext } from './tasks.js';
export { planWorkers, workersFromEnv, WORKERS_ENV, MAX_WORKERS, type WorkerPlan, type WorkersSetting } from './count.js';
export { DataParallel, shareOut, partitionEntries, TEMPERATURE_KEY } from './data-parallel.js';
export { shareModel, buildReplica, type SharedModel, type SharedParam } from './replica.js';
