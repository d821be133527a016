// Reading training runs for the Training view: summaries (with a config summary and duration),
// one run with its checkpoints and latest metrics, and the samples stored during training.
import type { Checkpoint, JobState, RunDetail, RunSample, RunSummary } from '../../shared/api/index.js';
import type { Db } from '../store/index.js';

interface RunRow {
  id: number;
  job_id: number | null;
  kind: string;
  name: string;
  status: JobState;
  dataset_id: number | null;
  dataset_name: string | null;
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
}

const SELECT = `SELECT r.*, d.name AS dataset_name, (SELECT max(step) FROM latest_metrics m WHERE m.run_id = r.id) AS last_step
  FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id`;

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

function toSummary(r: RunRow): RunSummary {
  const config = JSON.parse(r.config) as Record<string, unknown>;
  const end = r.finished_at ?? (r.status === 'running' || r.status === 'paused' ? new Date().toISOString() : null);
  return {
    id: r.id,
    jobId: r.job_id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
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
  };
}

export interface RunFilter {
  status?: JobState[] | undefined;
  kind?: string | undefined;
  datasetId?: number | undefined;
  text?: string | undefined;
  sort: 'created' | 'duration' | 'best' | 'name' | 'step';
  order: 'asc' | 'desc';
  limit: number;
}

export class RunsRepo {
  constructor(private readonly db: Db) {}

  list(f: RunFilter): RunSummary[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.status && f.status.length > 0) {
      where.push(`r.status IN (${f.status.map(() => '?').join(',')})`);
      args.push(...f.status);
    }
    if (f.kind) where.push('r.kind = ?'), args.push(f.kind);
    if (f.datasetId !== undefined) where.push('r.dataset_id = ?'), args.push(f.datasetId);
    if (f.text) where.push("(r.name LIKE ? ESCAPE '\\' OR r.config LIKE ? ESCAPE '\\')"), args.push(`%${f.text.replace(/[%_\\]/g, '\\$&')}%`, `%${f.text.replace(/[%_\\]/g, '\\$&')}%`);
    const rows = this.db.prepare<(string | number)[], RunRow>(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC`).all(...args);
    const runs = rows.map(toSummary);
    const dir = f.order === 'asc' ? 1 : -1;
    const value = (r: RunSummary): number | string => {
      switch (f.sort) {
        case 'duration':
          return r.durationSeconds ?? -1;
        case 'best':
          return r.bestValidationScore ?? -Infinity;
        case 'name':
          return r.name.toLowerCase();
        case 'step':
          return r.lastStep ?? -1;
        default:
          return r.id;
      }
    };
    runs.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || b.id - a.id;
    });
    return runs.slice(0, f.limit);
  }

  get(id: number): RunDetail | undefined {
    const r = this.db.prepare<[number], RunRow>(`${SELECT} WHERE r.id = ?`).get(id);
    if (!r) return undefined;
    const checkpoints = this.db
      .prepare<[number], { id: number; step: number; path: string; size: number; validation_score: number | null; metrics: string; created_at: string }>(
        'SELECT id, step, path, size, validation_score, metrics, created_at FROM checkpoints WHERE run_id = ? ORDER BY step',
      )
      .all(id)
      .map(
        (c): Checkpoint => ({
          id: c.id,
          step: c.step,
          path: c.path,
          size: c.size,
          validationScore: c.validation_score,
          metrics: JSON.parse(c.metrics) as Record<string, number>,
          createdAt: c.created_at,
        }),
      );
    const latest = this.db
      .prepare<[number], { key: string; step: number; value: number; time: number }>('SELECT key, step, value, time FROM latest_metrics WHERE run_id = ? ORDER BY key')
      .all(id);
    return { ...toSummary(r), config: JSON.parse(r.config) as Record<string, unknown>, codeVersion: r.code_version, parentRunId: r.parent_run_id, checkpoints, latest };
  }

  samples(runId: number, step?: number): { steps: number[]; step: number | null; samples: RunSample[] } {
    const steps = this.db.prepare<[number], { step: number }>('SELECT DISTINCT step FROM run_samples WHERE run_id = ? ORDER BY step').all(runId).map((r) => r.step);
    let chosen: number | null = null;
    for (const s of steps) if (step === undefined || s <= step) chosen = s;
    if (chosen === null && steps.length > 0 && step !== undefined) chosen = steps[0]!;
    const samples =
      chosen === null
        ? []
        : this.db
            .prepare<[number, number], { id: number; step: number; kind: string; payload: string; blob_sha256: string | null }>(
              'SELECT id, step, kind, payload, blob_sha256 FROM run_samples WHERE run_id = ? AND step = ? ORDER BY id',
            )
            .all(runId, chosen)
            .map((s) => ({ id: s.id, step: s.step, kind: s.kind, payload: JSON.parse(s.payload) as unknown, blobSha256: s.blob_sha256 }));
    return { steps, step: chosen, samples };
  }
}
