// One sample: the images with mask and region box, its text (instruction, descriptions, captions),
// its multi-turn session as a strip, a review flag, and previous / next through the grid's list.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiCallError } from '../../../../shared/api/contract';
import type { SampleDetail } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { NotFound } from '../../components/NotFound';
import { formatCount, formatPercent } from './format';
import { ImageStage, zoomLevels, type Overlay, type Zoom } from './ImageStage';
import { SampleResults, type ShownResult } from './SampleResults';
import { browserStateToParams, parseBrowserState } from './urlState';
import { useWindowKeydown } from '../../components/useWindowKeydown';

const isTyping = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

export function SampleView() {
  const { datasetId: datasetParam, sampleId: sampleParam } = useParams();
  const datasetId = Number(datasetParam);
  const sampleId = Number(sampleParam);
  const [params] = useSearchParams();
  const state = useMemo(() => parseBrowserState(params), [params]);
  const navigate = useNavigate();
  const api = useApi();
  const detail = useQuery('samples.get', { id: sampleId });
  const dataset = useQuery('datasets.get', { id: datasetId });
  const [mode, setMode] = useState<'side' | 'slider'>('side');
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [overlay, setOverlay] = useState<Overlay>({ showMask: true, maskOpacity: 0.45, showBox: true });
  const [flagError, setFlagError] = useState<string | null>(null);
  // An edited image from a result set shown in the target's place (reset when the sample changes).
  const [shown, setShown] = useState<ShownResult | null>(null);
  useEffect(() => setShown(null), [sampleId]);

  // Neighbours in the grid's list (same filters and sort): one query for [i-1, i+1].
  const index = state.index;
  const neighbours = useQuery('samples.query', {
    datasetId,
    filter: state.filter,
    sort: state.sort,
    order: state.order,
    offset: Math.max(0, (index ?? 0) - 1),
    limit: 3,
  });
  // A stale index (the list changed since) must not step to the wrong neighbour.
  const at = index === null ? null : index - Math.max(0, index - 1);
  const inList = at !== null && neighbours.data?.items[at]?.id === sampleId;
  const prev = inList && index !== null && at !== null && at > 0 ? neighbours.data?.items[at - 1] : undefined;
  const next = inList && index !== null && at !== null ? neighbours.data?.items[at + 1] : undefined;

  const go = useCallback(
    (id: number, i: number | null) => {
      const q = browserStateToParams({ ...state, selected: id, index: i });
      void navigate(`/datasets/${datasetId}/samples/${id}?${q.toString()}`, { replace: true });
    },
    [state, datasetId, navigate],
  );
  const backToGrid = useMemo(() => `/datasets/${datasetId}?${browserStateToParams({ ...state, selected: sampleId }).toString()}`, [state, datasetId, sampleId]);

  const toggleFlag = useCallback(async () => {
    if (!detail.data) return;
    setFlagError(null);
    try {
      await api.call('samples.setFlag', { id: sampleId, flagged: !detail.data.flagged });
      detail.reload();
    } catch (err) {
      setFlagError(describeError(err));
    }
  }, [api, detail, sampleId]);

  useWindowKeydown((e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    const k = e.key;
    if ((k === 'ArrowLeft' || k === 'k') && prev && index !== null) go(prev.id, index - 1);
    else if ((k === 'ArrowRight' || k === 'j') && next && index !== null) go(next.id, index + 1);
    else if (k === 'f') void toggleFlag();
    else if (k === 'm') setOverlay((o) => ({ ...o, showMask: !o.showMask }));
    else if (k === 'b') setOverlay((o) => ({ ...o, showBox: !o.showBox }));
    else if (k === 's') setMode((m) => (m === 'side' ? 'slider' : 'side'));
    else if (k === '1') setZoom(1);
    else if (k === '0') setZoom('fit');
    else if (k === '+' || k === '=') setZoom((z) => zoomLevels[Math.min(zoomLevels.length - 1, zoomLevels.indexOf(z) + 1)] ?? z);
    else if (k === '-') setZoom((z) => zoomLevels[Math.max(0, zoomLevels.indexOf(z) - 1)] ?? z);
    else if (k === 'Escape') void navigate(backToGrid);
    else return;
    e.preventDefault();
  });

  if (detail.error instanceof ApiCallError && detail.error.code === 'not_found') {
    return (
      <NotFound title="No such sample" links={[{ to: `/datasets/${datasetId}`, label: dataset.data ? `Back to ${dataset.data.name}` : 'The dataset' }, { to: '/datasets', label: 'All datasets' }]}>
        There is no sample {Number.isFinite(sampleId) ? sampleId : `“${sampleParam ?? ''}”`} in this data folder. It may have been deleted with its dataset.
      </NotFound>
    );
  }
  const s = detail.data;
  if (s && s.datasetId !== datasetId) return <Navigate replace to={`/datasets/${s.datasetId}/samples/${s.id}`} />;
  return (
    <section className="view sample-view" aria-labelledby="view-title">
      <header className="view-header sample-header">
        <div>
          <nav className="breadcrumb" aria-label="Breadcrumb">
            <Link to="/datasets">Datasets</Link> / <Link to={backToGrid}>{dataset.data?.name ?? `dataset ${datasetId}`}</Link>
          </nav>
          <h1 tabIndex={-1} data-view-title>
            Sample <span className="mono">{s?.externalId ?? sampleId}</span>
          </h1>
          {index !== null && inList && neighbours.data ? (
            <p className="muted">
              {formatCount(index + 1)} of {formatCount(neighbours.data.total)} in this list
            </p>
          ) : null}
        </div>
        <div className="view-actions">
          <button type="button" className="secondary" disabled={!prev} onClick={() => prev && index !== null && go(prev.id, index - 1)} title="Previous sample (← or K)">
            ← Previous
          </button>
          <button type="button" className="secondary" disabled={!next} onClick={() => next && index !== null && go(next.id, index + 1)} title="Next sample (→ or J)">
            Next →
          </button>
          <Link className="button-link" to={`/masks/${sampleId}`} title="Open this sample in the mask editor">
            Edit mask
          </Link>
          <button type="button" className={`secondary flag-button${s?.flagged ? ' on' : ''}`} aria-pressed={s?.flagged ?? false} disabled={!s} onClick={() => void toggleFlag()} title="Flag for review (F)">
            ⚑ {s?.flagged ? 'Flagged' : 'Flag'}
          </button>
        </div>
      </header>
      {flagError ? (
        <p className="error" role="alert">
          Could not change the flag: {flagError}
        </p>
      ) : null}
      {detail.error ? (
        <p className="error" role="alert">
          Cannot open sample {sampleId}: {describeError(detail.error)}
        </p>
      ) : null}
      {s ? (
        <div className="sample-layout">
          <div className="sample-main">
            <StageToolbar mode={mode} setMode={setMode} zoom={zoom} setZoom={setZoom} overlay={overlay} setOverlay={setOverlay} hasMask={s.mask !== null} hasTarget={s.target !== null || shown !== null} />
            <ImageStage source={s.source} target={shown?.image ?? s.target} mask={s.mask} mode={mode} zoom={zoom} overlay={overlay} {...(shown ? { targetLabel: shown.label } : {})} />
            <SampleResults sampleId={s.id} shown={shown} onShow={setShown} />
            {s.session.length > 1 ? <SessionStrip sample={s} onOpen={(id) => go(id, null)} /> : null}
          </div>
          <SampleFacts sample={s} />
        </div>
      ) : !detail.error ? (
        <p className="muted">Reading the sample…</p>
      ) : null}
    </section>
  );
}

function StageToolbar(props: {
  mode: 'side' | 'slider';
  setMode(m: 'side' | 'slider'): void;
  zoom: Zoom;
  setZoom(z: Zoom): void;
  overlay: Overlay;
  setOverlay(o: Overlay): void;
  hasMask: boolean;
  hasTarget: boolean;
}) {
  const { overlay, setOverlay } = props;
  return (
    <div className="stage-toolbar" role="toolbar" aria-label="Image display">
      <div className="segmented" role="radiogroup" aria-label="Layout">
        {(['side', 'slider'] as const).map((m) => (
          <label key={m} className={props.mode === m ? 'checked' : ''}>
            <input type="radio" name="layout" checked={props.mode === m} disabled={!props.hasTarget && m === 'slider'} onChange={() => props.setMode(m)} />
            {m === 'side' ? 'Side by side' : 'Slider'}
          </label>
        ))}
      </div>
      <div className="segmented" role="radiogroup" aria-label="Zoom" title="0: fit, 1: real pixels, +/−: zoom">
        {zoomLevels.map((z) => (
          <label key={String(z)} className={props.zoom === z ? 'checked' : ''}>
            <input type="radio" name="zoom" checked={props.zoom === z} onChange={() => props.setZoom(z)} />
            {z === 'fit' ? 'Fit' : z === 1 ? '1:1' : `${z}×`}
          </label>
        ))}
      </div>
      <label className="checkbox" title="M">
        <input type="checkbox" disabled={!props.hasMask} checked={overlay.showMask} onChange={(e) => setOverlay({ ...overlay, showMask: e.target.checked })} />
        Mask
      </label>
      <label className="opacity-control">
        <span className="visually-hidden">Mask opacity</span>
        <input
          type="range"
          min={0}
          max={100}
          value={Math.round(overlay.maskOpacity * 100)}
          disabled={!props.hasMask || !overlay.showMask}
          aria-label="Mask opacity"
          onChange={(e) => setOverlay({ ...overlay, maskOpacity: Number(e.target.value) / 100 })}
        />
        <span className="mono small">{Math.round(overlay.maskOpacity * 100)}%</span>
      </label>
      <label className="checkbox" title="B">
        <input type="checkbox" disabled={!props.hasMask} checked={overlay.showBox} onChange={(e) => setOverlay({ ...overlay, showBox: e.target.checked })} />
        Region box
      </label>
    </div>
  );
}

function SessionStrip({ sample, onOpen }: { sample: SampleDetail; onOpen(id: number): void }) {
  const blobUrl = useBlobUrl();
  return (
    <nav className="session-strip" aria-label="Turns of this editing session">
      <ol>
        {sample.session.map((turn, i) => (
          <li key={turn.id}>
            <button type="button" aria-current={turn.id === sample.id ? 'step' : undefined} onClick={() => onOpen(turn.id)} title={turn.instruction}>
              {turn.targetThumbSha256 ? <img src={blobUrl(turn.targetThumbSha256)} alt="" /> : <span className="no-thumb" />}
              <span className="turn-label">
                Turn {turn.turnIndex ?? i + 1}: {turn.instruction}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function SampleFacts({ sample: s }: { sample: SampleDetail }) {
  const text = (label: string, value: string | null, testId?: string) =>
    value ? (
      <div className="fact-text">
        <h3>{label}</h3>
        <p data-testid={testId}>{value}</p>
      </div>
    ) : null;
  const area = s.mask ? s.mask.area / (s.mask.width * s.mask.height) : null;
  return (
    <aside className="sample-facts" aria-label="About this sample">
      <div className="fact-text instruction">
        <h3>Instruction</h3>
        <p data-testid="sample-instruction">{s.instruction}</p>
      </div>
      <dl className="facts">
        <dt>Edit type</dt>
        <dd>{s.editType ?? '—'}</dd>
        <dt>Split</dt>
        <dd>{s.split}</dd>
        {s.sessionId !== null ? (
          <>
            <dt>Session</dt>
            <dd className="mono">
              {s.sessionId}
              {s.turnIndex !== null ? `, turn ${s.turnIndex} of ${s.session.length}` : ''}
            </dd>
          </>
        ) : null}
        <dt>Images</dt>
        <dd className="mono">
          {s.source.width}×{s.source.height}
          {s.target ? ` → ${s.target.width}×${s.target.height}` : ' (no target)'}
        </dd>
        <dt>Mask</dt>
        <dd data-testid="mask-facts">
          {s.mask ? (
            <>
              v{s.mask.version} ({s.mask.source}), {formatCount(s.mask.area)} px{area !== null ? ` = ${formatPercent(area)}` : ''}
            </>
          ) : (
            <span className="warn">none</span>
          )}
        </dd>
        <dt title="Tight box around the mask: the crop the region loss sees (Eq. 6)">Region box</dt>
        <dd className="mono" data-testid="box-facts">
          {s.mask?.box ? `${s.mask.box.width}×${s.mask.box.height} at (${s.mask.box.x}, ${s.mask.box.y})` : '—'}
        </dd>
      </dl>
      {text('Region description', s.regionDescription, 'region-description')}
      {text('Scene description', s.sceneDescription, 'scene-description')}
      {text('Input caption', s.inputCaption)}
      {text('Output caption', s.outputCaption)}
      <div className="fact-text">
        <h3>Captions</h3>
        {s.captions.length === 0 ? (
          <p className="muted">None generated yet.</p>
        ) : (
          <ul className="caption-list">
            {s.captions.map((c) => (
              <li key={c.id}>
                <div className="caption-meta">
                  <span className="tag">{c.kind}</span> v{c.version} · {c.source}
                  {c.model ? ` · ${c.model}` : ''} · <span className={`status-${c.status}`}>{c.status}</span>
                </div>
                <p>{c.text}</p>
              </li>
            ))}
          </ul>
        )}
      </div>
      {Object.keys(s.meta).length > 0 ? (
        <details className="meta">
          <summary>Format-specific fields</summary>
          <pre>{JSON.stringify(s.meta, null, 2)}</pre>
        </details>
      ) : null}
      <p className="hint keys">
        <kbd>←</kbd>/<kbd>→</kbd> previous/next · <kbd>F</kbd> flag · <kbd>M</kbd> mask · <kbd>B</kbd> box · <kbd>S</kbd> slider · <kbd>1</kbd> real pixels · <kbd>0</kbd> fit · <kbd>Esc</kbd> back
      </p>
    </aside>
  );
}
