// Compare (issue 17): side-by-side evaluations — the paper's tables of CLIP-I, CLIP-T, DINO, LPIPS
// per method — come with evaluation jobs. Until they land this view is no dead end: it leads to what
// can be compared today, training runs (Training → Compare runs: curves overlaid, config differences).
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { describeError } from '../../../shared/api/wording';
import { useQuery } from '../api/ApiProvider';
import { ViewHeader } from '../components/ViewHeader';

export function CompareView() {
  const navigate = useNavigate();
  const runs = useQuery('runs.list', { sort: 'created', order: 'desc', limit: 50 });
  const [ticked, setTicked] = useState<number[]>([]);
  const list = runs.data ?? [];
  const compare = (ids: number[]) => void navigate(`/training?compare=${ids.join(',')}&view=compare`);
  return (
    <section className="view compare-view" aria-labelledby="view-title">
      <ViewHeader title="Compare" summary="Baselines and ablations side by side" />
      <div className="panel compare-intro">
        <p>
          Evaluation tables (CLIP-I, CLIP-T, DINO, LPIPS per method, as in the paper’s Tables 1–3) come with evaluation jobs. Today you can compare{' '}
          <strong>training runs</strong>: their metric curves overlaid and their configuration differences, in Training.
        </p>
        {runs.error ? <p className="error">Could not list runs: {describeError(runs.error)}</p> : null}
        {runs.data && list.length < 2 ? (
          <p className="muted">
            {list.length === 0 ? 'No training run yet.' : 'One training run so far.'} Train at least two to compare them:{' '}
            <Link to="/training?new=1">New training run</Link>.
          </p>
        ) : null}
      </div>
      {list.length >= 2 ? (
        <>
          <table className="data-table compact compare-pick">
            <caption className="visually-hidden">Runs to compare</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Compare</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Dataset</th>
                <th scope="col">Config</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${r.name}`}
                      checked={ticked.includes(r.id)}
                      onChange={(e) => setTicked((t) => (e.target.checked ? [...t, r.id] : t.filter((x) => x !== r.id)))}
                    />
                  </td>
                  <th scope="row" className="nowrap">
                    {r.name}
                  </th>
                  <td>
                    <span className={`status-pill status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.datasetName ?? '—'}</td>
                  <td className="mono small">{r.configSummary}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="form-actions">
            <button type="button" className="primary" disabled={ticked.length < 2} onClick={() => compare(ticked)}>
              Compare {ticked.length >= 2 ? ticked.length : ''} runs in Training
            </button>
            <span className="muted">Tick two or more runs.</span>
          </div>
        </>
      ) : null}
    </section>
  );
}
