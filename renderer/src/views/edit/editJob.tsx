// An Edit-view job followed to its end — the single edit (EditRun) and the dataset edit
// (DatasetEditRun) alike: its latest progress and state from the job's events, and once the queue
// has recorded its end, the job as stored (result, error), read again if the view opened late.
import { useEffect, useRef, useState } from 'react';
import type { ApiEventPayload, JobDetail } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';

export type JobProgress = ApiEventPayload<'job.progress'>;

const FINAL = ['completed', 'failed', 'cancelled', 'interrupted'];

/** `onEnd` gets the stored job once it is final (it may come twice: the last event and a late open both read it). */
export function useEditJob(jobId: number, onEnd: (job: JobDetail) => void): { progress: JobProgress | null; state: string; running: boolean } {
  const api = useApi();
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [state, setState] = useState('queued');
  // The parent makes a new closure each render; the subscription stays one per job.
  const ended = useRef(onEnd);
  ended.current = onEnd;

  useEffect(() => {
    let live = true;
    const finish = () =>
      api.call('jobs.get', { id: jobId }).then((job) => {
        if (!live || !FINAL.includes(job.state)) return;
        setState(job.state);
        ended.current(job);
      }, () => undefined);
    const off = api.on('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      setProgress(p);
      setState(p.state);
      if (FINAL.includes(p.state)) void finish();
    });
    // A job that ended before this subscription still shows its end.
    void finish();
    return () => {
      live = false;
      off();
    };
  }, [api, jobId]);

  return { progress, state, running: !FINAL.includes(state) };
}

/** The running job's bar: `done of total unit`, the time left and the engine's message. */
export function EditJobProgress({ progress, unit, label }: { progress: JobProgress | null; unit: string; label: string }) {
  return (
    <div className="job-progress" role="status">
      <progress max={progress?.total ?? undefined} value={progress?.total ? progress.done : undefined} aria-label={label} />
      <span>
        {progress ? `${progress.done} of ${progress.total ?? '?'} ${unit}` : 'starting the engine…'}
        {progress?.etaSeconds != null ? ` · about ${Math.ceil(progress.etaSeconds)} s left` : ''}
        {progress?.message ? ` · ${progress.message}` : ''}
      </span>
    </div>
  );
}
