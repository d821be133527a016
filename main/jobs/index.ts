// The jobs area's public surface: the persisted queue (JobManager) with its engine hosts, and the
// host spawner seam (child_process.fork here; Electron's utilityProcess in
// main/electron/utility-host.ts). The rows it keeps (jobs, runs, metrics) are main/store's.
export { JobManager, JobNotFoundError, JobStartError, JobStateError, type JobManagerOptions, type QueueMeta } from './manager.js';
export { EngineHost, forkSpawner, hostEntry, describeExit, lowerPriority, type HostProcess, type HostSpawner, type ExitInfo } from './host-process.js';
export { JobParamsError, laneOf, isTrainingKind } from './kinds.js';
export type { ToHost, FromHost, HostResources, MetricPoint, ResumePoint } from './protocol.js';
export { trainingPreflight, defaultTextFallback } from './preflight.js';
export { StoreWatcher } from './store-watcher.js';
