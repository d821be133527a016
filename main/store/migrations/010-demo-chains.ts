import type { Migration } from './index.js';

// The demo chain (issue 18): one row per `ric demo` / "Create the demo project" start. The chain's
// work is ordinary jobs (their rows say what ran); this row holds what the jobs do not: the chain's
// settings, its stages in order with the job of each, its state and the owner ("hostname:pid:token"
// of the app driving it, so a chain left 'running' by a dead process reads as interrupted), and the
// final ablation table (JSON) once built.
export const m010DemoChains: Migration = {
  version: 10,
  name: 'demo chains',
  up(db) {
    db.exec(`
      CREATE TABLE demo_chains (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('running','completed','failed','cancelled','interrupted')),
        settings TEXT NOT NULL,                 -- JSON: the demo's settings as started
        stages TEXT NOT NULL DEFAULT '[]',      -- JSON: [{key, label, state, jobId, detail}]
        result TEXT,                            -- JSON: dataset, result sets and the table, once built
        error TEXT,
        owner TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
