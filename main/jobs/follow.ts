// Waiting for a job this process dispatched to end (the CLI commands that run a job in the
// foreground: ric import, ric jobs resume). Resolves once the queue has taken the host's final word.
import type { ApiEventPayload, JobState } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import type { Store } from '../store/index.js';
import type { JobManager } from './manager.js';

const FINAL = new Set<JobState>(['completed', 'failed', 'cancelled', 'interrupted']);

export interface JobOutcome {
  state: JobState;
  error: string | null;
  result: unknown;
}

export function jobOutcome(store: Store, events: EventHub, jobs: JobManager, id: number): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const check = () => {
      const r = store.jobs.get(id);
      if (!r || !FINAL.has(r.state) || jobs.isActive(id)) return;
      off();
      clearInterval(timer);
      resolve({ state: r.state, error: r.error, result: r.result });
    };
    const off = events.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as ApiEventPayload<'job.progress'>).jobId === id) check();
    });
    const timer = setInterval(check, 500);
    check();
  });
}
