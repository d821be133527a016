// One chart of one or more metric series (one run's loss terms, or one metric of several runs),
// drawn by uPlot from the decimated series the main side sends (min/max per pixel, never the whole
// series). Drag to zoom (refetches the range at full detail), double-click or 0 to reset, arrow
// keys or the buttons to pan; the hover read-out is synchronised across charts with the same key.
import { useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useApi } from '../../api/ApiProvider';
import { alignSeries, ema, formatValue } from './metrics';

export interface SeriesSpec {
  runId: number;
  key: string;
  label: string;
}

const COLOURS = ['#4f8cff', '#e5b449', '#4cc38a', '#ff6b6b', '#b48cff', '#3fc1c9', '#f08a5d', '#9aa5b1'];

interface Props {
  title: string;
  specs: SeriesSpec[];
  /** EMA weight on the past, 0..0.99. */
  smoothing: number;
  log: boolean;
  syncKey: string;
  /** Bumped when new points arrived: refetch. */
  liveToken: number;
  /** The step slider's step: the cursor of every chart moves there. */
  cursorStep: number | null;
  height?: number;
}

type Range = { from: number; to: number } | null;

export function MetricChart({ title, specs, smoothing, log, syncKey, liveToken, cursorStep, height = 180 }: Props) {
  const api = useApi();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(0);
  const [range, setRange] = useState<Range>(null);
  const [raw, setRaw] = useState<{ x: number[]; ys: (number | null)[][] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const specKey = JSON.stringify(specs);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Fetch: one runs.series call per run, at the chart's pixel width.
  useEffect(() => {
    if (width === 0) return;
    let live = true;
    const byRun = new Map<number, SeriesSpec[]>();
    for (const s of specs) byRun.set(s.runId, [...(byRun.get(s.runId) ?? []), s]);
    Promise.all(
      [...byRun].map(([runId, ss]) =>
        api.call('runs.series', { runId, keys: ss.map((s) => s.key), width, ...(range ? { fromStep: Math.floor(range.from), toStep: Math.ceil(range.to) } : {}) }),
      ),
    ).then(
      (results) => {
        if (!live) return;
        const found = specs.map((s) => results.find((r) => r.runId === s.runId)?.series.find((x) => x.key === s.key) ?? { steps: [], values: [] });
        setRaw(alignSeries(found));
        setError(null);
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
    // specKey (a string) stands for specs, a new array on every render.
  }, [api, specKey, width, range, liveToken]);

  const data = useMemo(() => {
    if (!raw) return null;
    const cols: (number | null)[][] = [];
    for (const y of raw.ys) {
      const clean = log ? y.map((v) => (v !== null && v > 0 ? v : null)) : y;
      if (smoothing > 0) cols.push(clean, ema(clean, smoothing));
      else cols.push(clean);
    }
    return [raw.x, ...cols] as uPlot.AlignedData;
  }, [raw, smoothing, log]);

  // (Re)build the plot when its shape changes; otherwise only its data.
  const shape = `${specKey}|${smoothing > 0}|${log}|${syncKey}|${height}`;
  useEffect(() => {
    const el = box.current;
    if (!el || width === 0) return;
    // Canvas cannot read CSS variables: resolve the theme's colours now (the plot is rebuilt on change).
    const css = getComputedStyle(el);
    const muted = css.getPropertyValue('--text-muted').trim() || '#8b93a1';
    const series: uPlot.Series[] = [{ label: 'step', value: (_u, v) => (v === null ? '—' : String(Math.round(v))) }];
    specs.forEach((s, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      if (smoothing > 0) {
        series.push({ label: `${s.label} (raw)`, stroke: `${colour}55`, width: 1, value: (_u, v) => formatValue(v), spanGaps: true });
        series.push({ label: s.label, stroke: colour, width: 1.5, value: (_u, v) => formatValue(v), spanGaps: true });
      } else series.push({ label: s.label, stroke: colour, width: 1.5, value: (_u, v) => formatValue(v), spanGaps: true });
    });
    const u = new uPlot(
      {
        width,
        height,
        series,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [
          { stroke: muted, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } },
          { stroke: muted, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' }, size: 60, values: (_u, vals) => vals.map((v) => formatValue(v)) },
        ],
        cursor: { sync: { key: syncKey }, drag: { x: true, y: false } },
        legend: { live: true },
        hooks: {
          setSelect: [
            (p) => {
              if (p.select.width < 4) return;
              const from = p.posToVal(p.select.left, 'x');
              const to = p.posToVal(p.select.left + p.select.width, 'x');
              p.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              setRange({ from, to });
            },
          ],
        },
      },
      data && data.length === series.length ? data : (series.map(() => []) as unknown as uPlot.AlignedData),
      el,
    );
    // Zoom is ours (refetch at detail), not uPlot's own rescale.
    u.cursor.drag!.setScale = false;
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only for a new series shape or width: data, colours and zoom reach the live plot below.
  }, [shape, width]);

  useEffect(() => {
    // A rebuild for new series may lag the data by a render: only matching shapes are drawn.
    if (plot.current && data && data.length === plot.current.series.length) plot.current.setData(data);
  }, [data]);

  useEffect(() => {
    const u = plot.current;
    if (!u || cursorStep === null || !data || data[0].length === 0) return;
    u.setCursor({ left: u.valToPos(cursorStep, 'x'), top: Math.round(u.bbox.height / devicePixelRatio / 2) });
  }, [cursorStep, data]);

  const extent = (): { lo: number; hi: number } | null => {
    const x = data?.[0];
    if (!x || x.length === 0) return null;
    return { lo: x[0]!, hi: x[x.length - 1]! };
  };
  const pan = (dir: -1 | 1) => {
    const e = extent();
    if (!e) return;
    const span = e.hi - e.lo;
    setRange({ from: Math.max(0, e.lo + dir * span * 0.5), to: e.hi + dir * span * 0.5 });
  };
  const zoom = (factor: number) => {
    const e = extent();
    if (!e) return;
    const mid = (e.lo + e.hi) / 2;
    const half = ((e.hi - e.lo) / 2) * factor;
    setRange({ from: Math.max(0, mid - half), to: mid + half });
  };
  const onKey = (ev: React.KeyboardEvent) => {
    const actions: Record<string, () => void> = { ArrowLeft: () => pan(-1), ArrowRight: () => pan(1), '+': () => zoom(0.5), '=': () => zoom(0.5), '-': () => zoom(2), '0': () => setRange(null) };
    const act = actions[ev.key];
    if (act) {
      ev.preventDefault();
      act();
    }
  };
  const points = raw?.x.length ?? 0;
  return (
    <figure className="metric-chart" data-chart={title} data-points={points}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-tools">
          {range ? <span className="muted small">steps {Math.round(range.from)}–{Math.round(range.to)}</span> : null}
          <button type="button" className="icon-button small" aria-label={`${title}: pan left`} onClick={() => pan(-1)}>
            ‹
          </button>
          <button type="button" className="icon-button small" aria-label={`${title}: pan right`} onClick={() => pan(1)}>
            ›
          </button>
          <button type="button" className="link-button small" onClick={() => setRange(null)} disabled={!range}>
            Reset zoom
          </button>
        </span>
      </figcaption>
      <div
        ref={box}
        className="chart-canvas"
        tabIndex={0}
        role="img"
        aria-label={`${title}: ${points} points shown; drag to zoom, arrows pan, 0 resets`}
        onKeyDown={onKey}
        onDoubleClick={() => setRange(null)}
      />
      {error ? <p className="error small">{error}</p> : points === 0 ? <p className="muted small chart-empty">No points yet.</p> : null}
    </figure>
  );
}
