// The experiment store's public surface.
import fs from 'node:fs';
import path from 'node:path';
import { BlobStore } from './blob-store.js';
import { openDatabase, schemaVersion, type Db, type OpenOptions } from './database.js';
import { DatasetsRepo } from './datasets-repo.js';
import { JobsRepo } from './jobs-repo.js';
import { SamplesRepo } from './samples-repo.js';
import { SettingsRepo } from './settings-repo.js';

export { BlobStore, isSha256, type BlobRef } from './blob-store.js';
export { DatasetsRepo, type NewSampleError } from './datasets-repo.js';
export { SamplesRepo, type NewImage, type NewMask, type NewSample } from './samples-repo.js';
export { SettingsRepo } from './settings-repo.js';
export { ftsQuery } from './fts.js';
export { blobFile, putBlobs } from './blob-batch.js';
export { latestSchemaVersion, openDatabase, StoreVersionError, type Db } from './database.js';

export interface Store {
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly settings: SettingsRepo;
  readonly jobs: JobsRepo;
  readonly datasets: DatasetsRepo;
  readonly samples: SamplesRepo;
  schemaVersion(): number;
  close(): void;
}

export const DATABASE_FILE = 'ric.sqlite';

/** Opens (creating if needed) the project folder: `<dataDir>/ric.sqlite` and `<dataDir>/blobs/`. */
export function openStore(dataDir: string, options: OpenOptions = {}): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile, options);
  return {
    dataDir,
    databaseFile,
    db,
    blobs: new BlobStore(path.join(dataDir, 'blobs'), db),
    settings: new SettingsRepo(db),
    jobs: new JobsRepo(db),
    datasets: new DatasetsRepo(db),
    samples: new SamplesRepo(db),
    schemaVersion: () => schemaVersion(db),
    close: () => db.close(),
  };
}
