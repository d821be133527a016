import type { Migration } from './index.js';

export const m001Init: Migration = {
  version: 1,
  name: 'settings, blobs, jobs',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,            -- JSON
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Content-addressed files under <data>/blobs; rows refer to them by sha256.
      CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued','running','paused','completed','failed','cancelled','interrupted')),
        title TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        params TEXT NOT NULL DEFAULT '{}',
        done REAL NOT NULL DEFAULT 0,
        total REAL,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state);
    `);
  },
};
