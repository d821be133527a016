import type { Migration } from './index.js';

// Evaluations of result sets (issue 16; the model is described in shared/api/evals.ts). Migration 2
// laid out `evaluations`, `evaluation_scores` and `evaluation_aggregates` before anything wrote them;
// they are extended, not replaced, so migration 5's index on evaluation_scores(output_sha256) and
// its blob-reference probe keep working. Regions keep migration 2's names: 'all' is the Api's 'full'.
//
// - evaluations: which result set, under which preset (every value, and its sha256), against which
//   reference, over which split; the model folders' records, the rules in words, warnings, N in
//   scope, the samples without a result image, the whole aggregate (FID and IS details).
//   (result set, preset, against, split) is unique: starting it again continues it.
// - evaluation_samples: one row per scored sample, written in the same transaction as its scores —
//   the resume marker — with the result image it scored (a re-made image is scored again) and the
//   FID/IS feature vectors (float32 little-endian) from which FID and IS are recomputed after a resume.
//   Rows hold ~20 KB of features, so it is a rowid table (WITHOUT ROWID suits small rows only).
// - evaluation_aggregates gains the std beside the mean.
export const m007Evaluations: Migration = {
  version: 7,
  name: 'evaluations of result sets',
  up(db) {
    db.exec(`
      ALTER TABLE evaluations ADD COLUMN result_set_id INTEGER REFERENCES result_sets(id) ON DELETE CASCADE;
      ALTER TABLE evaluations ADD COLUMN against TEXT CHECK (against IN ('source','target'));
      ALTER TABLE evaluations ADD COLUMN split TEXT CHECK (split IN ('train','val','test'));
      ALTER TABLE evaluations ADD COLUMN preset_name TEXT;
      ALTER TABLE evaluations ADD COLUMN preset_sha256 TEXT;
      ALTER TABLE evaluations ADD COLUMN preset TEXT;                     -- JSON: EvalPreset, every value
      ALTER TABLE evaluations ADD COLUMN models TEXT NOT NULL DEFAULT '[]';   -- JSON: ModelRecord[]
      ALTER TABLE evaluations ADD COLUMN rules TEXT NOT NULL DEFAULT '[]';    -- JSON: resize rules in words
      ALTER TABLE evaluations ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'; -- JSON: string[]
      ALTER TABLE evaluations ADD COLUMN expected INTEGER;                -- samples in scope
      ALTER TABLE evaluations ADD COLUMN missing TEXT NOT NULL DEFAULT '[]';  -- JSON: samples without a result image
      ALTER TABLE evaluations ADD COLUMN aggregate TEXT;                  -- JSON: FID / IS details
      ALTER TABLE evaluations ADD COLUMN fid_ref_key TEXT;                -- FID reference features are reusable between evaluations with the same key
      ALTER TABLE evaluations ADD COLUMN backend TEXT;
      ALTER TABLE evaluations ADD COLUMN workers INTEGER;
      ALTER TABLE evaluations ADD COLUMN code_version TEXT;
      ALTER TABLE evaluations ADD COLUMN updated_at TEXT;
      CREATE UNIQUE INDEX evaluations_identity ON evaluations(result_set_id, preset_sha256, coalesce(against, ''), coalesce(split, ''))
        WHERE result_set_id IS NOT NULL;
      CREATE INDEX evaluations_dataset ON evaluations(dataset_id, id);
      CREATE INDEX evaluations_fid_ref ON evaluations(fid_ref_key) WHERE fid_ref_key IS NOT NULL;

      CREATE TABLE evaluation_samples (
        id INTEGER PRIMARY KEY,
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        image_sha256 TEXT NOT NULL,             -- the result image that was scored
        status TEXT NOT NULL CHECK (status IN ('done','error')),
        error TEXT,
        notes TEXT NOT NULL DEFAULT '[]',       -- JSON: why a region has no score, a text cut to 77 tokens
        seconds REAL,
        fid_generated BLOB,
        fid_reference BLOB,
        is_logits BLOB,
        created_at TEXT NOT NULL,
        UNIQUE (evaluation_id, sample_id),
        CHECK (status = 'done' OR error IS NOT NULL)
      ) STRICT;
      CREATE INDEX evaluation_samples_sample ON evaluation_samples(sample_id);

      -- Sorting samples by one evaluation's metric (the Compare view).
      CREATE INDEX evaluation_scores_metric ON evaluation_scores(evaluation_id, metric, region, value);

      ALTER TABLE evaluation_aggregates ADD COLUMN std REAL;
    `);
  },
};
