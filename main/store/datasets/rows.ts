// The datasets table's rows (migration 2) with their sample and error counts (import problems apart
// from those of later jobs, captions), mapped to the Api's DatasetSummary.
import type { DatasetFormat, DatasetSummary, JobState } from '../../../shared/api/index.js';
import { parseObject } from '../json.js';

export interface DatasetSummaryRow {
  id: number;
  name: string;
  format: DatasetFormat;
  source_path: string | null;
  options: string;
  status: DatasetSummary['status'];
  created_at: string;
  sample_count: number;
  error_count: number;
  caption_error_count: number;
  import_state: JobState | null;
}

export function toDatasetSummary(r: DatasetSummaryRow): DatasetSummary {
  return {
    id: r.id,
    name: r.name,
    format: r.format,
    sourcePath: r.source_path,
    status: r.status,
    sampleCount: r.sample_count,
    errorCount: r.error_count,
    captionErrorCount: r.caption_error_count,
    importState: r.import_state,
    createdAt: r.created_at,
    options: parseObject(r.options),
  };
}
