import type { Migration } from './index.js';

// The dataset browser filters by split and sorts by instruction at 100 000 samples per dataset:
// without these indexes each of those is a full scan plus a temporary sort (issue 3's < 20 ms goal).
export const m003SampleBrowseIndexes: Migration = {
  version: 3,
  name: 'sample browse indexes',
  up(db) {
    db.exec(`
      CREATE INDEX samples_split ON samples(dataset_id, split);
      CREATE INDEX samples_instruction ON samples(dataset_id, instruction);
      CREATE INDEX samples_edit_type_instruction ON samples(dataset_id, edit_type, instruction);
      -- Facet counts (edit type x split) without touching the wide sample rows.
      CREATE INDEX samples_facets ON samples(dataset_id, edit_type, split);
      -- Search results are checked against the filters by id: this narrow copy of the filter columns
      -- keeps those lookups off the wide rows (scene graphs in meta, long descriptions).
      CREATE INDEX samples_id_facets ON samples(id, dataset_id, split, edit_type, flagged);
      CREATE INDEX samples_flagged ON samples(dataset_id, flagged) WHERE flagged = 1;
      CREATE INDEX sample_errors_job ON sample_errors(job_id);
    `);
  },
};
