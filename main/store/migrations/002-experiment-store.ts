import type { Migration } from './index.js';

// The whole of DESIGN.md §4: datasets and samples, images, versioned masks and captions, models,
// runs with narrow metric rows and latest_metrics (MLflow's shape), checkpoints, evaluations,
// comparisons, and full-text search over instructions, descriptions and captions.
// The project is the data folder itself, so there is no projects table.
export const m002ExperimentStore: Migration = {
  version: 2,
  name: 'experiment store',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN message TEXT;
      ALTER TABLE jobs ADD COLUMN stack TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
      ALTER TABLE jobs ADD COLUMN result TEXT;                -- JSON report when finished

      CREATE TABLE job_logs (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        time REAL NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX job_logs_job ON job_logs(job_id, id);

      -- Decoded facts about an image blob (original bytes stay as they were imported).
      CREATE TABLE images (
        sha256 TEXT PRIMARY KEY REFERENCES blobs(sha256),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        format TEXT NOT NULL,
        thumb_sha256 TEXT REFERENCES blobs(sha256)
      ) STRICT;

      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL CHECK (format IN ('humanedit','magicbrush','folder','shapes')),
        source_path TEXT,
        options TEXT NOT NULL DEFAULT '{}',     -- JSON: import options (mask polarity, seed, size, ...)
        status TEXT NOT NULL DEFAULT 'importing' CHECK (status IN ('importing','ready','failed')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        external_id TEXT NOT NULL,              -- the id in its source dataset (HumanEdit IMAGE_ID, ...)
        session_id TEXT,                        -- multi-turn sessions (MagicBrush img_id)
        turn_index INTEGER,
        split TEXT NOT NULL DEFAULT 'train' CHECK (split IN ('train','val','test')),
        edit_type TEXT,
        instruction TEXT NOT NULL,
        region_description TEXT,                -- the dataset's own short region text, if any
        scene_description TEXT,                 -- the dataset's own long output description, if any
        input_caption TEXT,
        output_caption TEXT,
        source_sha256 TEXT NOT NULL REFERENCES images(sha256),
        target_sha256 TEXT REFERENCES images(sha256),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',        -- JSON: format-specific fields (scene graph, CORE, ...)
        flagged INTEGER NOT NULL DEFAULT 0,     -- flagged for review (masks, captions)
        created_at TEXT NOT NULL,
        UNIQUE (dataset_id, external_id)
      ) STRICT;
      CREATE INDEX samples_dataset ON samples(dataset_id, id);
      CREATE INDEX samples_session ON samples(dataset_id, session_id, turn_index);
      CREATE INDEX samples_edit_type ON samples(dataset_id, edit_type);

      -- Masks are versioned: a save or a restore adds a version; the highest is current.
      -- Stored as a single-channel PNG where white (255) marks the edit region.
      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        parent_id INTEGER REFERENCES masks(id),
        png_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        area INTEGER NOT NULL,                  -- pixels in the edit region
        box_x INTEGER, box_y INTEGER, box_w INTEGER, box_h INTEGER,   -- tight box (Eq. 6); NULL when empty
        source TEXT NOT NULL CHECK (source IN ('dataset','editor','import','generated')),
        author TEXT NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (sample_id, version)
      ) STRICT;

      CREATE TABLE caption_templates (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('scene','region')),
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, version)
      ) STRICT;

      -- Captions are versioned per (sample, kind): an edit adds a version; the highest is current.
      CREATE TABLE captions (
        id INTEGER PRIMARY KEY,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('scene','region')),
        version INTEGER NOT NULL,
        parent_id INTEGER REFERENCES captions(id),
        text TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('vlm','human','template')),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
        template_id INTEGER REFERENCES caption_templates(id),
        prompt_sha256 TEXT,
        image_sha256 TEXT,
        model TEXT,                             -- the model asked for
        endpoint_model TEXT,                    -- the model id the endpoint reported
        sampling TEXT,                          -- JSON: temperature, max_tokens, ...
        duration_ms REAL,
        author TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (sample_id, kind, version)
      ) STRICT;
      CREATE INDEX captions_status ON captions(kind, status);

      -- VLM answers by (image, prompt, model): re-running a caption job costs nothing.
      CREATE TABLE caption_cache (
        image_sha256 TEXT NOT NULL,
        prompt_sha256 TEXT NOT NULL,
        model TEXT NOT NULL,
        text TEXT NOT NULL,
        endpoint_model TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (image_sha256, prompt_sha256, model)
      ) STRICT, WITHOUT ROWID;

      -- What went wrong per sample during an import or caption job.
      CREATE TABLE sample_errors (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        stage TEXT NOT NULL,                    -- 'import' | 'caption' | ...
        sample_ref TEXT NOT NULL,               -- external id, row number or file name
        field TEXT,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sample_errors_dataset ON sample_errors(dataset_id, stage);

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        family TEXT NOT NULL,                   -- clip | blip | vit | regionclip | editor | ...
        folder TEXT NOT NULL,
        config_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (folder, config_sha256)
      ) STRICT;

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,                     -- regionclip | blip | editor
        name TEXT NOT NULL,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        base_model_id INTEGER REFERENCES models(id),
        parent_run_id INTEGER REFERENCES runs(id),
        config TEXT NOT NULL,                   -- JSON: exactly what rebuilds the trainer
        seed INTEGER NOT NULL,
        backend TEXT NOT NULL,
        dataset_snapshot_sha256 TEXT,
        code_version TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','paused','completed','failed','cancelled','interrupted')),
        best_metric_key TEXT,
        best_metric_value REAL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      ) STRICT;

      CREATE TABLE metric_points (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        time REAL NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, key, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE latest_metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        time REAL NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, key)
      ) STRICT, WITHOUT ROWID;

      -- Outputs stored every K steps (retrieval examples, edited images) for the step slider.
      CREATE TABLE run_samples (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,                  -- JSON
        blob_sha256 TEXT REFERENCES blobs(sha256)
      ) STRICT;
      CREATE INDEX run_samples_run ON run_samples(run_id, step);

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        path TEXT NOT NULL,                     -- relative to the data folder
        size INTEGER NOT NULL,
        sha256 TEXT,
        validation_score REAL,
        metrics TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        UNIQUE (run_id, step)
      ) STRICT;

      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        label TEXT NOT NULL,                    -- method name: ours, InstructPix2Pix, w/o global loss, ...
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        config TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;

      CREATE TABLE evaluation_scores (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        metric TEXT NOT NULL,                   -- clip_i | clip_t | dino | lpips | ...
        region TEXT NOT NULL DEFAULT 'all' CHECK (region IN ('all','inside','outside')),
        value REAL NOT NULL,
        output_sha256 TEXT REFERENCES blobs(sha256),
        PRIMARY KEY (evaluation_id, sample_id, metric, region)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE evaluation_aggregates (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        metric TEXT NOT NULL,
        region TEXT NOT NULL DEFAULT 'all',
        value REAL NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (evaluation_id, metric, region)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE comparisons (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        evaluation_ids TEXT NOT NULL,           -- JSON array, in column order
        config TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      ) STRICT;

      -- Full-text search: one row per sample (rowid = samples.id), kept current by triggers.
      CREATE VIRTUAL TABLE sample_fts USING fts5(instruction, descriptions, captions, tokenize = 'unicode61 remove_diacritics 2');

      CREATE TRIGGER samples_fts_insert AFTER INSERT ON samples BEGIN
        INSERT INTO sample_fts(rowid, instruction, descriptions, captions)
        VALUES (new.id, new.instruction,
                concat_ws(' ', new.region_description, new.scene_description, new.input_caption, new.output_caption), '');
      END;
      CREATE TRIGGER samples_fts_update AFTER UPDATE OF instruction, region_description, scene_description, input_caption, output_caption ON samples BEGIN
        UPDATE sample_fts SET instruction = new.instruction,
          descriptions = concat_ws(' ', new.region_description, new.scene_description, new.input_caption, new.output_caption)
        WHERE rowid = new.id;
      END;
      CREATE TRIGGER samples_fts_delete AFTER DELETE ON samples BEGIN
        DELETE FROM sample_fts WHERE rowid = old.id;
      END;
      CREATE TRIGGER captions_fts_insert AFTER INSERT ON captions BEGIN
        UPDATE sample_fts SET captions = (
          SELECT coalesce(group_concat(c.text, ' '), '') FROM captions c
          WHERE c.sample_id = new.sample_id
            AND c.version = (SELECT max(version) FROM captions WHERE sample_id = c.sample_id AND kind = c.kind))
        WHERE rowid = new.sample_id;
      END;
      CREATE TRIGGER captions_fts_update AFTER UPDATE OF text ON captions BEGIN
        UPDATE sample_fts SET captions = (
          SELECT coalesce(group_concat(c.text, ' '), '') FROM captions c
          WHERE c.sample_id = new.sample_id
            AND c.version = (SELECT max(version) FROM captions WHERE sample_id = c.sample_id AND kind = c.kind))
        WHERE rowid = new.sample_id;
      END;
    `);
  },
};
