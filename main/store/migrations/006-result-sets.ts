import type { Migration } from './index.js';

// Result sets (issue 14; the model is described in shared/api/results.ts): the edited images of one
// method on one dataset, at most one per sample, with the provenance of how they were made. Images
// are rows of `images` (a PNG blob and its thumbnail), like the samples' own, so every view shows
// them the same way. An image row is 'done' with its image or 'error' with the reason — never half.
// Numbered 6: migration 5 is the dataset lifecycle's (issue 17, merged separately); a store at
// version 4 applies both in order, and the blob references of 5 must count result_images (README).
export const m006ResultSets: Migration = {
  version: 6,
  name: 'result sets',
  up(db) {
    db.exec(`
      CREATE TABLE result_sets (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        method TEXT NOT NULL,                   -- the label comparisons show: InstructPix2Pix, ZONE, ours, ...
        origin TEXT NOT NULL CHECK (origin IN ('edit','import')),
        status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running','complete','incomplete')),
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
        model_folder TEXT,
        config_sha256 TEXT,
        provenance TEXT NOT NULL DEFAULT '{}',  -- JSON: EditProvenance | ImportProvenance
        expected INTEGER,                       -- samples the job set out to fill
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (dataset_id, name)
      ) STRICT;
      CREATE INDEX result_sets_job ON result_sets(job_id) WHERE job_id IS NOT NULL;

      CREATE TABLE result_images (
        result_set_id INTEGER NOT NULL REFERENCES result_sets(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('done','error')),
        image_sha256 TEXT REFERENCES images(sha256),
        size INTEGER,                           -- bytes of the stored file
        seconds REAL,                           -- wall time of this one edit
        seed INTEGER,
        error TEXT,
        source_file TEXT,                       -- import: the file, relative to the imported folder
        params TEXT NOT NULL DEFAULT '{}',      -- JSON: settings that differ from the set's provenance
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (result_set_id, sample_id),
        CHECK ((status = 'done') = (image_sha256 IS NOT NULL)),
        CHECK (status = 'done' OR error IS NOT NULL)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX result_images_sample ON result_images(sample_id);
      CREATE INDEX result_images_image ON result_images(image_sha256) WHERE image_sha256 IS NOT NULL;
    `);
  },
};
