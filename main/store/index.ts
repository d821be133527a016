// The experiment store's public surface, shaped like MLflow's tracking store: entities (plain
// types, mostly the Api's own) go in and come out of one repository per aggregate; SQL lives only
// under main/store/ (the layer check fails on it anywhere else). Each aggregate is a folder with
// its row types and their one mapping each (rows.ts) and its repository (repo.ts); the schema is
// the numbered migrations. Adding a table: a migration in migrations/, an aggregate folder, and a
// field on Store below — nothing outside main/store/.
import fs from 'node:fs';
import path from 'node:path';
import { BlobStore } from './blobs/blob-store.js';
import { BundlesRepo } from './bundles/repo.js';
import { sweepBlobs, type SweepOptions, type SweepReport } from './blobs/sweep.js';
import { CaptionsRepo } from './captions/repo.js';
import { ClusterRepo } from './cluster/repo.js';
import { CaptionTemplatesRepo } from './captions/templates-repo.js';
import { openDatabase, schemaVersion, type Db, type OpenOptions } from './database.js';
import { DatasetsRepo } from './datasets/repo.js';
import { DemoRepo } from './demo/repo.js';
import { storeFaultOf, type FaultContext, type StoreFaultError } from './faults.js';
import { checkDataFolder, checkStoreFile } from './preflight.js';
import { DiskReserve } from './reserve.js';
import { EvalsRepo } from './evals/repo.js';
import { JobsRepo } from './jobs/repo.js';
import { MasksRepo } from './masks/repo.js';
import { ResultsRepo } from './results/repo.js';
import { RunsRepo } from './runs/repo.js';
import { SamplesRepo } from './samples/repo.js';
import { SettingsRepo } from './settings/repo.js';

export { BlobReadError, BlobStore, isSha256, sha256Of, type BlobRef } from './blobs/blob-store.js';
export { diskFullMessage, StoreFaultError, type FaultContext, type StoreFaultKind } from './faults.js';
export { RESERVE_BYTES, RESERVE_FILE } from './reserve.js';
export { BundleRowsError, BundlesRepo, type BundleCheckpointRecord, type BundleSampleRecord, type ImportOutcome, type ResultsImport, type RunExport, type RunImport } from './bundles/repo.js';
export { ClusterRepo, type NewSubmission, type SubmissionRecord, type SubmissionState, type TaskPatch, type TaskRecord } from './cluster/repo.js';
export type { SweepOptions, SweepReport } from './blobs/sweep.js';
export { CaptionsRepo, type ApprovedText, type NewCaption } from './captions/repo.js';
export { CaptionTemplatesRepo } from './captions/templates-repo.js';
export { latestSchemaVersion, StoreVersionError, type OpenOptions } from './database.js';
export { DatasetsRepo, type NewSampleError } from './datasets/repo.js';
export { DemoRepo, type DemoChainRecord, type DemoChainPatch } from './demo/repo.js';
export { EvalsRepo, type AggregateInput, type EvaluationRecord, type NewEvaluation, type NewSampleResult, type SampleFeatures, type StoredSample } from './evals/repo.js';
export { JobsRepo, type JobPatch, type LiveJob, type NewJob, type WatchedJob } from './jobs/repo.js';
export type { JobRecord, QueueMeta } from './jobs/rows.js';
export { MasksRepo, type MaskInsert, type NewMaskVersion } from './masks/repo.js';
export type { MaskSample } from './masks/rows.js';
export { ResultsRepo, type EditTarget, type NewResultImage, type NewResultSet } from './results/repo.js';
export { newRunUid, RUN_UID_RE, RunsRepo, type NewCheckpoint, type NewRun, type NewRunSample, type RunFilter } from './runs/repo.js';
export { configSummary } from './runs/rows.js';
export { MetricWriter, ROLLUP_LEVELS, type FlushListener, type MetricPoint } from './runs/metric-writer.js';
export type { DecimatedSeries } from './runs/series.js';
export { ftsQuery } from './samples/fts.js';
export type { SampleQuery, SampleSort } from './samples/browse.js';
export { SamplesRepo } from './samples/repo.js';
export type { NewImage, NewMask, NewSample, SampleRecord, TrainingSample } from './samples/rows.js';
export { SettingsRepo } from './settings/repo.js';

export interface Store {
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly blobs: BlobStore;
  readonly settings: SettingsRepo;
  readonly jobs: JobsRepo;
  readonly datasets: DatasetsRepo;
  readonly samples: SamplesRepo;
  readonly masks: MasksRepo;
  readonly captions: CaptionsRepo;
  readonly captionTemplates: CaptionTemplatesRepo;
  readonly runs: RunsRepo;
  /** Result sets: the edited images of one method on one dataset (shared/api/results.ts). */
  readonly results: ResultsRepo;
  readonly bundles: BundlesRepo;
  readonly cluster: ClusterRepo;
  /** Evaluations of result sets: per-sample scores, features, aggregates (shared/api/evals.ts). */
  readonly evals: EvalsRepo;
  readonly demo: DemoRepo;
  /**
   * Runs `fn` in one transaction: writes of several repositories land together or not at all (an
   * import batch's samples and its per-sample errors). Nested calls become savepoints.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Finishes blob removals a killed process left (the trash journal) and collects orphans older
   * than a grace period: unused blob rows, files without a row, stale temporary files (blobs/sweep.ts).
   */
  sweepBlobs(options?: SweepOptions): Promise<SweepReport>;
  schemaVersion(): number;
  /**
   * SQLite's data_version: it changes when another connection (another process, an engine host) has
   * committed since the last call on this one — a cheap "did anything change elsewhere" for watchers.
   */
  dataVersion(): number;
  /** SQLite's integrity check: "ok", or what is wrong with the file. */
  integrityCheck(): string;
  /**
   * The fault of the disk or the store's files (full, I/O error, read-only, damaged) that `err`
   * stands for, with the message a person should read; null for any other error.
   */
  fault(err: unknown, context?: FaultContext): StoreFaultError | null;
  /**
   * Runs a write that records a failure (a job's end, a dataset leaving `importing`): on a full
   * disk the space held in reserve is given back and the write tried once more (reserve.ts).
   */
  critical<T>(fn: () => T): T;
  /** Puts the disk reserve back when it is gone and there is room again (a job starting). */
  ensureReserve(): boolean;
  close(): void;
}

export const DATABASE_FILE = 'ric.sqlite';

/**
 * Opens (creating if needed) the project folder: `<dataDir>/ric.sqlite` and `<dataDir>/blobs/`.
 * Each process opens its own (the app, the CLI, every engine host): SQLite WAL lets them share the
 * file, each writing its own rows. A folder or file that cannot be used throws a StoreFaultError
 * that names it, the cause and what to do (preflight.ts, faults.ts); a newer schema a StoreVersionError.
 */
export function openStore(dataDir: string, options: OpenOptions = {}): Store {
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const faultOf = (err: unknown, context: FaultContext = 'call') => storeFaultOf(err, dataDir, databaseFile, context);
  let db: Db;
  try {
    if (options.readonly) fs.accessSync(dataDir);
    else checkDataFolder(dataDir);
    checkStoreFile(databaseFile);
    db = openDatabase(databaseFile, options);
  } catch (err) {
    throw faultOf(err, 'open') ?? err;
  }
  const reserve = new DiskReserve(dataDir);
  let blobs: BlobStore;
  try {
    blobs = new BlobStore(path.join(dataDir, 'blobs'), db);
  } catch (err) {
    db.close();
    throw faultOf(err, 'open') ?? err;
  }
  if (!options.readonly) reserve.ensure();
  return {
    dataDir,
    databaseFile,
    blobs,
    settings: new SettingsRepo(db),
    jobs: new JobsRepo(db),
    datasets: new DatasetsRepo(db),
    samples: new SamplesRepo(db),
    masks: new MasksRepo(db),
    captions: new CaptionsRepo(db),
    captionTemplates: new CaptionTemplatesRepo(db),
    runs: new RunsRepo(db),
    results: new ResultsRepo(db),
    bundles: new BundlesRepo(db),
    cluster: new ClusterRepo(db),
    evals: new EvalsRepo(db),
    demo: new DemoRepo(db),
    transaction: (fn) => db.transaction(fn)(),
    sweepBlobs: (o) => sweepBlobs(db, blobs, o),
    schemaVersion: () => schemaVersion(db),
    dataVersion: () => db.pragma('data_version', { simple: true }) as number,
    integrityCheck: () => String(db.pragma('integrity_check', { simple: true })),
    fault: faultOf,
    critical(fn) {
      try {
        return fn();
      } catch (err) {
        if (faultOf(err)?.kind !== 'full') throw err;
        // Another process may have released the reserve already: its room is ours too.
        reserve.release();
        return fn();
      }
    },
    ensureReserve: () => reserve.ensure(),
    close: () => db.close(),
  };
}
