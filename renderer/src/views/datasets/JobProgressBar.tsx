// Progress of a long job: a bar, the count, the rate and the time left — never a bare spinner.
import { formatCount, formatEta, formatRate } from './format';
import type { JobProgress } from './importJobs';

export function JobProgressBar({ progress, label, onCancel }: { progress: JobProgress | null; label: string; onCancel?: () => void }) {
  if (!progress) {
    return (
      <div className="job-progress" role="status">
        <span className="muted">{label}: queued, waiting for the first progress report…</span>
      </div>
    );
  }
  const { done, total, rate, etaSeconds, state, message } = progress;
  const fraction = total ? Math.min(1, done / total) : null;
  const running = state === 'running' || state === 'queued';
  return (
    <div className="job-progress" role="status" aria-live="polite" data-state={state}>
      {/* Indeterminate (animated) only while it runs without a known total: an ended job's bar stands still. */}
      <progress max={total ?? 1} value={total ? done : running ? undefined : state === 'completed' ? 1 : 0} aria-label={`${label} progress`} />
      <span className="job-progress-text">
        <strong>{formatCount(done)}</strong>
        {total !== null ? ` of ${formatCount(total)}` : ''}
        {fraction !== null ? ` (${Math.floor(fraction * 100)}%)` : ''}
        {running ? (
          <>
            {' · '}
            {formatRate(rate)}
            {' · '}
            {etaSeconds !== null ? `${formatEta(etaSeconds)} left` : 'estimating time left'}
          </>
        ) : (
          <> · {state}</>
        )}
      </span>
      {running && onCancel ? (
        <button type="button" className="secondary cancel" onClick={onCancel} title="Stops after the current batch; importing again resumes where it stopped">
          Cancel import
        </button>
      ) : null}
      {message && running ? <span className="muted job-progress-message">{message}</span> : null}
    </div>
  );
}
