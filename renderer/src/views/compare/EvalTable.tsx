// The table of evaluations (the paper's Table 1/2 layout): chosen result sets (rows) × the preset's
// metrics (columns), mean ± std with n, best per column in bold; seeds grouped on demand; export
// as CSV, JSON or LaTeX (booktabs) — the text the Api made, saved as a file.
import { useEffect, useState } from 'react';
import type { ApiReturn } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';

type TableResult = ApiReturn<'evals.table'>;

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function EvalTable({
  resultSetIds,
  preset,
  version,
  initialGrouping = 'none',
  initialReference = null,
  columns,
}: {
  resultSetIds: readonly number[];
  preset: string;
  version: number;
  /** The demo's table opens grouped by seed, against its baseline, with its own columns. */
  initialGrouping?: 'none' | 'seed';
  initialReference?: number | null;
  columns?: readonly string[];
}) {
  const api = useApi();
  const [grouping, setGrouping] = useState<'none' | 'seed'>(initialGrouping);
  const [reference, setReference] = useState<number | null>(initialReference);
  const columnsKey = columns?.join(',') ?? '';
  const [result, setResult] = useState<TableResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = resultSetIds.join(',');
  useEffect(() => {
    let live = true;
    if (!key) {
      setResult(null);
      return;
    }
    const ids = key.split(',').map(Number);
    api.call('evals.table', { resultSetIds: ids, preset, grouping, ...(columnsKey ? { columns: columnsKey.split(',') } : {}), ...(reference !== null && ids.includes(reference) ? { ablationReference: reference } : {}) }).then(
      (r) => live && (setResult(r), setError(null)),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api, key, preset, grouping, version, reference, columnsKey]);

  if (!key) return <p className="muted">Tick result sets to build a table.</p>;
  if (error) return <p className="error">{error}</p>;
  if (!result) return <p className="muted">Building the table…</p>;
  const t = result.table;
  const base = `table-${t.presetName}`;
  return (
    <section className="eval-table" aria-label="Evaluation table">
      <div className="eval-table-actions">
        <label>
          <input type="checkbox" checked={grouping === 'seed'} onChange={(e) => setGrouping(e.target.checked ? 'seed' : 'none')} /> Group seeds (same method label) into mean ± std
        </label>
        <label>
          Ablation against{' '}
          <select aria-label="Ablation reference" value={reference ?? ''} onChange={(e) => setReference(e.target.value ? Number(e.target.value) : null)}>
            <option value="">none</option>
            {t.rows.map((r) => (
              <option key={r.resultSetIds[0]} value={r.resultSetIds[0]}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => download(`${base}.csv`, result.csv, 'text/csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => download(`${base}.json`, result.json, 'application/json')}>
          Export JSON
        </button>
        <button type="button" onClick={() => download(`${base}.tex`, result.latex, 'text/x-tex')}>
          Export LaTeX
        </button>
      </div>
      <table data-testid="eval-table">
        <thead>
          <tr>
            <th scope="col">Method</th>
            {t.columns.map((c) => (
              <th scope="col" key={c.key}>
                {c.label} {c.better === 'higher' ? '↑' : '↓'}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {t.rows.map((r) => (
            <tr key={r.resultSetIds.join(',')}>
              <th scope="row">
                {r.label}
                {r.resultSetIds.length > 1 ? <span className="muted"> ({r.resultSetIds.length} seeds)</span> : null}
                {r.switches.length > 0 ? <div className="switches muted">{r.switches.join('; ')}</div> : null}
              </th>
              {t.columns.map((c) => {
                const cell = r.cells[c.key];
                if (!cell || cell.mean === null) return <td key={c.key}>—</td>;
                return (
                  <td key={c.key} className={cell.best ? 'best' : undefined} title={`n = ${cell.nMin === cell.nMax ? cell.nMin : `${cell.nMin}–${cell.nMax}`}; std over ${cell.stdOver}`}>
                    {cell.best ? <strong>{cell.mean.toFixed(c.digits)}</strong> : cell.mean.toFixed(c.digits)}
                    {cell.std !== null ? <span className="std"> ± {cell.std.toFixed(c.digits)}</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {t.warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
    </section>
  );
}
