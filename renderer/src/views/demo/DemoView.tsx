// The ShapesEdit demo project (issue 18): the offer (with where the base editor is, or what is
// missing), then the chain's stages live — each stage's job with its progress, the chain cancellable —
// and at the end the ablation table (mean ± std over seeds, against the baseline), one click from the
// Compare view of the five editors on the same samples.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { demoVerdict, type ApiEventPayload, type DemoStatus } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { ViewHeader } from '../../components/ViewHeader';
import { EvalTable } from '../compare/EvalTable';
import { JobProgressBar } from '../datasets/JobProgressBar';
import './demo.css';

type Progress = ApiEventPayload<'job.progress'>;

/** The chain this window started (sessionStorage): the app opens its table when it completes. */
export const DEMO_STARTED_KEY = 'ric.demoStarted';

/** Starts (or continues) the demo and remembers it was this window's doing. */
export async function startDemo(api: ReturnType<typeof useApi>, args: { quick?: boolean; trainBase?: boolean }): Promise<void> {
  const s = await api.call('demo.start', args);
  sessionStorage.setItem(DEMO_STARTED_KEY, String(s.id));
}

/** The Compare view on the demo's result sets: every variant × seed on the same samples. */
export const compareLink = (r: NonNullable<DemoStatus['result']>) => `/compare?dataset=${r.datasetId}&sets=${r.resultSetIds.join(',')}&preset=${encodeURIComponent(r.preset)}`;

export function DemoView() {
  const api = useApi();
  const status = useQuery('demo.status', {});
  const base = useQuery('demo.baseEditor', {});
  const [progress, setProgress] = useState<Record<number, Progress>>({});
  const [error, setError] = useState<string | null>(null);
  const [quick, setQuick] = useState(false);
  const [trainBase, setTrainBase] = useState(false);
  const reload = status.reload;
  useEffect(() => api.on('demo.changed', () => reload()), [api, reload]);
  useEffect(() => api.on('job.progress', (p) => setProgress((m) => ({ ...m, [p.jobId]: p }))), [api]);

  const start = async (args: { quick?: boolean; trainBase?: boolean } = {}) => {
    setError(null);
    try {
      await startDemo(api, args);
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const s = status.data ?? null;
  const running = s?.state === 'running';
  const again = s ? { quick: s.settings['quick'] === true, trainBase: s.settings['trainBase'] === true } : {};

  return (
    <section className="view demo-view" aria-labelledby="view-title">
      <ViewHeader title="Demo project" summary="The whole method in minutes: ShapesEdit, the towers, the editor fine-tuned five ways, the ablation table" />
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {!s ? (
        <div className="panel demo-offer">
          <p>
            Creates a complete project from nothing: ShapesEdit generated at 32 px, its region and scene descriptions from the scene graph
            (approved), a tiny Region-CLIP (fusion, then joint) and a tiny BLIP, and the tiny editor fine-tuned from one base editor five ways —
            baseline (denoising only), the full Region-in-Context loss, without the global loss, without the region loss, without the gated
            fusion — with three seeds each; their edits of the held-out samples are scored (edit accuracy from the scene graph, PSNR inside and
            outside the mask) into the ablation table. Every stage is a job you can follow and cancel; starting again continues where it stopped.
          </p>
          <p className="muted" data-testid="demo-base">
            {base.data ? (base.data.found ? `Base editor: ${base.data.found}` : base.data.message) : 'Looking for the base editor…'}
          </p>
          <label>
            <input type="checkbox" checked={quick} onChange={(e) => setQuick(e.target.checked)} /> Quick: baseline and full method, one seed
          </label>{' '}
          <label>
            <input type="checkbox" checked={trainBase} onChange={(e) => setTrainBase(e.target.checked)} /> Train the base editor here first (hours)
          </label>
          <div>
            <button type="button" className="primary" onClick={() => void start({ quick, trainBase })}>
              Create the demo project
            </button>
          </div>
        </div>
      ) : null}
      {s && s.state !== 'completed' ? <ChainStages status={s} progress={progress} /> : null}
      {s && running ? (
        <button type="button" className="secondary" onClick={() => void api.call('demo.cancel', {}).then(reload, (e: unknown) => setError(describeError(e)))}>
          Cancel the demo
        </button>
      ) : null}
      {s && !running && s.state !== 'completed' ? (
        <div className="panel" role="status">
          <p>
            The demo {s.state}
            {s.error ? `: ${s.error}` : '.'}
          </p>
          <button type="button" className="primary" onClick={() => void start(again)}>
            Continue the demo
          </button>
        </div>
      ) : null}
      {s?.state === 'completed' && s.result ? (
        <div className="demo-result">
          <h2>The ablation table</h2>
          <p className="muted">
            The tiny editor fine-tuned from the same base editor, each row a loss (Tables 2–3), mean ± std over seeds, on the held-out samples
            ({s.result.preset} preset). Whether the full method beats the baseline is read against the spread between seeds.
          </p>
          <ul className="demo-verdict" data-testid="demo-verdict">
            {demoVerdict(s.result.table).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <EvalTable
            resultSetIds={s.result.resultSetIds}
            preset={s.result.preset}
            version={0}
            initialGrouping="seed"
            initialReference={s.result.baselineResultSetId}
            columns={s.result.table.columns.map((c) => c.key)}
          />
          <p>
            <Link className="button primary" to={compareLink(s.result)} data-testid="demo-compare">
              Compare the editors on the same samples
            </Link>
          </p>
          <details className="demo-done-stages">
            <summary>How it was made: {s.stages.length} stages, each a job</summary>
            <ChainStages status={s} progress={progress} />
          </details>
        </div>
      ) : null}
    </section>
  );
}

function ChainStages({ status, progress }: { status: DemoStatus; progress: Record<number, Progress> }) {
  const done = status.stages.filter((x) => x.state === 'done').length;
  return (
    <div className="panel demo-chain">
      <p>
        Demo chain {status.id}: {done} of {status.stages.length} stages done · {status.state}
      </p>
      <ol className="demo-stages" aria-label="Demo stages">
        {status.stages.map((st) => (
          <li key={st.key} data-state={st.state}>
            <span className="demo-stage-state">{st.state}</span> {st.label}
            {st.jobId !== null ? <span className="muted"> · job {st.jobId}</span> : null}
            {st.detail ? <div className="muted demo-stage-detail">{st.detail}</div> : null}
            {st.state === 'running' && st.jobId !== null ? <JobProgressBar progress={progress[st.jobId] ?? null} label={st.label} /> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
