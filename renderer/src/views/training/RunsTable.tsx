// The runs list: status, dataset, config summary, backend, duration, best validation score, last
// step; filter by status and text, sort by column; tick several to overlay them.
import type { JobState, RunSummary } from '../../../../shared/api/index';
import { runLabel } from '../../../../shared/runs/index';
import { formatWhen } from '../datasets/format';
import { formatDuration, formatValue } from './metrics';

export type RunSort = 'created' | 'duration' | 'best' | 'name' | 'step';

interface Props {
  runs: RunSummary[];
  openId: number | null;
  checked: number[];
  onOpen: (id: number) => void;
  onCheck: (id: number, on: boolean) => void;
  sort: RunSort;
  order: 'asc' | 'desc';
  onSort: (s: RunSort) => void;
  status: JobState | '';
  onStatus: (s: JobState | '') => void;
  text: string;
  onText: (t: string) => void;
}

const COLUMNS: { key: RunSort | null; label: string; num?: boolean; className?: string }[] = [
  { key: 'name', label: 'Run' },
  { key: null, label: 'Status' },
  { key: null, label: 'Dataset' },
  // Narrow windows drop these two first (the open run's header shows both).
  { key: null, label: 'Config', className: 'col-config' },
  { key: null, label: 'Backend', className: 'col-backend' },
  { key: 'duration', label: 'Duration', num: true },
  { key: 'step', label: 'Step', num: true },
  { key: 'best', label: 'Best val R@1', num: true },
  { key: 'created', label: 'Started' },
];

export function RunsTable(p: Props) {
  return (
    <section className="runs-list" aria-labelledby="runs-h">
      <div className="runs-filters">
        <h2 id="runs-h">Runs</h2>
        <select aria-label="Filter by status" value={p.status} onChange={(e) => p.onStatus(e.target.value as JobState | '')}>
          <option value="">all statuses</option>
          {['running', 'paused', 'queued', 'completed', 'cancelled', 'interrupted', 'failed'].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Filter by name or config…" aria-label="Filter runs by name or config" value={p.text} onChange={(e) => p.onText(e.target.value)} />
      </div>
      {p.runs.length === 0 ? (
        <p className="muted small">No runs match. Start one with “New training run”.</p>
      ) : (
        <table className="data-table compact runs-table">
          <thead>
            <tr>
              <th>
                <span className="visually-hidden">Overlay</span>
              </th>
              {COLUMNS.map((c) => (
                <th key={c.label} className={[c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined} aria-sort={c.key === p.sort ? (p.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                  {c.key ? (
                    <button type="button" className="link-button" onClick={() => p.onSort(c.key!)}>
                      {c.label}
                      {c.key === p.sort ? (p.order === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.runs.map((r) => (
              <tr key={r.id} className={r.id === p.openId ? 'selected' : undefined} data-run-row={r.id}>
                <td>
                  <input type="checkbox" aria-label={`Overlay ${runLabel(r)}`} checked={p.checked.includes(r.id)} onChange={(e) => p.onCheck(r.id, e.target.checked)} />
                </td>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => p.onOpen(r.id)}>
                    {runLabel(r)}
                  </button>
                </th>
                <td>
                  <span className={`status-pill status-${r.status}`}>{r.status}</span>
                </td>
                <td className="dataset-cell" title={r.datasetName ?? undefined}>
                  {r.datasetName ?? '—'}
                </td>
                <td className="mono small config-cell col-config" title={r.configSummary}>
                  {r.configSummary}
                </td>
                <td className="col-backend">{r.backend}</td>
                <td className="num">{formatDuration(r.durationSeconds)}</td>
                <td className="num" title={r.checkpointStep !== null ? `last checkpoint at step ${r.checkpointStep}` : 'no checkpoint yet'}>
                  {r.jobStep ?? r.lastStep ?? '—'}
                  {r.checkpointStep !== null && r.checkpointStep !== (r.jobStep ?? r.lastStep) ? <span className="muted small"> (ckpt {r.checkpointStep})</span> : null}
                </td>
                <td className="num">{formatValue(r.bestValidationScore)}</td>
                <td className="small" title={new Date(r.createdAt).toLocaleString()}>
                  {formatWhen(r.createdAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
