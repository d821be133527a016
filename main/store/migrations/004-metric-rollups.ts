import type { Migration } from './index.js';

// Min/max summaries of metric series in blocks of 8, 64, 512 and 4096 steps, kept by the metric
// writer in the same transaction as the points. A decimated series (min/max per pixel bucket) then
// reads at most ~8 rows per bucket at the coarsest fitting level instead of scanning every point:
// a plain GROUP BY over 1 000 000 points took ~3 s here, the goal is < 50 ms (issue 6).
// jobs.queue marks the rows the persisted queue (main/jobs) owns, with what it needs to run and
// resume them: {lane, runId, resume, owner} — owner is "host:pid" of the app that dispatched it, so
// a restart can tell a job left running by a dead process from one another live app is running.
export const m004MetricRollups: Migration = {
  version: 4,
  name: 'metric rollups, job queue',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN queue TEXT;
      CREATE INDEX jobs_queue ON jobs(state, priority DESC, id) WHERE queue IS NOT NULL;

      CREATE TABLE metric_rollups (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        level INTEGER NOT NULL,                 -- block = 8^level steps (level 1..4)
        block INTEGER NOT NULL,                 -- floor(step / 8^level)
        min_value REAL NOT NULL,
        min_step INTEGER NOT NULL,
        max_value REAL NOT NULL,
        max_step INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (run_id, key, level, block)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
