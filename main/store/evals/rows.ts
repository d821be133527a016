// The evaluations rows (migrations 2 and 7) mapped to the Api's EvaluationSummary / Detail, and the
// one mapping of regions and feature vectors between the Api and the columns.
import type { AggregateRow, EvaluationDetail, EvaluationStatus, EvaluationSummary, ModelRecord } from '../../../shared/api/evals.js';
import type { Split } from '../../../shared/api/datasets.js';
import type { EvalMetric } from '../../../shared/evals/metrics.js';
import type { Region } from '../../../shared/metrics/presets.js';
import { parseJson, parseObject } from '../json.js';

/** Migration 2 named the whole image 'all'; the Api says 'full'. */
export const toDbRegion = (r: Region): string => (r === 'full' ? 'all' : r);
export const fromDbRegion = (r: string): Region => (r === 'all' ? 'full' : (r as Region));

/** A float32 vector as the bytes of a BLOB (platform order: little-endian on every target of the app). */
export function featureBytes(f: Float32Array | null | undefined): Buffer | null {
  return f ? Buffer.from(f.buffer, f.byteOffset, f.byteLength) : null;
}

/** A BLOB back to a float32 vector (copied: SQLite's buffer need not be 4-byte aligned). */
export function featureOf(b: Buffer | Uint8Array | null | undefined): Float32Array | null {
  if (!b || b.byteLength % 4 !== 0 || b.byteLength === 0) return null;
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return new Float32Array(copy);
}

export interface EvaluationRow {
  id: number;
  result_set_id: number;
  result_set_name: string;
  label: string;
  dataset_id: number;
  dataset_name: string;
  preset_name: string;
  preset_sha256: string;
  preset: string | null;
  against: 'source' | 'target' | null;
  split: Split | null;
  status: EvaluationStatus;
  job_id: number | null;
  expected: number | null;
  missing: string;
  models: string;
  rules: string;
  warnings: string;
  aggregate: string | null;
  backend: string | null;
  workers: number | null;
  code_version: string | null;
  created_at: string;
  finished_at: string | null;
  done: number;
  errors: number;
}

export const EVALUATION_SELECT = `SELECT e.*, r.name AS result_set_name, d.name AS dataset_name,
    (SELECT count(*) FROM evaluation_samples es WHERE es.evaluation_id = e.id AND es.status = 'done') AS done,
    (SELECT count(*) FROM evaluation_samples es WHERE es.evaluation_id = e.id AND es.status = 'error') AS errors
  FROM evaluations e JOIN result_sets r ON r.id = e.result_set_id JOIN datasets d ON d.id = r.dataset_id`;

const jsonArray = <T>(text: string | null): T[] => {
  const v = parseJson(text, []);
  return Array.isArray(v) ? (v as T[]) : [];
};

export function toEvaluationSummary(r: EvaluationRow): EvaluationSummary {
  return {
    id: r.id,
    resultSetId: r.result_set_id,
    resultSetName: r.result_set_name,
    method: r.label,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    presetName: r.preset_name,
    presetSha256: r.preset_sha256,
    against: r.against,
    split: r.split,
    status: r.status,
    jobId: r.job_id,
    expected: r.expected,
    done: r.done,
    errors: r.errors,
    missing: jsonArray(r.missing).length,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export interface AggregateDbRow {
  metric: EvalMetric;
  region: string;
  value: number;
  std: number | null;
  n: number;
}

export function toEvaluationDetail(r: EvaluationRow, aggregates: AggregateDbRow[], sampleErrors: { sampleId: number; externalId: string; reason: string }[]): EvaluationDetail {
  const agg = parseObject(r.aggregate);
  const rows: AggregateRow[] = aggregates.map((a) => ({ metric: a.metric, region: fromDbRegion(a.region), mean: Number.isFinite(a.value) ? a.value : null, std: a.std, n: a.n }));
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  return {
    ...toEvaluationSummary(r),
    preset: parseObject(r.preset),
    models: jsonArray<ModelRecord>(r.models),
    rules: jsonArray<{ metric: string; rule: string }>(r.rules),
    warnings: jsonArray<string>(r.warnings),
    backend: r.backend,
    workers: r.workers,
    codeVersion: r.code_version,
    aggregates: rows,
    fid: obj(agg['fid']),
    is: obj(agg['is']),
    missingSamples: jsonArray<{ sampleId: number; externalId: string; reason: string }>(r.missing).slice(0, 500),
    sampleErrors,
  };
}
