import type { Migration } from './index.js';

// Deleting a dataset (issue 17): its blobs are collected when nothing else refers to them, so every
// column that names a blob gets an index — the "is it still used?" probe per freed blob is then a
// few index lookups, not a scan of every sample, mask, caption and run sample.
// blob_trash is the journal of blob files to remove: a deletion commits its rows and the freed
// hashes together, and the files go after the commit; a process killed in between leaves the
// hashes here, and the next start finishes the job (BlobStore.emptyTrash).
// runs.deleted_dataset_name keeps the name of a run's dataset once the dataset is deleted (the
// foreign key sets dataset_id to NULL), so a finished run still says what it was trained on.
export const m005DatasetLifecycle: Migration = {
  version: 5,
  name: 'dataset lifecycle: blob references, blob trash, deleted dataset names',
  up(db) {
    db.exec(`
      CREATE INDEX samples_source_image ON samples(source_sha256);
      CREATE INDEX samples_target_image ON samples(target_sha256) WHERE target_sha256 IS NOT NULL;
      CREATE INDEX images_thumb ON images(thumb_sha256) WHERE thumb_sha256 IS NOT NULL;
      CREATE INDEX masks_png ON masks(png_sha256);
      CREATE INDEX captions_image ON captions(image_sha256) WHERE image_sha256 IS NOT NULL;
      CREATE INDEX run_samples_blob ON run_samples(blob_sha256) WHERE blob_sha256 IS NOT NULL;
      CREATE INDEX evaluation_scores_output ON evaluation_scores(output_sha256) WHERE output_sha256 IS NOT NULL;
      CREATE INDEX runs_dataset ON runs(dataset_id) WHERE dataset_id IS NOT NULL;

      CREATE TABLE blob_trash (
        sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        queued_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE runs ADD COLUMN deleted_dataset_name TEXT;
    `);
  },
};
