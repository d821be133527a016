// The experiment store's public surface, shaped like MLflow's tracking store: entities (plain
// types, mostly the Api's own) go in and come out of one repository per aggregate; SQL lives only
// under main/store/ (the layer check fails on it anywhere else). Each aggregate is a folder with
// its row types and their one mapping each (rows.ts) and its repository (repo.ts); the schema is
// the numbered migrations. Adding a table: a migration in migrations/, an aggregate folder, and a
// field on Store below — nothing outside main/store/.
import fs from 'node:fs';
import path from 'node:path';
import { BlobStore } from './blobs/blob-store.js';
import { CaptionsRepo } from './captions/repo.js';
import { CaptionTemplatesRepo } from './captions/templates-repo.js';
import { openDatabase, schemaVersion, type OpenOptions } from './database.js';
import { DatasetsRepo } from './datasets/repo.js';
import { EvalsRepo } from './evals/repo.js';
import { JobsRepo } from './jobs/repo.js';
import { MasksRepo } from './masks/repo.js';
import { ResultsRepo } from './results/repo.js';
import { RunsRepo } from './runs/repo.js';
import { SamplesRepo } from './samples/repo.js';
import { SettingsRepo } from './settings/repo.js';

export { BlobStore, isSha256, type BlobRef } from './blobs/blob-store.js';
export { CaptionsRepo, type ApprovedText, type NewCaption } from './captions/repo.js';
export { CaptionTemplatesRepo } from './captions/templates-repo.js';
export { latestSchemaVersion, StoreVersionError, type OpenOptions } from './database.js';
export { DatasetsRepo, type NewSampleError } from './datasets/repo.js';
export { EvalsRepo, type AggregateInput, type EvaluationRecord, type NewEvaluation, type NewSampleResult, type SampleFeatures, type StoredSample } from './evals/repo.js';
export { JobsRepo, type JobPatch, type LiveJob, type NewJob } from './jobs/repo.js';
export type { JobRecord, QueueMeta } from './jobs/rows.js';
export { MasksRepo, type MaskInsert, type NewMaskVersion } from './masks/repo.js';
export type { MaskSample } from './masks/rows.js';
export { ResultsRepo, type EditTarget, type NewResultImage, type NewResultSet } from './results/repo.js';
export { RunsRepo, type NewCheckpoint, type NewRun, type NewRunSample, type RunFilter } from './runs/repo.js';
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
  /** Evaluations of result sets: per-sample scores, features, aggregates (shared/api/evals.ts). */
  readonly evals: EvalsRepo;
  /**
   * Runs `fn` in one transaction: writes of several repositories land together or not at all (an
   * import batch's samples and its per-sample errors). Nested calls become savepoints.
   */
  transaction<T>(fn: () => T): T;
  schemaVersion(): number;
  /** SQLite's integrity check: "ok", or what is wrong with the file. */
  integrityCheck(): string;
  close(): void;
}

export const DATABASE_FILE = 'ric.sqlite';

/**
 * Opens (creating if needed) the project folder: `<dataDir>/ric.sqlite` and `<dataDir>/blobs/`.
 * Each process opens its own (the app, the CLI, every engine host): SQLite WAL lets them share the
 * file, each writing its own rows.
 */
export function openStore(dataDir: string, options: OpenOptions = {}): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile, options);
  return {
    dataDir,
    databaseFile,
    blobs: new BlobStore(path.join(dataDir, 'blobs'), db),
    settings: new SettingsRepo(db),
    jobs: new JobsRepo(db),
    datasets: new DatasetsRepo(db),
    samples: new SamplesRepo(db),
    masks: new MasksRepo(db),
    captions: new CaptionsRepo(db),
    captionTemplates: new CaptionTemplatesRepo(db),
    runs: new RunsRepo(db),
    results: new ResultsRepo(db),
    evals: new EvalsRepo(db),
    transaction: (fn) => db.transaction(fn)(),
    schemaVersion: () => schemaVersion(db),
    integrityCheck: () => String(db.pragma('integrity_check', { simple: true })),
    close: () => db.close(),
  };
}
