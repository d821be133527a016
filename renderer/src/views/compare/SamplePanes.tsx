// One sample side by side: source, ground truth and every chosen result set, each pane with its
// per-sample scores. Pan and zoom are one shared view transform (wheel zooms about the pointer, drag
// pans) applied to every pane, so all panes show the same region of their image; the mask's box can
// be overlaid on each. Panes show images in the sample's coordinates (a result of another size is
// stretched to the sample's aspect), so the same transform means the same place in every pane.
import { useEffect, useRef, useState, type CSSProperties, type PointerEvent, type ReactNode } from 'react';
import type { SampleScores } from '../../../../shared/api/evals';
import { columnLabel, METRIC_INFO } from '../../../../shared/evals/metrics';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { zoomAbout, type View } from './view';

export interface PaneSet {
  resultSetId: number;
  name: string;
  method: string;
  evaluationId: number | null;
}

function Scores({ scores }: { scores: SampleScores | undefined }) {
  if (!scores) return <p className="muted pane-scores">not evaluated</p>;
  if (scores.status === 'error') return <p className="error pane-scores">{scores.error}</p>;
  return (
    <dl className="pane-scores">
      {scores.scores.map((s) => (
        <div key={`${s.metric}.${s.region}`} data-metric={`${s.metric}.${s.region}`}>
          <dt>{columnLabel(s)}</dt>
          <dd>{s.value.toFixed(METRIC_INFO[s.metric].digits)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** `slider`: two pane keys ('source', 'target', 'set-<id>') shown as one wipe pane, left | right. */
export function SamplePanes({ sampleId, sets, view, onView, showBox, slider }: { sampleId: number; sets: readonly PaneSet[]; view: View; onView: (v: View) => void; showBox: boolean; slider?: readonly [string, string] | null }) {
  const [split, setSplit] = useState(50);
  const blobUrl = useBlobUrl();
  const sample = useQuery('samples.get', { id: sampleId });
  const images = useQuery('results.forSample', { sampleId });
  const api = useApi();
  const evalKey = sets.map((s) => s.evaluationId).filter((e): e is number => e !== null).join(',');
  const [scores, setScores] = useState<SampleScores[]>([]);
  useEffect(() => {
    const evaluationIds = evalKey ? evalKey.split(',').map(Number) : [];
    let live = true;
    if (evaluationIds.length === 0) setScores([]);
    else void api.call('evals.scores', { evaluationIds, sampleIds: [sampleId] }).then((r) => live && setScores(r), () => live && setScores([]));
    return () => {
      live = false;
    };
  }, [api, evalKey, sampleId]);
  const drag = useRef<{ x: number; y: number; view: View } | null>(null);

  // Wheel zoom on a native, non-passive listener: React's onWheel is passive, so it could not stop
  // the page from scrolling under the pointer while zooming.
  const container = useRef<HTMLDivElement | null>(null);
  const latest = useRef({ view, onView });
  latest.current = { view, onView };
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const viewport = (e.target as Element | null)?.closest?.('.pane-viewport');
      if (!viewport) return;
      e.preventDefault();
      const r = viewport.getBoundingClientRect();
      const next = zoomAbout(latest.current.view, e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
      // Kept at once: a second wheel event before the re-render zooms from this view, not the old one
      // (otherwise fast scrolling loses steps — seen as 1.25 instead of 1.25² on a loaded machine).
      latest.current.view = next;
      latest.current.onView(next);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  });
  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, view };
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d) onView({ ...d.view, x: d.view.x + e.clientX - d.x, y: d.view.y + e.clientY - d.y });
  };
  const onUp = () => (drag.current = null);

  if (sample.error) return <p className="error">{sample.error.message}</p>;
  const s = sample.data;
  if (!s) return <p className="muted">Loading sample…</p>;
  const box = s.mask?.box ?? null;
  // The box in the mask's own pixels, as fractions: the same place in every pane whatever its size.
  const mw = s.mask?.width ?? s.source.width;
  const mh = s.mask?.height ?? s.source.height;
  const paneW = 240;
  const paneH = Math.round((paneW * s.source.height) / s.source.width);
  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  const byEval = new Map(scores.map((x) => [x.evaluationId, x]));
  const overlay = showBox && box ? (
    <div
      className="mask-box"
      data-testid="mask-box"
      style={{ left: `${(box.x / mw) * 100}%`, top: `${(box.y / mh) * 100}%`, width: `${(box.width / mw) * 100}%`, height: `${(box.height / mh) * 100}%` }}
    />
  ) : null;
  const pane = (key: string, title: string, body: ReactNode, extra?: ReactNode) => (
    <figure className="compare-pane" key={key} data-testid={`pane-${key}`}>
      <figcaption>{title}</figcaption>
      <div className="pane-viewport" style={{ width: paneW, height: paneH }} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp}>
        <div className="pane-content" data-testid="pane-content" style={{ transform, width: paneW, height: paneH }}>
          {body}
          {overlay}
        </div>
      </div>
      {extra}
    </figure>
  );
  const img = (sha: string | null, title: string, style?: CSSProperties) =>
    sha ? <img src={blobUrl(sha)} alt={title} width={paneW} height={paneH} draggable={false} style={style} /> : <span className="muted">no image</span>;
  const all: { key: string; title: string; sha: string | null; set?: PaneSet }[] = [
    { key: 'source', title: 'Source', sha: s.source.sha256 },
    { key: 'target', title: 'Ground truth', sha: s.target?.sha256 ?? null },
    ...sets.map((set) => {
      const r = images.data?.find((x) => x.resultSet.id === set.resultSetId)?.image;
      return { key: `set-${set.resultSetId}`, title: `${set.method} (${set.name})`, sha: r?.status === 'done' ? (r.image?.sha256 ?? null) : null, set };
    }),
  ];
  const left = slider ? all.find((p) => p.key === slider[0]) : undefined;
  const right = slider ? all.find((p) => p.key === slider[1]) : undefined;
  return (
    <div className="compare-panes" data-sample={s.externalId} ref={container}>
      <p className="compare-instruction">
        <strong>{s.externalId}</strong> — {s.instruction}
      </p>
      {all.map((p) => pane(p.key, p.title, img(p.sha, p.title), p.set ? <Scores scores={p.set.evaluationId === null ? undefined : byEval.get(p.set.evaluationId)} /> : undefined))}
      {left && right
        ? pane(
            'slider',
            `${left.title} | ${right.title}`,
            <>
              {img(left.sha, left.title)}
              {/* The right image over the left, clipped to the right of the split: drag the slider to wipe. */}
              <div className="slider-right" style={{ clipPath: `inset(0 0 0 ${split}%)` }}>
                {img(right.sha, right.title)}
              </div>
            </>,
            <input type="range" min={0} max={100} value={split} aria-label="Slider split" onChange={(e) => setSplit(Number(e.target.value))} />,
          )
        : null}
    </div>
  );
}
