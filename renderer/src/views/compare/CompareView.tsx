// The Compare view (issue 16): pick a dataset and its result sets (baselines, our runs, imported
// results); evaluate them under a preset; step through the samples — sorted by one set's score or by
// the difference between two sets ("where does ours lose most?") — with every set's image side by
// side under one pan and zoom, each pane with its per-sample scores; and the table of the ticked sets
// with its exports. Keyboard: j / ↓ next sample, k / ↑ previous, 0 resets the zoom, b toggles the box.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { EvalMetric } from '../../../../shared/evals/metrics';
import { columnLabel, EVAL_METRICS, METRIC_INFO } from '../../../../shared/evals/metrics';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { useViewCommands } from '../../components/commands';
import { ViewHeader } from '../../components/ViewHeader';
import { CheckpointEdits } from './CheckpointEdits';
import { EvalTable } from './EvalTable';
import { SamplePanes, type PaneSet } from './SamplePanes';
import { IDENTITY, type View } from './view';
import './compare.css';
import { useWindowKeydown } from '../../components/useWindowKeydown';

const PRESETS = ['exact', 'shapes', 'magicbrush', 'ric-authors', 'shapes-paper'] as const;
const REGIONS = ['full', 'inside', 'outside'] as const;

/** Result sets side by side, or (?tab=checkpoints) editor runs' validation edits through their checkpoints. */
export function CompareView() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'checkpoints' ? 'checkpoints' : 'sets';
  const choose = (t: 'sets' | 'checkpoints') => setParams(t === 'sets' ? {} : { tab: t });
  useViewCommands([
    tab === 'sets'
      ? { id: 'compare:checkpoints', label: 'Compare training checkpoints (editor runs’ validation edits)', keywords: 'step slider ablation', run: () => choose('checkpoints') }
      : { id: 'compare:sets', label: 'Compare result sets', run: () => choose('sets') },
  ]);
  const tabs = (
    <div role="tablist" aria-label="Compare" className="compare-tabs">
      <button type="button" role="tab" aria-selected={tab === 'sets'} className={tab === 'sets' ? 'primary' : 'secondary'} onClick={() => choose('sets')}>
        Result sets
      </button>
      <button type="button" role="tab" aria-selected={tab === 'checkpoints'} className={tab === 'checkpoints' ? 'primary' : 'secondary'} onClick={() => choose('checkpoints')}>
        Training checkpoints
      </button>
    </div>
  );
  return tab === 'checkpoints' ? (
    <section className="view compare-view" aria-labelledby="view-title">
      <ViewHeader title="Compare" summary="Editor runs' validation edits, checkpoint by checkpoint, side by side" actions={tabs} />
      <CheckpointEdits />
    </section>
  ) : (
    <ResultSetCompare tabs={tabs} />
  );
}

function ResultSetCompare({ tabs }: { tabs: ReactNode }) {
  const api = useApi();
  const datasets = useQuery('datasets.list', {});
  // ?dataset=ID&sets=1,2,3&preset=P (the demo's "Compare the editors"): the view opens on them.
  const [params] = useSearchParams();
  const idList = (v: string | null) => (v ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const [datasetId, setDatasetId] = useState<number | null>(idList(params.get('dataset'))[0] ?? null);
  const [preset, setPreset] = useState<string>(params.get('preset') ?? 'exact');
  const [ticked, setTicked] = useState<number[]>(idList(params.get('sets')));
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const [sortMetric, setSortMetric] = useState<EvalMetric | ''>('');
  const [sortRegion, setSortRegion] = useState<(typeof REGIONS)[number]>('full');
  const [sortA, setSortA] = useState<number | null>(null);
  const [sortB, setSortB] = useState<number | null>(null);
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [index, setIndex] = useState(0);
  const [view, setView] = useState<View>(IDENTITY);
  const [showBox, setShowBox] = useState(false);
  const [minText, setMinText] = useState('');
  const [maxText, setMaxText] = useState('');
  const [wipeA, setWipeA] = useState('');
  const [wipeB, setWipeB] = useState('');

  useEffect(() => {
    if (datasetId === null && datasets.data?.[0]) setDatasetId(datasets.data[0].id);
  }, [datasets.data, datasetId]);

  const sets = useQuery('results.list', { datasetId: datasetId ?? 0 });
  const evals = useQuery('evals.list', datasetId ? { datasetId } : {});
  /** Each ticked set's latest evaluation under the preset, newest first in the list. */
  const panes: PaneSet[] = useMemo(
    () =>
      ticked.flatMap((id) => {
        const set = sets.data?.find((s) => s.id === id);
        if (!set) return [];
        const e = (evals.data ?? []).find((x) => x.resultSetId === id && x.presetName === preset);
        return [{ resultSetId: id, name: set.name, method: set.method, evaluationId: e?.id ?? null }];
      }),
    [ticked, sets.data, evals.data, preset],
  );
  const evalOf = (rid: number | null) => panes.find((p) => p.resultSetId === rid)?.evaluationId ?? null;
  const a = evalOf(sortA);
  const b = evalOf(sortB);
  const bound = (t: string) => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined);
  const min = bound(minText);
  const max = bound(maxText);
  const sort =
    sortMetric && a !== null
      ? { metric: sortMetric, region: sortRegion, evaluationId: a, ...(b !== null ? { minus: b } : {}), order, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }
      : undefined;
  const samples = useQuery('evals.samples', { datasetId: datasetId ?? 1, resultSetIds: ticked, ...(sort ? { sort } : {}), limit: 2000 });
  // An evaluation scored more samples or finished: the list, the order and the table follow.
  const reloadEvals = evals.reload;
  const reloadSamples = samples.reload;
  useEffect(
    () =>
      api.on('evals.changed', () => {
        reloadEvals();
        reloadSamples();
        setVersion((v) => v + 1);
      }),
    [api, reloadEvals, reloadSamples],
  );
  const items = samples.data?.items ?? [];
  const current = items[Math.min(index, Math.max(0, items.length - 1))];

  const step = useCallback((d: number) => setIndex((i) => Math.max(0, Math.min(items.length - 1, i + d))), [items.length]);
  useWindowKeydown((e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (e.key === 'j' || e.key === 'ArrowDown') step(1);
    else if (e.key === 'k' || e.key === 'ArrowUp') step(-1);
    else if (e.key === '0') setView(IDENTITY);
    else if (e.key === 'b') setShowBox((x) => !x);
    else return;
    e.preventDefault();
  });

  const evaluate = async (resultSetId: number) => {
    try {
      const r = await api.call('evals.start', { resultSetId, preset });
      setMessage(`Evaluation ${r.evaluationId} ${r.resumed ? 'continues' : 'started'} as job ${r.jobId}.`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  const paneChoices = [
    <option key="" value="">
      —
    </option>,
    <option key="source" value="source">
      Source
    </option>,
    <option key="target" value="target">
      Ground truth
    </option>,
    ...panes.map((p) => (
      <option key={p.resultSetId} value={`set-${p.resultSetId}`}>
        {p.method}
      </option>
    )),
  ];
  const blobUrl = useBlobUrl();
  /** The first 16 samples in the current order × source, ground truth and the ticked sets, as one PNG. */
  const exportGrid = async () => {
    if (!datasetId || items.length === 0) return;
    try {
      const g = await api.call('evals.exportGrid', { datasetId, sampleIds: items.slice(0, 16).map((s) => s.sampleId), resultSetIds: ticked.slice(0, 16), maskBox: showBox });
      const a = document.createElement('a');
      a.href = blobUrl(g.sha256);
      a.download = `grid-${g.sha256.slice(0, 12)}.png`;
      document.body.append(a);
      a.click();
      a.remove();
      setMessage(`Grid ${g.width}×${g.height} written to ${g.file}.`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  const tick = (id: number, on: boolean) => setTicked((t) => (on ? [...t, id] : t.filter((x) => x !== id)));

  return (
    <section className="view compare-view" aria-labelledby="view-title">
      <ViewHeader title="Compare" summary="Result sets side by side on the same samples, with their metrics" actions={tabs} />
      <div className="compare-controls">
        <label>
          Dataset{' '}
          <select value={datasetId ?? ''} onChange={(e) => (setDatasetId(Number(e.target.value)), setTicked([]), setIndex(0))}>
            {(datasets.data ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Preset{' '}
          <select value={preset} onChange={(e) => setPreset(e.target.value)} aria-label="Preset">
            {PRESETS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={showBox} onChange={(e) => setShowBox(e.target.checked)} /> Mask box
        </label>
        <button type="button" onClick={() => setView(IDENTITY)}>
          Reset zoom
        </button>
        <button type="button" onClick={() => void exportGrid()} disabled={items.length === 0}>
          Export PNG grid
        </button>
        <label>
          Slider{' '}
          <select aria-label="Slider left" value={wipeA} onChange={(e) => setWipeA(e.target.value)}>
            {paneChoices}
          </select>
        </label>
        <label>
          |{' '}
          <select aria-label="Slider right" value={wipeB} onChange={(e) => setWipeB(e.target.value)}>
            {paneChoices}
          </select>
        </label>
      </div>
      {message ? (
        <p className="muted" role="status">
          {message}
        </p>
      ) : null}
      {datasets.data && (datasets.data.length === 0 || (sets.data && sets.data.length === 0)) ? (
        // No dead end (issue 17): say where result sets come from, and where runs are compared.
        <div className="panel compare-intro" data-testid="compare-empty">
          <p>
            {datasets.data.length === 0 ? 'No dataset yet.' : 'This dataset has no result sets yet.'} A result set is one method's edits of a
            dataset: make one in <Link to="/edit">Edit a dataset</Link>, or bring another tool's outputs with <code>ric import results</code>.
          </p>
          <p>
            Training runs (metric curves overlaid, configuration differences) are compared in{' '}
            <Link to="/training?view=compare">Training → Compare runs</Link>; to start one: <Link to="/training?new=1">New training run</Link>.
          </p>
        </div>
      ) : null}
      <ul className="compare-sets" aria-label="Result sets">
        {(sets.data ?? []).map((s) => {
          const e = (evals.data ?? []).find((x) => x.resultSetId === s.id && x.presetName === preset);
          return (
            <li key={s.id}>
              <label>
                <input type="checkbox" checked={ticked.includes(s.id)} onChange={(ev) => tick(s.id, ev.target.checked)} /> {s.method} <span className="muted">({s.name}, {s.done} images)</span>
              </label>{' '}
              <span className="muted">{e ? `${preset}: ${e.status}, ${e.done}/${e.expected ?? '?'} scored` : `not evaluated under ${preset}`}</span>{' '}
              <button type="button" onClick={() => void evaluate(s.id)}>
                {e ? 'Re-evaluate' : 'Evaluate'}
              </button>
            </li>
          );
        })}
      </ul>
      <div className="compare-sort" aria-label="Sort samples">
        <label>
          Sort by{' '}
          <select aria-label="Sort metric" value={sortMetric} onChange={(e) => setSortMetric(e.target.value as EvalMetric | '')}>
            <option value="">sample order</option>
            {EVAL_METRICS.filter((m) => !METRIC_INFO[m].setLevel).map((m) => (
              <option key={m} value={m}>
                {METRIC_INFO[m].label}
              </option>
            ))}
          </select>
        </label>
        <select aria-label="Sort region" value={sortRegion} onChange={(e) => setSortRegion(e.target.value as (typeof REGIONS)[number])}>
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <label>
          of{' '}
          <select aria-label="Sort set" value={sortA ?? ''} onChange={(e) => setSortA(e.target.value ? Number(e.target.value) : null)}>
            <option value="">—</option>
            {panes.map((p) => (
              <option key={p.resultSetId} value={p.resultSetId}>
                {p.method}
              </option>
            ))}
          </select>
        </label>
        <label>
          minus{' '}
          <select aria-label="Minus set" value={sortB ?? ''} onChange={(e) => setSortB(e.target.value ? Number(e.target.value) : null)}>
            <option value="">nothing</option>
            {panes.map((p) => (
              <option key={p.resultSetId} value={p.resultSetId}>
                {p.method}
              </option>
            ))}
          </select>
        </label>
        <select aria-label="Order" value={order} onChange={(e) => setOrder(e.target.value as 'asc' | 'desc')}>
          <option value="desc">largest first</option>
          <option value="asc">smallest first</option>
        </select>
        <label>
          keep from <input aria-label="Filter min" size={6} value={minText} onChange={(e) => setMinText(e.target.value)} />
        </label>
        <label>
          to <input aria-label="Filter max" size={6} value={maxText} onChange={(e) => setMaxText(e.target.value)} />
        </label>
      </div>
      <div className="compare-body">
        <ol className="compare-samples" aria-label="Samples">
          {items.map((s, i) => (
            <li key={s.sampleId} className={i === index ? 'current' : undefined}>
              <button type="button" onClick={() => setIndex(i)} data-sample={s.externalId}>
                {s.externalId}
                {s.value !== null && sortMetric ? <span className="muted"> {s.value.toFixed(METRIC_INFO[sortMetric].digits)}</span> : null}
              </button>
            </li>
          ))}
        </ol>
        {current ? (
          <SamplePanes sampleId={current.sampleId} sets={panes} view={view} onView={setView} showBox={showBox} slider={wipeA && wipeB ? [wipeA, wipeB] : null} />
        ) : (
          <p className="muted">{ticked.length ? 'No samples match.' : 'Tick result sets to compare them.'}</p>
        )}
      </div>
      {sort ? <p className="muted">Sorted by {columnLabel({ metric: sort.metric, region: sort.region })} of {panes.find((p) => p.evaluationId === a)?.method}{b !== null ? ` minus ${panes.find((p) => p.evaluationId === b)?.method}` : ''}.</p> : null}
      <h2>Table</h2>
      <EvalTable resultSetIds={ticked} preset={preset} version={version} />
    </section>
  );
}
