// The paper's Table 1/2 layout from stored evaluations: result sets (rows) × a preset's metrics
// (columns), each cell mean ± std, the best value per column marked (by the metric's arrow), and the
// same table as CSV, LaTeX (booktabs) and JSON. Pure: the Api builds it, the renderer shows it.
//
// Grouping 'seed': result sets with the same method label are taken as runs of one configuration
// that differ only in seed (the label is what the user names a configuration by; provenance seeds
// are listed per row) — one row, mean ± sample std over the members' means. Ungrouped (or a group
// of one), the std is the sample std over the samples of that one evaluation; `stdOver` says which.
import type { TableCell, TableModel, TableRow } from '../api/evals.js';
import type { Region } from '../metrics/presets.js';
import { columnKey, columnLabel, METRIC_INFO, type EvalMetric, type MetricColumn } from './metrics.js';

export interface TableMember {
  resultSetId: number;
  method: string;
  seed: number | null;
  evaluationId: number;
  /** The result set's provenance (how its images were made), for the ablation view. */
  provenance?: Record<string, unknown>;
  aggregates: readonly { metric: EvalMetric; region: Region; mean: number | null; std: number | null; n: number }[];
}

/** Provenance fields that differ between any two runs without being a switch of the method. */
const NOT_SWITCHES = new Set(['seed', 'codeVersion', 'backend', 'workers', 'layout', 'configSha256', 'configFiles', 'weightFiles', 'files', 'matched', 'unmatched', 'unreadable']);

/**
 * Ablation view (Table 3): how a row's provenance differs from the reference row's, field by field
 * (`key: reference → this`), leaving out what differs between any two runs (seed, code version,
 * backend, file listings). Nested values are compared as JSON.
 */
export function switchesFrom(reference: Record<string, unknown> | undefined, row: Record<string, unknown> | undefined): string[] {
  if (!reference || !row) return [];
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(row)])].filter((k) => !NOT_SWITCHES.has(k)).sort();
  const text = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(reference[k]) !== JSON.stringify(row[k])).map((k) => `${k}: ${text(reference[k])} → ${text(row[k])}`);
}

export function buildTable(p: { presetName: string; presetSha256: string; grouping: 'none' | 'seed'; columns: readonly MetricColumn[]; members: readonly TableMember[]; warnings?: readonly string[]; ablationReference?: number | undefined }): TableModel {
  const groups = new Map<string, TableMember[]>();
  for (const m of p.members) {
    const key = p.grouping === 'seed' ? `m:${m.method}` : `r:${m.resultSetId}`;
    const g = groups.get(key);
    if (g) g.push(m);
    else groups.set(key, [m]);
  }
  const rows: TableRow[] = [...groups.values()].map((members) => {
    const cells: Record<string, TableCell> = {};
    for (const c of p.columns) {
      const found = members.map((m) => m.aggregates.find((a) => a.metric === c.metric && a.region === c.region)).filter((a): a is NonNullable<typeof a> => !!a && a.mean !== null);
      const ns = found.map((a) => a.n);
      let mean: number | null = null;
      let std: number | null = null;
      if (found.length === 1) ((mean = found[0]!.mean), (std = found[0]!.std));
      else if (found.length > 1) {
        const xs = found.map((a) => a.mean!);
        mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        std = Math.sqrt(xs.reduce((s, x) => s + (x - mean!) ** 2, 0) / (xs.length - 1));
      }
      cells[columnKey(c)] = { mean, std, count: found.length, stdOver: found.length > 1 ? 'seeds' : 'samples', nMin: ns.length ? Math.min(...ns) : null, nMax: ns.length ? Math.max(...ns) : null, best: false };
    }
    const reference = p.ablationReference === undefined ? undefined : p.members.find((m) => m.resultSetId === p.ablationReference);
    return {
      label: members[0]!.method,
      switches: reference ? switchesFrom(reference.provenance, members[0]!.provenance) : [],
      resultSetIds: members.map((m) => m.resultSetId),
      evaluationIds: members.map((m) => m.evaluationId),
      seeds: members.map((m) => m.seed),
      cells,
    };
  });
  const columns = p.columns.map((c) => ({ key: columnKey(c), metric: c.metric, region: c.region, label: columnLabel(c), better: METRIC_INFO[c.metric].better, digits: METRIC_INFO[c.metric].digits }));
  for (const col of columns) {
    const values = rows.map((r) => r.cells[col.key]?.mean).filter((v): v is number => typeof v === 'number');
    if (values.length < 2) continue;
    const best = col.better === 'higher' ? Math.max(...values) : Math.min(...values);
    for (const r of rows) if (r.cells[col.key]?.mean === best) r.cells[col.key]!.best = true;
  }
  const reference = p.ablationReference === undefined ? -1 : rows.findIndex((r) => r.resultSetIds.includes(p.ablationReference!));
  return { presetName: p.presetName, presetSha256: p.presetSha256, grouping: p.grouping, columns, rows, reference: reference >= 0 ? reference : null, warnings: [...(p.warnings ?? [])] };
}

const fmt = (x: number | null, digits: number) => (x === null ? '' : x.toFixed(digits));

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line per row: the method, its result set ids and seeds, then mean, std and n per column. */
export function tableCsv(t: TableModel): string {
  const head = ['method', 'result_sets', 'seeds'];
  for (const c of t.columns) head.push(c.label, `${c.label} std`, `${c.label} n`);
  // Ablation view: what each row switches against the reference row.
  if (t.reference !== null) head.push('switches');
  const lines = [head.map(csvField).join(',')];
  for (const r of t.rows) {
    const f = [r.label, r.resultSetIds.join(' '), r.seeds.map((s) => (s === null ? '-' : String(s))).join(' ')];
    for (const c of t.columns) {
      const cell = r.cells[c.key];
      // Full precision in CSV (a spreadsheet rounds); n as "min" or "min-max" across members.
      f.push(cell?.mean === null || !cell ? '' : String(cell.mean), cell?.std === null || !cell ? '' : String(cell.std), !cell || cell.nMin === null ? '' : cell.nMin === cell.nMax ? String(cell.nMin) : `${cell.nMin}-${cell.nMax}`);
    }
    if (t.reference !== null) f.push(r.switches.join('; '));
    lines.push(f.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const LATEX_SPECIAL: Record<string, string> = { '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}', '~': '\\textasciitilde{}', '^': '\\textasciicircum{}' };
export const latexEscape = (s: string): string => s.replace(/[\\&%$#_{}~^]/g, (c) => LATEX_SPECIAL[c]!);

/** booktabs: \toprule, \midrule, \bottomrule; arrows as the paper's; best per column in bold. */
export function tableLatex(t: TableModel): string {
  const arrow = (b: 'higher' | 'lower') => (b === 'higher' ? '$\\uparrow$' : '$\\downarrow$');
  const lines = [
    `% ${t.presetName} (preset sha256 ${t.presetSha256.slice(0, 12)}); requires \\usepackage{booktabs}`,
    `\\begin{tabular}{l${'c'.repeat(t.columns.length)}}`,
    '\\toprule',
    `Method & ${t.columns.map((c) => `${latexEscape(c.label)} ${arrow(c.better)}`).join(' & ')} \\\\`,
    '\\midrule',
  ];
  for (const r of t.rows) {
    const cells = t.columns.map((c) => {
      const cell = r.cells[c.key];
      if (!cell || cell.mean === null) return '--';
      const body = cell.std !== null && cell.stdOver === 'seeds' ? `${fmt(cell.mean, c.digits)} \\pm ${fmt(cell.std, c.digits)}` : fmt(cell.mean, c.digits);
      return cell.best ? `$\\mathbf{${body}}$` : `$${body}$`;
    });
    lines.push(`${latexEscape(r.label)} & ${cells.join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}');
  return `${lines.join('\n')}\n`;
}
