// The import dialog once a job has started: live progress while it runs, then what came of it. A
// failed import says so and why (no "the import goes on", no "Open dataset"), keeps its bar still,
// and offers retry — from a corrected path — and delete. A cancelled one can be resumed.
import { useEffect, useState } from 'react';
import { formatCount } from './format';
import type { ImportFormat } from './ImportDialog';
import type { ImportJob } from './importJobs';
import { JobProgressBar } from './JobProgressBar';

interface Props {
  job: ImportJob | undefined;
  datasetId: number;
  format: ImportFormat;
  path: string;
  error: string | null;
  onCancel(): void;
  onRetry(path: string | undefined): void;
  onOpen(): void;
  onDelete(): void;
  onClose(): void;
}

export function ImportOutcome({ job, format, path, error, onCancel, onRetry, onOpen, onDelete, onClose }: Props) {
  const progress = job?.progress ?? null;
  const state = progress?.state ?? 'queued';
  const [retryPath, setRetryPath] = useState(path);
  useEffect(() => setRetryPath(path), [path]);
  const running = state === 'queued' || state === 'running' || state === 'paused';
  const failed = state === 'failed' || state === 'interrupted';
  const nothingImported = (progress?.done ?? 0) === 0;
  return (
    <div className="dialog-body" data-testid="import-outcome" data-state={state}>
      <JobProgressBar progress={progress} label={job?.label ?? 'Import'} onCancel={onCancel} />
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {running ? <p className="hint">You can close this dialog: the import goes on, and the dataset list shows its progress.</p> : null}
      {state === 'completed' ? <p className="ok">Imported. {progress?.message ?? ''}</p> : null}
      {state === 'cancelled' ? <p className="hint">Cancelled after {formatCount(progress?.done ?? 0)} samples. Resume goes on where it stopped.</p> : null}
      {failed ? (
        <div className="import-failure" role="alert">
          <p className="error">
            <strong>The import {state === 'interrupted' ? 'was interrupted' : 'failed'}:</strong> {progress?.message ?? 'it stopped before it finished.'}
          </p>
          {format !== 'shapes' && nothingImported ? (
            <div className="field">
              <label htmlFor="retry-import-path">Path</label>
              <input id="retry-import-path" className="mono" value={retryPath} spellCheck={false} onChange={(e) => setRetryPath(e.target.value)} />
              <p className="hint">Correct it and retry: the import goes into the same dataset.</p>
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="form-actions">
        {failed || state === 'cancelled' ? (
          <button type="button" className="primary" onClick={() => onRetry(format !== 'shapes' && nothingImported && retryPath.trim() !== path.trim() ? retryPath.trim() : undefined)}>
            {state === 'cancelled' ? 'Resume import' : 'Retry import'}
          </button>
        ) : null}
        {!failed ? (
          <button type="button" className={running || state === 'cancelled' ? 'secondary' : 'primary'} onClick={onOpen}>
            {running ? 'Open dataset (partial)' : 'Open dataset'}
          </button>
        ) : null}
        {failed ? (
          <button type="button" className="secondary" onClick={onDelete}>
            Delete dataset
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
