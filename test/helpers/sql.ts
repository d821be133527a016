// Tests read (and seed) rows with SQL of their own, over a second connection to the store's file —
// SQLite WAL lets it read and write beside the store's own. main/ reaches SQL only through the
// repositories of main/store (test/layers checks it); a test may look underneath them.
import Database from 'better-sqlite3';

const open = new Map<string, Database.Database>();

/** A connection to the store's database file, opened once per file and kept for the test process. */
export function sqlOf(store: { databaseFile: string }): Database.Database {
  let db = open.get(store.databaseFile);
  if (!db?.open) {
    db = new Database(store.databaseFile);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    open.set(store.databaseFile, db);
  }
  return db;
}
