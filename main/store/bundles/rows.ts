// What a run bundle holds, as the store reads and writes it: the run row (less its local ids), its
// checkpoints and samples. Metric points go as MetricPoint (runs/metric-writer.ts). The files (the
// manifest, checkpoint folders, blobs) are main/cluster/bundle.ts's business, not the store's.
import type { BundleRun, JobState } from '../../../shared/api/index.js';
import { parseJson, parseObject } from '../json.js';

export interface BundleRunRow {
  id: number;
  uid: string;
  kind: string;
  name: string;
  status: JobState;
  config: string;
  seed: number;
  backend: string;
  code_version: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  best_metric_key: string | null;
  best_metric_value: number | null;
  dataset_name: string | null;
  origin: string;
  bundle_digest: string | null;
}

export const BUNDLE_RUN_SELECT = `SELECT r.id, r.uid, r.kind, r.name, r.status, r.config, r.seed, r.backend, r.code_version, r.created_at,
  r.started_at, r.finished_at, r.best_metric_key, r.best_metric_value, d.name AS dataset_name, r.origin, r.bundle_digest
  FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id`;

export function toBundleRun(r: BundleRunRow): BundleRun {
  return {
    uid: r.uid,
    kind: r.kind,
    name: r.name,
    status: r.status,
    config: parseObject(r.config),
    seed: r.seed,
    backend: r.backend,
    codeVersion: r.code_version,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    bestMetricKey: r.best_metric_key,
    bestMetricValue: r.best_metric_value,
    datasetName: r.dataset_name,
  };
}

/** A checkpoint row as it travels: where it was, and where the importer puts its files (or null). */
export interface BundleCheckpointRecord {
  step: number;
  /** Relative to the data folder (the writer's on export; the importer's on import). */
  path: string;
  size: number;
  sha256: string | null;
  validationScore: number | null;
  metrics: Record<string, number>;
  createdAt: string;
}

export interface CheckpointExportRow {
  step: number;
  path: string;
  size: number;
  sha256: string | null;
  validation_score: number | null;
  metrics: string;
  created_at: string;
}

export function toCheckpointRecord(c: CheckpointExportRow): BundleCheckpointRecord {
  return {
    step: c.step,
    path: c.path,
    size: c.size,
    sha256: c.sha256,
    validationScore: c.validation_score,
    metrics: parseObject(c.metrics) as Record<string, number>,
    createdAt: c.created_at,
  };
}

export interface BundleSampleRecord {
  step: number;
  kind: string;
  payload: unknown;
  blobSha256: string | null;
}

export interface SampleExportRow {
  step: number;
  kind: string;
  payload: string;
  blob_sha256: string | null;
}

export function toSampleRecord(s: SampleExportRow): BundleSampleRecord {
  return { step: s.step, kind: s.kind, payload: parseJson(s.payload, null), blobSha256: s.blob_sha256 };
}
