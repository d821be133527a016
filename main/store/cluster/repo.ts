// Cluster submissions (issue 19): one row per run matrix sent to Slurm, one per array task with its
// placeholder run, Slurm job id, state, attempts and how far its live metrics file has been read.
import type { ClusterProfile, RunMatrix } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { TASK_SELECT, toSubmission, toTask, type SubmissionRecord, type SubmissionRow, type SubmissionState, type TaskRecord, type TaskRow } from './rows.js';

export type { SubmissionRecord, SubmissionState, TaskRecord } from './rows.js';

export interface NewSubmission {
  name: string;
  profile: ClusterProfile;
  matrix: RunMatrix;
  workDir: string;
}

export interface TaskPatch {
  slurmJobId?: string;
  state?: string;
  attempts?: number;
  metricsOffset?: number;
  collectedDigest?: string;
  message?: string | null;
}

export class ClusterRepo {
  constructor(private readonly db: Db) {}

  /** A submission in 'staging' with its tasks, each bound to its placeholder run, in one transaction. */
  create(s: NewSubmission, runIds: readonly number[]): number {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const id = Number(
        this.db
          .prepare("INSERT INTO cluster_submissions(name, profile, matrix, work_dir, state, created_at) VALUES (?, ?, ?, ?, 'staging', ?)")
          .run(s.name, JSON.stringify(s.profile), JSON.stringify(s.matrix), s.workDir, now).lastInsertRowid,
      );
      const task = this.db.prepare("INSERT INTO cluster_tasks(submission_id, task_index, run_id, state, updated_at) VALUES (?, ?, ?, 'STAGING', ?)");
      runIds.forEach((runId, index) => task.run(id, index, runId, now));
      return id;
    })();
  }

  setWorkDir(id: number, workDir: string): void {
    this.db.prepare('UPDATE cluster_submissions SET work_dir = ? WHERE id = ?').run(workDir, id);
  }

  setState(id: number, state: SubmissionState, message: string | null, arrayJobId?: string): void {
    if (arrayJobId !== undefined) this.db.prepare('UPDATE cluster_submissions SET state = ?, message = ?, array_job_id = ? WHERE id = ?').run(state, message, arrayJobId, id);
    else this.db.prepare('UPDATE cluster_submissions SET state = ?, message = ? WHERE id = ?').run(state, message, id);
  }

  get(id: number): SubmissionRecord | undefined {
    const row = this.db.prepare<[number], SubmissionRow>('SELECT * FROM cluster_submissions WHERE id = ?').get(id);
    return row ? toSubmission(row) : undefined;
  }

  list(): SubmissionRecord[] {
    return this.db.prepare<[], SubmissionRow>('SELECT * FROM cluster_submissions ORDER BY id DESC').all().map(toSubmission);
  }

  tasks(submissionId: number): TaskRecord[] {
    return this.db.prepare<[number], TaskRow>(`${TASK_SELECT} WHERE t.submission_id = ? ORDER BY t.task_index`).all(submissionId).map(toTask);
  }

  updateTask(submissionId: number, index: number, p: TaskPatch): void {
    const sets: string[] = ['updated_at = ?'];
    const args: (string | number | null)[] = [new Date().toISOString()];
    if (p.slurmJobId !== undefined) sets.push('slurm_job_id = ?'), args.push(p.slurmJobId);
    if (p.state !== undefined) sets.push('state = ?'), args.push(p.state);
    if (p.attempts !== undefined) sets.push('attempts = ?'), args.push(p.attempts);
    if (p.metricsOffset !== undefined) sets.push('metrics_offset = ?'), args.push(p.metricsOffset);
    if (p.collectedDigest !== undefined) sets.push('collected_digest = ?'), args.push(p.collectedDigest);
    if (p.message !== undefined) sets.push('message = ?'), args.push(p.message);
    this.db.prepare(`UPDATE cluster_tasks SET ${sets.join(', ')} WHERE submission_id = ? AND task_index = ?`).run(...args, submissionId, index);
  }
}
