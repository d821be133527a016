// What happened to a dataset (issue 17): a failed, cancelled or interrupted import says so with its
// reason and offers retry (from a corrected path when nothing was imported) and delete; samples the
// import skipped and samples caption jobs could not describe are listed apart, each with its reason.
import { useEffect, useState } from 'react';
import type { DatasetDetail } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { retryImport } from './DatasetActions';
import { formatCount } from './format';

export type ErrorStage = 'import' | 'caption';

const STAGE_HINT: Record<ErrorStage, string> = {
  import: 'These samples were skipped; the rest of the import went on. Fix them at the source and retry the import: finished samples are not imported twice.',
  caption: 'Caption jobs could not describe these samples; every other sample was described. Generate again to retry them: samples that have a caption are skipped.',
};

export function SampleErrors({ datasetId, stage, total }: { datasetId: number; stage: ErrorStage; total: number }) {
  const errors = useQuery('datasets.errors', { id: datasetId, limit: 1000, stage });
  if (errors.error) return <p className="error">Could not read the report: {describeError(errors.error)}</p>;
  if (!errors.data) return <p className="muted">Reading the report…</p>;
  return (
    <div className="import-errors" data-testid={`dataset-errors-${stage}-${datasetId}`}>
      <p className="hint">
        {STAGE_HINT[stage]} {total > errors.data.length ? `Showing the first ${formatCount(errors.data.length)} of ${formatCount(total)}; ` : ''}
        {stage === 'import' ? (
          <>
            <code>ric datasets retry</code> and <code>ric import … --json</code> print the whole report.
          </>
        ) : null}
      </p>
      <table className="data-table compact">
        <thead>
          <tr>
            <th scope="col">Sample</th>
            <th scope="col">Field</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {errors.data.map((e, i) => (
            <tr key={i}>
              <td className="mono">{e.sampleRef}</td>
              <td className="mono">{e.field ?? '—'}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The import's outcome in words, from the dataset and its newest import job. */
export function importOutcome(d: DatasetDetail): { kind: 'failed' | 'stopped' | 'empty' | 'ok'; text: string } {
  const job = d.lastImport;
  if (d.status === 'failed') {
    if (job?.state === 'cancelled') return { kind: 'stopped', text: `The import was cancelled after ${formatCount(d.sampleCount)} samples.` };
    if (job?.state === 'interrupted') return { kind: 'stopped', text: `The import was interrupted after ${formatCount(d.sampleCount)} samples (${job.error ?? 'RIC Studio stopped while it ran'}).` };
    return { kind: 'failed', text: job?.error ? `Why: ${job.error}` : 'It stopped before it finished, without saying why.' };
  }
  if (d.status === 'ready' && d.sampleCount === 0) {
    return { kind: 'empty', text: d.errorCount > 0 ? `The import finished, but every one of its ${formatCount(d.errorCount)} samples was skipped.` : 'The import finished without finding any sample.' };
  }
  return { kind: 'ok', text: '' };
}

export function DatasetStatus({ dataset: d, onChanged, onStarted, onDelete }: { dataset: DatasetDetail; onChanged(): void; onStarted(jobId: number): void; onDelete(): void }) {
  const api = useApi();
  const outcome = importOutcome(d);
  const [path, setPath] = useState(d.sourcePath ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setPath(d.sourcePath ?? ''), [d.sourcePath]);
  if (outcome.kind === 'ok') return null;
  const canChangePath = d.format !== 'shapes' && d.sampleCount === 0;
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      const started = await retryImport(api, d, canChangePath ? path : undefined);
      onStarted(started.jobId);
      onChanged();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`dataset-status status-box-${outcome.kind}`} role="alert" aria-label="What happened to this dataset" data-testid="dataset-status">
      <h2>{outcome.kind === 'failed' ? 'The import failed' : outcome.kind === 'stopped' ? 'The import did not finish' : 'Nothing was imported'}</h2>
      <p>{outcome.text}</p>
      {canChangePath ? (
        <div className="field">
          <label htmlFor="retry-path">Import from</label>
          <input id="retry-path" className="mono" value={path} spellCheck={false} onChange={(e) => setPath(e.target.value)} />
          <p className="hint">Correct the path if it was wrong; the import goes into this same dataset.</p>
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        {outcome.kind !== 'empty' || canChangePath ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void retry()}>
            {outcome.kind === 'stopped' ? 'Resume import' : 'Retry import'}
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={onDelete}>
          Delete dataset…
        </button>
      </div>
    </section>
  );
}

/** The two reports side by side as tabs: skipped at import, and caption errors. */
export function DatasetProblems({ dataset: d, initial }: { dataset: DatasetDetail; initial?: ErrorStage }) {
  const stages = (['import', 'caption'] as const).filter((s) => (s === 'import' ? d.errorCount : d.captionErrorCount) > 0);
  const [open, setOpen] = useState<ErrorStage | null>(initial ?? null);
  if (stages.length === 0) return null;
  const label = (s: ErrorStage) => (s === 'import' ? `${formatCount(d.errorCount)} skipped at import` : `${formatCount(d.captionErrorCount)} caption ${d.captionErrorCount === 1 ? 'error' : 'errors'}`);
  return (
    <div className="dataset-problems">
      <div role="tablist" aria-label="Problems reported for this dataset" className="problem-tabs">
        {stages.map((s) => (
          <button key={s} type="button" role="tab" aria-selected={open === s} className={open === s ? 'selected' : ''} onClick={() => setOpen(open === s ? null : s)}>
            {label(s)} {open === s ? '▾' : '▸'}
          </button>
        ))}
      </div>
      {open ? <SampleErrors datasetId={d.id} stage={open} total={open === 'import' ? d.errorCount : d.captionErrorCount} /> : null}
    </div>
  );
}
