import type { Migration } from './index.js';

// Runs that travel between stores (issue 19). A run gets a store-independent identity, `uid`
// (32 hex digits), so importing its bundle twice, or the bundle of a run that came back from a
// cluster task, finds the run that is already here instead of adding a copy. `origin` says where a
// run came from: 'local' (a job of this store), 'bundle' (imported), 'cluster' (a task of a
// submission, filled in by collect); `bundle_digest` is the sha256 of the manifest last imported
// into it — the same bundle again changes nothing.
// A cluster submission is one run matrix sent to Slurm as ONE job array; its tasks keep the Slurm
// job id they run under (a resubmitted task gets a new one), their state, and how many bytes of the
// task's live metrics file have been read (metric streaming resumes where it stopped).
export const m009RunBundlesCluster: Migration = {
  version: 9,
  name: 'run bundles, cluster submissions',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN uid TEXT;
      ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
      ALTER TABLE runs ADD COLUMN bundle_digest TEXT;
      UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
      CREATE UNIQUE INDEX runs_uid ON runs(uid);

      CREATE TABLE cluster_submissions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        profile TEXT NOT NULL,                  -- JSON: the cluster profile as it was submitted with
        matrix TEXT NOT NULL,                   -- JSON: the run matrix
        work_dir TEXT NOT NULL,                 -- this submission's folder on the cluster
        array_job_id TEXT,                      -- Slurm's id of the job array
        state TEXT NOT NULL CHECK (state IN ('staging','submitted','cancelled','failed')),
        message TEXT,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE cluster_tasks (
        submission_id INTEGER NOT NULL REFERENCES cluster_submissions(id) ON DELETE CASCADE,
        task_index INTEGER NOT NULL,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        slurm_job_id TEXT,                      -- "<array>_<index>"; a resubmission's own id
        state TEXT NOT NULL,                    -- Slurm's (PENDING, RUNNING, ...) or the task's own report
        attempts INTEGER NOT NULL DEFAULT 1,
        metrics_offset INTEGER NOT NULL DEFAULT 0,
        collected_digest TEXT,
        message TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (submission_id, task_index)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
