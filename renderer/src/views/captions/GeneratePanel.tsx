// Start a caption job for the dataset (VLM endpoint or the ShapesEdit scene-graph template) and
// follow it live: count, rate, time left, cancel; then the report with every failure's reason.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { CaptionJobReport, CaptionKind, DescribedImage } from '../../../../shared/api/captions';
import type { ApiEventPayload } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { formatEta, formatRate } from './format';

type Progress = ApiEventPayload<'job.progress'>;

export function GeneratePanel({ datasetId, kind, onChanged }: { datasetId: number | undefined; kind: CaptionKind; onChanged: () => void }) {
  const api = useApi();
  const settings = useQuery('settings.get', {});
  const config = useQuery('captions.config', {});
  const [captioner, setCaptioner] = useState<'vlm' | 'template'>('vlm');
  const [endpoint, setEndpoint] = useState('');
  const [model, setModel] = useState('');
  const [concurrency, setConcurrency] = useState(4);
  const [onlyMissing, setOnlyMissing] = useState(false);
  const [includeReviewed, setIncludeReviewed] = useState(false);
  const [split, setSplit] = useState<'' | 'train' | 'val' | 'test'>('');
  const [editType, setEditType] = useState('');
  const [jobId, setJobId] = useState<number | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [report, setReport] = useState<CaptionJobReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Listen before starting: a short job can finish before its id comes back from the call.
  const seen = useRef(new Map<number, Progress>());
  const jobIdRef = useRef<number | null>(null);
  useEffect(
    () =>
      api.on('job.progress', (p) => {
        seen.current.set(p.jobId, p);
        if (p.jobId === jobIdRef.current) setProgress(p);
      }),
    [api],
  );

  // The job row is the truth when events are missed (a reconnecting socket): poll it while running.
  const finished = progress !== null && progress.state !== 'running' && progress.state !== 'queued';
  useEffect(() => {
    if (jobId === null || finished) return;
    const timer = setInterval(() => {
      api.call('captions.job', { jobId }).then(
        ({ job }) => setProgress((old) => (old && old.done >= job.done && old.state === job.state ? old : { jobId, state: job.state, done: job.done, total: job.total, rate: old?.rate ?? null, etaSeconds: old?.etaSeconds ?? null })),
        () => undefined,
      );
    }, 1000);
    return () => clearInterval(timer);
  }, [api, jobId, finished]);
  // Once it ended: the report, and for a job that failed, why (every sample failed, the endpoint, ...).
  const [jobError, setJobError] = useState<string | null>(null);
  useEffect(() => {
    if (jobId === null || !finished) return;
    api.call('captions.job', { jobId }).then(
      (j) => {
        setReport(j.report);
        setJobError(j.job.state === 'failed' || j.job.state === 'interrupted' ? (j.job.error ?? 'the job stopped before it finished') : null);
      },
      () => undefined,
    );
    onChanged();
  }, [api, jobId, finished, onChanged]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (datasetId === undefined) return;
    setError(null);
    setReport(null);
    setJobError(null);
    setProgress(null);
    try {
      const selection = { ...(split ? { split } : {}), ...(editType.trim() ? { editType: editType.trim() } : {}) };
      const args =
        captioner === 'template'
          ? { datasetId, kind, captioner, onlyMissing, includeReviewed, ...selection }
          : { datasetId, kind, captioner, concurrency, onlyMissing, includeReviewed, ...selection, ...(endpoint.trim() ? { endpoint: endpoint.trim() } : {}), ...(model.trim() ? { model: model.trim() } : {}) };
      const { jobId: id } = await api.call('captions.generate', args);
      jobIdRef.current = id;
      setJobId(id);
      setProgress(seen.current.get(id) ?? null);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const resume = async (id: number) => {
    setError(null);
    setReport(null);
    setJobError(null);
    try {
      const { jobId: next } = await api.call('captions.resume', { jobId: id });
      jobIdRef.current = next;
      setProgress(seen.current.get(next) ?? null);
      setJobId(next);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const setImage = async (image: DescribedImage) => {
    await api.call('captions.setConfig', { image });
    config.reload();
  };

  const running = progress !== null && (progress.state === 'running' || progress.state === 'queued');
  const vlm = settings.data?.vlm;
  return (
    <details className="panel generate-panel">
      <summary>Generate {kind} descriptions</summary>
      <form onSubmit={start} className="generate-form">
        <label>
          Captioner
          <select value={captioner} onChange={(e) => setCaptioner(e.target.value as 'vlm' | 'template')}>
            <option value="vlm">VLM (OpenAI-compatible endpoint)</option>
            <option value="template">Template — exact, from the ShapesEdit scene graph</option>
          </select>
        </label>
        {captioner === 'vlm' ? (
          <>
            <label>
              Endpoint
              <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder={vlm?.baseUrl ?? 'http://127.0.0.1:8000/v1'} spellCheck={false} />
            </label>
            <label>
              Model
              <input value={model} onChange={(e) => setModel(e.target.value)} placeholder={vlm?.model ?? 'deepseek-ai/deepseek-vl2-tiny'} spellCheck={false} />
            </label>
            <label>
              Requests in flight
              <input type="number" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(Math.max(1, Math.min(64, Number(e.target.value) || 1)))} />
            </label>
            <label>
              Describe the
              <select value={config.data?.image ?? 'target'} onChange={(e) => void setImage(e.target.value as DescribedImage)}>
                <option value="target">target image (paper)</option>
                <option value="source">source image</option>
              </select>
            </label>
          </>
        ) : null}
        <label>
          Split
          <select value={split} onChange={(e) => setSplit(e.target.value as typeof split)}>
            <option value="">every split</option>
            <option value="train">train</option>
            <option value="val">val</option>
            <option value="test">test</option>
          </select>
        </label>
        <label>
          Edit type
          <input value={editType} onChange={(e) => setEditType(e.target.value)} placeholder="every edit type" spellCheck={false} />
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyMissing} onChange={(e) => setOnlyMissing(e.target.checked)} /> only samples without any {kind} caption
        </label>
        <label className="check">
          <input type="checkbox" checked={includeReviewed} onChange={(e) => setIncludeReviewed(e.target.checked)} /> also re-describe approved or human-written ones
        </label>
        <p className="hint">
          Samples that already have a caption from this prompt version and model are skipped, so running again resumes. Answers are cached by image, prompt and
          model.
        </p>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={datasetId === undefined || running}>
            Start
          </button>
          {running && jobId !== null ? (
            <button type="button" className="secondary" onClick={() => void api.call('captions.cancel', { jobId })}>
              Cancel
            </button>
          ) : null}
          {finished && jobId !== null && progress?.state !== 'completed' ? (
            <button type="button" className="secondary" onClick={() => void resume(jobId)} title="A new job with the same settings; finished samples are skipped">
              Resume
            </button>
          ) : null}
          {datasetId === undefined ? <span className="muted">Choose a dataset first.</span> : null}
        </div>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {jobId !== null ? <JobLine jobId={jobId} progress={progress} /> : null}
      {jobError && finished ? (
        <p className="error" role="alert" data-testid="caption-job-error">
          The job failed: {jobError}
        </p>
      ) : null}
      {report ? <ReportView report={report} /> : null}
    </details>
  );
}

function JobLine({ jobId, progress }: { jobId: number; progress: Progress | null }) {
  if (!progress) return <p className="muted">Job {jobId}: starting…</p>;
  const { done, total, state, rate, etaSeconds } = progress;
  return (
    <div className="job-line" role="status" aria-live="polite" data-testid="caption-job-progress" data-state={state}>
      <progress max={total ?? undefined} value={total ? done : undefined} aria-label="caption job progress" />
      <span>
        Job {jobId}: <strong>{done}</strong>
        {total !== null ? ` of ${total}` : ''} · {state === 'running' ? `${formatRate(rate)} · ${formatEta(etaSeconds)}` : state}
      </span>
    </div>
  );
}

function ReportView({ report: r }: { report: CaptionJobReport }) {
  return (
    <div className="job-report" data-testid="caption-job-report">
      <p>
        {r.cancelled ? 'Cancelled. ' : ''}Written <strong>{r.written}</strong>, from cache <strong>{r.fromCache}</strong>, failed <strong>{r.failed.length}</strong>, skipped{' '}
        {r.skipped} of {r.selected} ({(r.durationMs / 1000).toFixed(1)} s).
      </p>
      {r.failed.length > 0 ? (
        <ul className="failures">
          {r.failed.slice(0, 100).map((f) => (
            <li key={f.sampleId}>
              <code>{f.externalId}</code> {f.reason}
            </li>
          ))}
          {r.failed.length > 100 ? <li className="muted">… {r.failed.length - 100} more (Datasets › errors, or ric caption --json)</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
