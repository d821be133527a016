// A dataset edit started from the Edit view (the job `ric edit` runs): progress over the samples with
// the current sample's step, cancel (what is finished stays; the same edit again resumes), and the
// job's report at the end with a way into the result set.
import { useState } from 'react';
import { editDatasetResultSchema, type EditDatasetResult } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';
import { EditJobProgress, useEditJob } from './editJob';
import type { StartedDatasetEdit } from './EditForm';

export function DatasetEditRun({ run, onFinished, onOpenSets }: { run: StartedDatasetEdit; onFinished: () => void; onOpenSets: () => void }) {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<EditDatasetResult | null>(null);
  const { progress, state, running } = useEditJob(run.jobId, (job) => {
    setError(job.error);
    const r = editDatasetResultSchema.safeParse(job.result);
    if (r.success) setReport(r.data);
    onFinished();
  });

  return (
    <section className="edit-run panel" aria-label="Dataset edit" data-testid="dataset-edit-run" data-state={state}>
      <header className="edit-run-header">
        <h2>
          Result set “{run.name}”, job {run.jobId}: <span data-testid="dataset-edit-state">{state}</span>
        </h2>
        {running ? (
          <button type="button" className="secondary" onClick={() => void api.call('jobs.cancel', { id: run.jobId }).catch(() => undefined)} title="Stops between steps; what is finished stays, and the same edit again resumes">
            Cancel edit
          </button>
        ) : null}
      </header>
      {running ? <EditJobProgress progress={progress} unit="samples" label="Dataset edit progress" /> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {report ? (
        <p data-testid="dataset-edit-report">
          {report.edited} edited, {report.skipped} already done, {report.errors.length} errors of {report.total} in {report.seconds.toFixed(1)} s ({report.backend}
          {report.workers > 1 ? ` × ${report.workers} workers` : ''})
        </p>
      ) : null}
      {report?.errors.length ? (
        <ul className="small">
          {report.errors.slice(0, 20).map((e) => (
            <li key={e.sampleId} className="error">
              {e.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {!running ? (
        <button type="button" className="secondary" onClick={onOpenSets}>
          Open result sets
        </button>
      ) : null}
    </section>
  );
}
