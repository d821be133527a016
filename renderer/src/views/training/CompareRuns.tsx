// Compare runs: chosen metrics of several runs overlaid on one chart each, and their config
// differences side by side (only the keys whose values differ).
import { useEffect, useMemo, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { RunDetail } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';
import { MetricChart } from './MetricChart';
import { runLabel } from '../../../../shared/runs/index';
import { configDifferences, formatValue } from './metrics';

export function CompareRuns({ runIds, onOpen }: { runIds: number[]; onOpen: (id: number) => void }) {
  const api = useApi();
  const [runs, setRuns] = useState<RunDetail[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>(['loss', 'val_r1']);
  const [smoothing, setSmoothing] = useState(0.6);
  const [liveToken, setLiveToken] = useState(0);
  const key = runIds.join(',');

  useEffect(() => {
    let live = true;
    Promise.all(runIds.map((id) => api.call('runs.get', { id }))).then(
      (r) => live && (setRuns(r), setError(null)),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
    // key (a string) stands for runIds, a new array on every render.
  }, [api, key]);

  // Running runs keep growing here too.
  useEffect(() => {
    let pending = false;
    return api.on('metric.batch', (b) => {
      if (!runIds.includes(b.runId) || pending) return;
      pending = true;
      setTimeout(() => ((pending = false), setLiveToken((t) => t + 1)), 1000);
    });
    // key (a string) stands for runIds, a new array on every render.
  }, [api, key]);

  const keys = useMemo(() => [...new Set(runs.flatMap((r) => r.latest.map((m) => m.key)))].filter((k) => k !== 'epoch' && k !== 'phase').sort(), [runs]);
  const diffs = useMemo(() => configDifferences(runs.map((r) => ({ kind: r.kind, dataset: r.datasetName, seed: r.seed, backend: r.backend, ...r.config }))), [runs]);
  if (error) return <p className="error">{error}</p>;
  const label = (r: RunDetail) => runLabel(r);

  return (
    <div className="compare-runs" data-compare={key}>
      <header className="run-header">
        <h2>Compare {runIds.length} runs</h2>
        <label>
          Smoothing <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="EMA smoothing" />
        </label>
      </header>
      <fieldset className="metric-picker">
        <legend>Metrics to overlay</legend>
        {keys.map((k) => (
          <label key={k} className="checkbox small">
            <input type="checkbox" checked={chosen.includes(k)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, k] : c.filter((x) => x !== k)))} /> {k}
          </label>
        ))}
      </fieldset>
      <div className="charts">
        {chosen
          .filter((k) => keys.includes(k))
          .map((k) => (
            <MetricChart
              key={k}
              title={k}
              specs={runs.map((r) => ({ runId: r.id, key: k, label: label(r) }))}
              smoothing={k.startsWith('val_') ? 0 : smoothing}
              log={false}
              syncKey={`compare-${key}`}
              liveToken={liveToken}
              cursorStep={null}
            />
          ))}
      </div>
      <section className="panel" aria-labelledby="diff-h">
        <h2 id="diff-h">Config differences</h2>
        {diffs.length === 0 ? (
          <p className="muted small">The configs are identical.</p>
        ) : (
          <table className="data-table compact config-diff">
            <thead>
              <tr>
                <th>key</th>
                {runs.map((r) => (
                  <th key={r.id}>
                    <button type="button" className="link-button" onClick={() => onOpen(r.id)}>
                      {label(r)}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {diffs.map((d) => (
                <tr key={d.key}>
                  <th scope="row" className="mono small">
                    {d.key}
                  </th>
                  {d.values.map((v, i) => (
                    <td key={i} className="mono small">
                      {v ?? '—'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted small">
          Best val R@1: {runs.map((r) => `${label(r)} ${formatValue(r.bestValidationScore)}`).join(' · ')}
        </p>
      </section>
    </div>
  );
}
