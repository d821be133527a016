// The runs table's rows (migration 2) with their dataset name and last step, mapped to the Api's
// RunSummary, and the checkpoints' rows.
import type { Checkpoint, JobState, RunSummary } from '../../../shared/api/index.js';
import { parseObject } from '../json.js';

export interface RunRow {
  id: number;
  job_id: number | null;
  kind: string;
  name: string;
  status: JobState;
  dataset_id: number | null;
  dataset_name: string | null;
  /** Migration 5: the dataset's name, kept when the dataset is deleted. */
  deleted_dataset_name: string | null;
  config: string;
  seed: number;
  backend: string;
  code_version: string;
  parent_run_id: number | null;
  best_metric_key: string | null;
  best_metric_value: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  last_step: number | null;
  checkpoint_step: number | null;
  job_step: number | null;
}

export const RUN_SELECT = `SELECT r.*, d.name AS dataset_name, (SELECT max(step) FROM latest_metrics m WHERE m.run_id = r.id) AS last_step,
  (SELECT max(step) FROM checkpoints c WHERE c.run_id = r.id) AS checkpoint_step, j.done AS job_step
  FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id LEFT JOIN jobs j ON j.id = r.job_id`;

/** A few words from the stored config: the fields researchers scan for first. */
export function configSummary(config: Record<string, unknown>): string {
  const parts: string[] = [];
  const phases = config['phases'];
  if (Array.isArray(phases)) {
    for (const p of phases as { name?: unknown; epochs?: unknown; lr?: unknown }[]) parts.push(`${String(p.name)} ${String(p.epochs)}ep lr ${String(p.lr)}`);
  }
  for (const key of ['batch_size', 'max_steps', 'base_model', 'micro_batch_size']) {
    const v = config[key];
    if (v !== undefined && v !== null && v !== 0) parts.push(`${key === 'batch_size' ? 'batch' : key} ${typeof v === 'string' ? v.split('/').pop() : JSON.stringify(v)}`);
  }
  if (config['tiny_clip'] || config['tiny_blip']) parts.push('tiny');
  const t = config['temperature'] as { kind?: string } | undefined;
  if (t?.kind) parts.push(`τ ${t.kind}`);
  if (parts.length > 0) return parts.join(' · ');
  return Object.entries(config)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
}

export function toRunSummary(r: RunRow): RunSummary {
  const config = parseObject(r.config);
  const end = r.finished_at ?? (r.status === 'running' || r.status === 'paused' ? new Date().toISOString() : null);
  return {
    id: r.id,
    jobId: r.job_id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name ?? (r.deleted_dataset_name ? `${r.deleted_dataset_name} (deleted)` : null),
    configSummary: configSummary(config),
    backend: r.backend,
    seed: r.seed,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationSeconds: r.started_at && end ? (Date.parse(end) - Date.parse(r.started_at)) / 1000 : null,
    bestMetricKey: r.best_metric_key,
    bestValidationScore: r.best_metric_value,
    lastStep: r.last_step,
    jobStep: r.job_step,
    checkpointStep: r.checkpoint_step,
  };
}

export interface CheckpointRow {
  id: number;
  step: number;
  path: string;
  size: number;
  validation_score: number | null;
  metrics: string;
  created_at: string;
}

export function toCheckpoint(c: CheckpointRow): Checkpoint {
  return {
    id: c.id,
    step: c.step,
    path: c.path,
    size: c.size,
    validationScore: c.validation_score,
    metrics: parseObject(c.metrics) as Record<string, number>,
    createdAt: c.created_at,
  };
}
