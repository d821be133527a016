// Opens the experiment store: one SQLite file in WAL mode with foreign keys, migrated on open.
import Database from 'better-sqlite3';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

export class StoreVersionError extends Error {
  constructor(
    readonly file: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `${file} has schema version ${fileVersion}, but this RIC Studio only knows versions up to ${knownVersion}: ` +
        `it was written by a newer RIC Studio. Upgrade RIC Studio, or open another data folder (--data DIR).`,
    );
    this.name = 'StoreVersionError';
  }
}

export const latestSchemaVersion = migrations.reduce((v, m) => Math.max(v, m.version), 0);

export interface OpenOptions {
  /** Apply migrations up to this version only (tests of upgrades from earlier versions). */
  targetVersion?: number;
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a committed transaction survives a process kill; only power loss may lose the last ones.
      db.pragma('synchronous = NORMAL');
    }
    // Reads the schema pages: a file whose header is fine but whose schema is damaged fails here, at
    // open, with SQLITE_CORRUPT (named by faults.ts), not at the first query of a job.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    migrate(db, file, options.targetVersion ?? latestSchemaVersion);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, file: string, target: number): void {
  const current = schemaVersion(db);
  if (current > latestSchemaVersion) throw new StoreVersionError(file, current, latestSchemaVersion);
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
