// Cluster submissions and their tasks (migration 9): rows and their one mapping each.
import type { ClusterProfile, JobState, RunMatrix } from '../../../shared/api/index.js';
import { parseObject } from '../json.js';

export type SubmissionState = 'staging' | 'submitted' | 'cancelled' | 'failed';

export interface SubmissionRow {
  id: number;
  name: string;
  profile: string;
  matrix: string;
  work_dir: string;
  array_job_id: string | null;
  state: SubmissionState;
  message: string | null;
  created_at: string;
}

export interface SubmissionRecord {
  id: number;
  name: string;
  profile: ClusterProfile;
  matrix: RunMatrix;
  workDir: string;
  arrayJobId: string | null;
  state: SubmissionState;
  message: string | null;
  createdAt: string;
}

/** The stored profile and matrix were checked when submitted; read back as written. */
export function toSubmission(r: SubmissionRow): SubmissionRecord {
  return {
    id: r.id,
    name: r.name,
    profile: parseObject(r.profile) as unknown as ClusterProfile,
    matrix: parseObject(r.matrix) as unknown as RunMatrix,
    workDir: r.work_dir,
    arrayJobId: r.array_job_id,
    state: r.state,
    message: r.message,
    createdAt: r.created_at,
  };
}

export interface TaskRow {
  submission_id: number;
  task_index: number;
  run_id: number | null;
  slurm_job_id: string | null;
  state: string;
  attempts: number;
  metrics_offset: number;
  collected_digest: string | null;
  message: string | null;
  updated_at: string;
  run_name: string | null;
  run_status: JobState | null;
  last_step: number | null;
}

export interface TaskRecord {
  submissionId: number;
  index: number;
  runId: number | null;
  runName: string | null;
  runStatus: JobState | null;
  slurmJobId: string | null;
  state: string;
  attempts: number;
  metricsOffset: number;
  collectedDigest: string | null;
  message: string | null;
  lastStep: number | null;
}

export const TASK_SELECT = `SELECT t.*, r.name AS run_name, r.status AS run_status,
  (SELECT max(step) FROM latest_metrics m WHERE m.run_id = t.run_id) AS last_step
  FROM cluster_tasks t LEFT JOIN runs r ON r.id = t.run_id`;

export function toTask(r: TaskRow): TaskRecord {
  return {
    submissionId: r.submission_id,
    index: r.task_index,
    runId: r.run_id,
    runName: r.run_name,
    runStatus: r.run_status,
    slurmJobId: r.slurm_job_id,
    state: r.state,
    attempts: r.attempts,
    metricsOffset: r.metrics_offset,
    collectedDigest: r.collected_digest,
    message: r.message,
    lastStep: r.last_step,
  };
}

