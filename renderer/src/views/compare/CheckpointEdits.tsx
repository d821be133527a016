// The Compare view's checkpoint slider (issue 16): pick editor training runs — one, or the ablation
// variants and seeds of a matrix — and slide through their checkpoint steps, seeing each run's edit of
// the same validation samples side by side with the source and the ground truth, with the inside-mask
// L1 of each edit (and of the unedited source, which an edit must beat). The edits are the run samples
// of kind `edit` the train-editor job stores at every checkpoint (issue 15). Keyboard: [ and ] step
// to the previous / next checkpoint; the slider takes the arrow keys.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { RunEdit, RunEdits } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { editGrid, editSummary, runLabel, stepAtOrBefore } from '../../../../shared/runs/index';
import { useApi, useQuery } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';
import { useWindowKeydown } from '../../components/useWindowKeydown';

const SIZES = [128, 256, 512] as const;

const parseIds = (s: string | null) => (s ?? '').split(',').filter((x) => /^\d{1,12}$/.test(x)).map(Number);

function runTitle(r: RunEdits): string {
  // The ablation switch, unless the run's name says it already (matrix runs are named after their variant).
  const ablation = r.ablation && !r.name.split(/\s+/).includes(r.ablation) ? ` · ${r.ablation}` : '';
  return `${runLabel({ id: r.runId, name: r.name })}${ablation} · seed ${r.seed}`;
}

const l1 = (v: number) => v.toFixed(3);

function Picture({ sha, alt, size }: { sha: string | null; alt: string; size: number }) {
  return sha ? <BlobImage sha256={sha} alt={alt} width={size} height={size} className="checkpoint-image" draggable={false} /> : <span className="muted small checkpoint-missing" style={{ width: size, height: size }}>no image</span>;
}

export function CheckpointEdits() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  // The ticked runs live in the URL (?runs=1,2), mirrored in state and a ref so that a checkbox shows
  // a click at once and two quick clicks build on each other rather than on a stale URL (as the
  // Training view does).
  const runsParam = params.get('runs');
  const [ticked, setTickedState] = useState<number[]>(() => parseIds(runsParam));
  const tickedRef = useRef(ticked);
  useEffect(() => {
    const fromUrl = parseIds(runsParam);
    tickedRef.current = fromUrl;
    setTickedState(fromUrl);
  }, [runsParam]);
  const setTicked = (ids: number[]) => {
    tickedRef.current = ids;
    setTickedState(ids);
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (ids.length) next.set('runs', ids.join(','));
      else next.delete('runs');
      return next;
    });
  };
  const [step, setStep] = useState<number | null>(null);
  const [size, setSize] = useState<number>(128);
  const runs = useQuery('runs.list', { kind: 'editor', sort: 'created', order: 'asc', limit: 1000 });
  const [data, setData] = useState<{ steps: number[]; runs: RunEdits[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const key = ticked.join(',');

  useEffect(() => {
    let live = true;
    const runIds = key ? key.split(',').map(Number) : [];
    if (runIds.length === 0) {
      setData(null);
      return;
    }
    api.call('runs.edits', { runIds: runIds.slice(0, 16), ...(step !== null ? { step } : {}) }).then(
      (d) => live && (setData(d), setError(null)),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [api, key, step, generation]);

  // A running run stores new edits at each checkpoint: follow its metric batches (at most every 2 s).
  useEffect(() => {
    const ids = new Set(key.split(',').map(Number));
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('metric.batch', (b) => {
      if (!ids.has(b.runId) || timer) return;
      timer = setTimeout(() => ((timer = null), setGeneration((g) => g + 1)), 2000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, key]);

  const steps = data?.steps ?? [];
  const shown = stepAtOrBefore(steps, step ?? undefined);
  const index = shown === null ? -1 : steps.indexOf(shown);
  const move = useCallback(
    (d: number) => {
      if (steps.length === 0) return;
      const i = Math.max(0, Math.min(steps.length - 1, index + d));
      setStep(steps[i]!);
    },
    [steps, index],
  );
  useWindowKeydown((e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
    if (e.target instanceof HTMLSelectElement) return;
    if (e.key === '[') move(-1);
    else if (e.key === ']') move(1);
    else return;
    e.preventDefault();
  });

  const tick = (id: number, on: boolean) => {
    const was = tickedRef.current;
    setTicked(on ? [...new Set([...was, id])] : was.filter((x) => x !== id));
  };
  const shownRuns = data?.runs ?? [];
  const grid = editGrid(shownRuns.map((r) => r.edits.map((e) => ({ ...e, runId: r.runId }))));

  return (
    <div className="checkpoint-edits">
      {runs.data && runs.data.length === 0 ? (
        <div className="panel compare-intro" data-testid="checkpoints-empty">
          <p>
            No editor training run yet. The editor trainer stores the edits of fixed validation samples at every checkpoint; start one with{' '}
            <code>ric train editor --dataset D --pipeline DIR --preset tiny</code>, or submit a matrix of them from <Link to="/training">Training</Link>.
          </p>
        </div>
      ) : null}
      {runs.error ? <p className="error">{describeError(runs.error)}</p> : null}
      <ul className="compare-sets" aria-label="Editor runs">
        {(runs.data ?? []).map((r) => (
          <li key={r.id}>
            <label>
              <input type="checkbox" checked={ticked.includes(r.id)} onChange={(e) => tick(r.id, e.target.checked)} disabled={!ticked.includes(r.id) && ticked.length >= 16} /> {runLabel(r)}
            </label>{' '}
            <span className="muted small">
              {r.status} · seed {r.seed} · {r.configSummary}
              {r.datasetName ? ` · ${r.datasetName}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <div className="compare-controls">
        <label className="checkpoint-slider">
          Checkpoint{' '}
          <input
            type="range"
            min={0}
            max={Math.max(0, steps.length - 1)}
            step={1}
            value={Math.max(0, index)}
            disabled={steps.length < 2}
            onChange={(e) => setStep(steps[Number(e.target.value)] ?? null)}
            aria-label="Checkpoint step"
            aria-valuetext={shown === null ? 'no checkpoint' : `step ${shown}`}
          />{' '}
          <span className="mono" data-testid="checkpoint-step">
            {shown === null ? '—' : `step ${shown}`}
          </span>
          {steps.length ? <span className="muted small"> ({index + 1} of {steps.length} checkpoints)</span> : null}
        </label>
        <label>
          Image size{' '}
          <select value={size} onChange={(e) => setSize(Number(e.target.value))}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <p className="error" role="alert">{error}</p> : null}
      {ticked.length === 0 ? <p className="muted">Tick editor runs to step through the edits of their checkpoints.</p> : null}
      {shownRuns.flatMap((r) => r.problems).map((p) => (
        <p key={p} className="warn small">
          {p}
        </p>
      ))}
      {data && grid.length === 0 && ticked.length > 0 ? <p className="muted">These runs have stored no validation edits yet (the first checkpoint writes them).</p> : null}
      {grid.length > 0 ? (
        <div className="checkpoint-grid-wrap">
          <table className="checkpoint-grid" data-testid="checkpoint-grid">
            <thead>
              <tr>
                <th scope="col">Sample</th>
                <th scope="col">Source</th>
                <th scope="col">Ground truth</th>
                {shownRuns.map((r) => {
                  const s = editSummary(r.edits);
                  return (
                    <th scope="col" key={r.runId} data-run={r.runId}>
                      <div>{runTitle(r)}</div>
                      <div className="muted small" data-testid={`run-step-${r.runId}`}>
                        {r.step === null ? 'no edits' : `step ${r.step}`}
                        {r.step !== null && shown !== null && r.step !== shown ? ' (its nearest)' : ''}
                      </div>
                      {s.l1In !== null ? (
                        <div className="small" data-testid={`run-summary-${r.runId}`} title="mean L1 inside the mask over the validation samples: the edits, and the unedited sources">
                          L1 in {l1(s.l1In)} · source {l1(s.l1InSource!)} · beats source {s.beatsSource}/{s.n}
                        </div>
                      ) : null}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {grid.map((row) => {
                const any = row.cells.find((c): c is RunEdit & { runId: number } => c !== null)!;
                return (
                  <tr key={row.externalId} data-sample={row.externalId}>
                    <th scope="row" className="small">
                      <strong>{row.externalId}</strong>
                      <div className="muted">{row.instruction}</div>
                    </th>
                    <td>
                      <Picture sha={any.sourceSha256} alt={`source ${row.externalId}`} size={size} />
                      <div className="small muted">L1 in {l1(any.l1InSource)}</div>
                    </td>
                    <td>
                      <Picture sha={any.targetSha256} alt={`ground truth ${row.externalId}`} size={size} />
                    </td>
                    {row.cells.map((c, i) => (
                      <td key={shownRuns[i]!.runId} data-testid={`edit-${shownRuns[i]!.runId}-${row.externalId}`} className={row.best === i ? 'best' : undefined}>
                        {c ? (
                          <>
                            <Picture sha={c.editedSha256} alt={`edit of ${row.externalId} by run ${shownRuns[i]!.runId}`} size={size} />
                            <div className="small">
                              L1 in <span data-testid="l1-in">{l1(c.l1In)}</span>
                              <span className={c.l1In < c.l1InSource ? 'ok' : 'muted'}>{c.l1In < c.l1InSource ? ' beats source' : ' not better than source'}</span>
                              {row.best === i ? <strong className="ok"> best</strong> : null}
                            </div>
                          </>
                        ) : (
                          <span className="muted small">not in this run</span>
                        )}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
