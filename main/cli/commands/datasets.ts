// `ric datasets`: every dataset with its format, sample count and error count.
import { printResult, type OutputOptions } from '../output.js';
import { withApi } from '../session.js';

export async function listDatasets(dataDir: string, options: OutputOptions): Promise<void> {
  const datasets = await withApi(dataDir, (api) => api.call('datasets.list', {}));
  printResult(options, datasets, () => {
    if (datasets.length === 0) return 'no datasets yet (ric import ...)';
    const header = ['id', 'name', 'format', 'status', 'samples', 'errors'];
    const rows = datasets.map((d) => [String(d.id), d.name, d.format, d.status, String(d.sampleCount), String(d.errorCount)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]) => r.map((c, i) => (i >= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
    return [fmt(header), ...rows.map(fmt)].join('\n');
  });
}
