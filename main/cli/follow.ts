// Following work the CLI started to its end, the one way every command does it: Ctrl-C (and the
// SIGTERM of scancel or a time limit) asks the work to stop rather than killing the process, so a
// job ends recorded and can be resumed; events wake the wait and a timer is the fallback. Only the
// Api client is used (test/layers: the CLI reaches the app through the Api).
import type { ApiClient } from '../../shared/api/client.js';
import { FINAL_JOB_STATES, type ApiEventPayload, type JobDetail } from '../../shared/api/index.js';

type JobProgress = ApiEventPayload<'job.progress'>;
type LogLine = ApiEventPayload<'log.line'>;

/**
 * Until `off()`: the first SIGINT or SIGTERM (those in `signals`) writes `note` on stderr, on a line
 * of its own, and calls `cancel`. Without a handler Node would exit at once, leaving the work to be
 * found interrupted.
 */
export function onStopSignal(cancel: () => void, note?: string, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): () => void {
  const handler = () => {
    if (note) process.stderr.write(`\n${note}\n`);
    cancel();
  };
  for (const s of signals) process.once(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * Resolves with what `read` returns once `done` holds of it: read at once, again whenever `subscribe`'s
 * wake is called (an event) and every `pollMs` (the fallback). A failed read rejects.
 */
export function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, subscribe: (wake: () => void) => () => void, pollMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let over = false;
    const finish = (fn: () => void) => {
      if (over) return;
      over = true;
      off();
      clearInterval(timer);
      fn();
    };
    const check = () =>
      read().then(
        (value) => {
          if (done(value)) finish(() => resolve(value));
        },
        (err: unknown) => finish(() => reject(err)),
      );
    const off = subscribe(() => void check());
    const timer = setInterval(() => void check(), pollMs);
    void check();
  });
}

/**
 * Resolves with a job once it has ended: the queue records a job's end only after its engine host
 * reported it, so what this returns is final. Its progress events wake the check.
 */
export function jobEnd(api: ApiClient, id: number): Promise<JobDetail> {
  return settled(
    () => api.call('jobs.get', { id }),
    (job) => FINAL_JOB_STATES.includes(job.state),
    (wake) => api.on('job.progress', (p) => p.jobId === id && wake()),
    500,
  );
}

export interface FollowOptions {
  /** Said on stderr when a signal asks the job to stop (what happens to its work, how to continue). */
  stopNote?: string;
  /** The signals that cancel the job; default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
  /** The job's progress events, once `start` has given its id (the final one included). */
  onProgress?: (p: JobProgress) => void;
  /** The job's log lines. */
  onLog?: (line: LogLine) => void;
}

/**
 * Starts a job (`start` queues or resumes it and gives its id), follows it to its end and returns
 * it as the queue recorded it; a signal meanwhile cancels it (its end is still waited for). A `start`
 * that knows the id before the job moves (a resume) calls `known` with it, so no event is missed.
 */
export async function followJob(api: ApiClient, start: (known: (id: number) => void) => Promise<number>, options: FollowOptions = {}): Promise<JobDetail> {
  let jobId = -1;
  const offs = [
    onStopSignal(() => {
      if (jobId > 0) void api.call('jobs.cancel', { id: jobId }).catch(() => undefined);
    }, options.stopNote, options.signals),
  ];
  const { onProgress, onLog } = options;
  if (onProgress) offs.push(api.on('job.progress', (p) => p.jobId === jobId && onProgress(p)));
  if (onLog) offs.push(api.on('log.line', (l) => l.jobId === jobId && onLog(l)));
  try {
    jobId = await start((id) => {
      jobId = id;
    });
    return await jobEnd(api, jobId);
  } finally {
    for (const off of offs) off();
  }
}
