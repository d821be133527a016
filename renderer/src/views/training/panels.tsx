// The side panels of a run: checkpoints (resume from one), resources of the engine host, samples
// stored during training at the slider's step, and the job's log (live).
import { useEffect, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { Checkpoint, JobLogLine, Resources, RunSample } from '../../../../shared/api/index';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { formatBytes, formatValue } from './metrics';
import { ValidationEdits } from './ValidationEdits';

export function CheckpointsPanel({ checkpoints, canResume, onResume }: { checkpoints: Checkpoint[]; canResume: boolean; onResume: (c: Checkpoint) => void }) {
  // The best by validation recall@1 is kept whatever keep_checkpoints says (the first of equals).
  const best = checkpoints.reduce<Checkpoint | null>((b, c) => (c.validationScore !== null && (b === null || c.validationScore > b.validationScore!) ? c : b), null);
  return (
    <section className="panel" aria-labelledby="checkpoints-h">
      <h2 id="checkpoints-h">Checkpoints</h2>
      {checkpoints.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <table className="data-table compact">
          <thead>
            <tr>
              <th className="num">step</th>
              <th className="num">size</th>
              <th className="num">val R@1</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...checkpoints].reverse().map((c) => (
              <tr key={c.id} data-checkpoint-step={c.step}>
                <td className="num">{c.step}</td>
                <td className="num">{formatBytes(c.size)}</td>
                <td className="num">
                  {formatValue(c.validationScore)}
                  {c === best ? <span className="ok small" data-testid="best-checkpoint"> best</span> : null}
                </td>
                <td>
                  <button type="button" className="link-button small" disabled={!canResume} onClick={() => onResume(c)} title={canResume ? `Continue training from step ${c.step}` : 'Stop the run first'}>
                    Resume from here
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ResourcesPanel({ active }: { active: boolean }) {
  const api = useApi();
  const [r, setR] = useState<Resources | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.call('runs.resources', {}).then(
        (x) => live && (setR(x), setError(null)),
        (e: unknown) => live && setError(describeError(e)),
      );
    void load();
    const timer = active ? setInterval(load, 2000) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [api, active]);
  return (
    <section className="panel" aria-labelledby="resources-h">
      <h2 id="resources-h">Resources</h2>
      {error ? <p className="error small">{error}</p> : null}
      {r ? (
        <dl className="kv small">
          <dt>Engine host</dt>
          <dd>{r.host ? `pid ${r.host.pid}, RSS ${formatBytes(r.host.rssBytes)}, heap ${formatBytes(r.host.heapUsedBytes)}` : (r.note ?? '—')}</dd>
          <dt>Backend</dt>
          <dd data-testid="backend">{r.host?.backend ?? '—'}</dd>
          <dt>Tensors</dt>
          <dd>{r.host?.tensors ? `${r.host.tensors.numTensors} tensors, ${formatBytes(r.host.tensors.numBytes)}` : '—'}</dd>
          <dt>GPU memory</dt>
          <dd>{r.host?.gpuBytes !== null && r.host?.gpuBytes !== undefined ? formatBytes(r.host.gpuBytes) : 'not reported by this backend'}</dd>
          <dt>Main process</dt>
          <dd>
            RSS {formatBytes(r.main.rssBytes)}, heap {formatBytes(r.main.heapUsedBytes)}
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

export function SamplesPanel({ runId, step, refreshKey, onSteps }: { runId: number; step: number | null; refreshKey: string; onSteps: (steps: number[]) => void }) {
  const q = useQuery('runs.samples', step === null ? { runId } : { runId, step });
  const reload = q.reload;
  // A new checkpoint brings new samples.
  useEffect(() => reload(), [refreshKey, reload]);
  useEffect(() => {
    if (q.data) onSteps(q.data.steps);
  }, [q.data, onSteps]);
  return (
    <section className="panel" aria-labelledby="samples-h">
      <h2 id="samples-h">Samples{q.data?.step !== null && q.data?.step !== undefined ? ` at step ${q.data.step}` : ''}</h2>
      {q.error ? <p className="error small">{describeError(q.error)}</p> : null}
      {q.data && q.data.samples.length === 0 ? <p className="muted small">This run has stored no sample outputs.</p> : null}
      {/* The editor's validation edits (kind `edit`) come with their sample's source and ground truth. */}
      {q.data && q.data.step !== null && q.data.samples.some((s) => s.kind === 'edit') ? <ValidationEdits runId={runId} step={q.data.step} /> : null}
      <ul className="run-samples">
        {q.data?.samples
          .filter((s) => s.kind !== 'edit')
          .map((s) => (
            <SampleItem key={s.id} sample={s} />
          ))}
      </ul>
    </section>
  );
}

function SampleItem({ sample }: { sample: RunSample }) {
  const blobUrl = useBlobUrl();
  const p = sample.payload as { query?: string; truth?: string; retrieved?: { text?: string; score?: number; correct?: boolean }[] } | null;
  if (p && typeof p === 'object' && Array.isArray(p.retrieved)) {
    const hit = p.retrieved[0]?.correct === true;
    return (
      <li className="run-sample" data-sample-kind={sample.kind}>
        {sample.blobSha256 ? <img src={blobUrl(sample.blobSha256)} alt={`validation image ${p.query ?? ''}`} width={64} height={64} /> : null}
        <div className="small">
          <div>
            <span className={hit ? 'ok' : 'warn'}>{hit ? 'top-1 correct' : 'top-1 wrong'}</span> <span className="muted">{p.query}</span>
          </div>
          <div className="muted" title="the true description">
            truth: {p.truth}
          </div>
          <ol>
            {p.retrieved.map((r, i) => (
              <li key={i} className={r.correct ? 'ok' : undefined}>
                {r.text} <span className="muted mono">{formatValue(r.score ?? null)}</span>
              </li>
            ))}
          </ol>
        </div>
      </li>
    );
  }
  return (
    <li>
      <code className="small">{sample.kind}</code> <span className="small">{JSON.stringify(sample.payload).slice(0, 300)}</span>
    </li>
  );
}

export function LogPanel({ jobId }: { jobId: number }) {
  const api = useApi();
  const [lines, setLines] = useState<JobLogLine[]>([]);
  useEffect(() => {
    let live = true;
    setLines([]);
    void api.call('jobs.log', { id: jobId, limit: 500 }).then((l) => live && setLines(l), () => undefined);
    const off = api.on('log.line', (l) => {
      if (l.jobId === jobId) setLines((prev) => [...prev.slice(-499), { id: Date.now(), time: l.time, level: l.level, message: l.message }]);
    });
    return () => {
      live = false;
      off();
    };
  }, [api, jobId]);
  return (
    <section className="panel" aria-labelledby="log-h">
      <h2 id="log-h">Log</h2>
      <ol className="job-log mono small" aria-live="polite">
        {lines.slice(-200).map((l, i) => (
          <li key={`${l.id}-${i}`} className={`log-${l.level}`}>
            <time>{new Date(l.time).toLocaleTimeString()}</time> {l.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
