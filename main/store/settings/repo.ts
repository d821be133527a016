// Key/value settings, one JSON value per key. Which keys exist, their types and defaults belong to
// main/settings; this is only their storage.
import type { Db } from '../database.js';

/** Key/value settings stored as JSON. Typing and defaults belong to the caller. */
export class SettingsRepo {
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = db.prepare(
      `INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.delStmt = db.prepare('DELETE FROM settings WHERE key = ?');
  }

  get(key: string): unknown {
    const row = this.getStmt.get(key);
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  /** Writes every entry in one transaction; `undefined` deletes the key. */
  putMany(entries: Record<string, unknown>): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(entries)) {
        if (value === undefined) this.delStmt.run(key);
        else this.putStmt.run(key, JSON.stringify(value), now);
      }
    })();
  }
}
