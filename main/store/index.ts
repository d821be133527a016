// The experiment store's public surface, shaped like MLflow's tracking store: entities (plain
// types, mostly the Api's own) go in and come out of one repository per aggregate; SQL lives only
// under main/store/ (the layer check fails on it anywhere else). Each aggregate is a folder with
// its row types and their one mapping each (rows.ts) and its repository (repo.ts); the schema is
// the numbered migrations. Adding a table: a migration in migrations/, an aggregate folder, and a
// field on Store below — nothing outside main/store/.
import fs from 'node:fs';
import path from 'node:path';
import { BlobStore } from './blobs/blob-store.js';
import { sweepBlobs, type SweepOptions, type SweepReport } from './blobs/sweep.js';
import { CaptionsRepo } from './captions/repo.js';
import { CaptionTemplatesRepo } from './captions/templates-repo.js';
import { openDatabase, schemaVersion, type OpenOptions } from './database.js';
import { DatasetsRepo } from './datasets/repo.js';
import { JobsRepo } from './jobs/repo.js';
import { MasksRepo } from './masks/repo.js';
import { RunsRepo } from './runs/repo.js';
import { SamplesRepo } from './samples/repo.js';
import { SettingsRepo } from './settings/repo.js';

export { BlobStore, isSha256, sha256Of, type BlobRef } from './blobs/blob-store.js';
export type { SweepOptions, SweepReport } from './blobs/sweep.js';
export { CaptionsRepo, type ApprovedText, type NewCaption } from './captions/repo.js';
export { CaptionTemplatesRepo } from './captions/templates-repo.js';
export { latestSchemaVersion, StoreVersionError, type OpenOptions } from './database.js';
export { DatasetsRepo, type NewSampleError } from './datasets/repo.js';
export { JobsRepo, type JobPatch, type LiveJob, type NewJob } from './jobs/repo.js';
export type { JobRecord, QueueMeta } from './jobs/rows.js';
export { MasksRepo, type MaskInsert, type NewMaskVersion } from './masks/repo.js';
export type { MaskSample } from './masks/rows.js';
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
  const blobs = new BlobStore(path.join(dataDir, 'blobs'), db);
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
    transaction: (fn) => db.transaction(fn)(),
    sweepBlobs: (o) => sweepBlobs(db, blobs, o),
    schemaVersion: () => schemaVersion(db),
    integrityCheck: () => String(db.pragma('integrity_check', { simple: true })),
    close: () => db.close(),
  };
}
