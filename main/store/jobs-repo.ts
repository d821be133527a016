import type { JobState, JobSummary } from '../../shared/api/index.js';
import type { Db } from './database.js';

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  title: string;
  done: number;
  total: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

function toSummary(r: JobRow): JobSummary {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    title: r.title,
    done: r.done,
    total: r.total,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

export class JobsRepo {
  constructor(private readonly db: Db) {}

  list(states?: readonly JobState[]): JobSummary[] {
    const cols = 'id, kind, state, title, done, total, created_at, started_at, finished_at, error';
    if (states === undefined || states.length === 0) {
      return this.db.prepare<[], JobRow>(`SELECT ${cols} FROM jobs ORDER BY id DESC`).all().map(toSummary);
    }
    const marks = states.map(() => '?').join(',');
    return this.db
      .prepare<JobState[], JobRow>(`SELECT ${cols} FROM jobs WHERE state IN (${marks}) ORDER BY id DESC`)
      .all(...states)
      .map(toSummary);
  }

  countRunning(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n;
  }
}
