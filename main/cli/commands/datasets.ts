// `ric datasets`: every dataset with its format, counts and status; `ric datasets rename|delete|retry`
// change one (the same Api methods as the dataset page's buttons).
import type { Command } from 'commander';
import { importReportSchema } from '../../../shared/api/index.js';
import { CliError, printResult, type OutputOptions } from '../output.js';
import { jobEnd } from '../follow.js';
import { withApi } from '../session.js';
import { humanReport } from './import.js';

export async function listDatasets(dataDir: string, options: OutputOptions): Promise<void> {
  const datasets = await withApi(dataDir, (api) => api.call('datasets.list', {}));
  printResult(options, datasets, () => {
    if (datasets.length === 0) return 'no datasets yet (ric import ...)';
    const header = ['id', 'name', 'format', 'status', 'samples', 'skipped', 'caption errors'];
    const rows = datasets.map((d) => [String(d.id), d.name, d.format, d.status, String(d.sampleCount), String(d.errorCount), String(d.captionErrorCount)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]) => r.map((c, i) => (i >= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
    return [fmt(header), ...rows.map(fmt)].join('\n');
  });
}

/** The subcommands of `ric datasets`, registered by main/cli/commands/import.ts. */
export function registerDatasetSubcommands(datasets: Command, dataDir: () => string): void {
  const out = (opts: OutputOptions) => ({ json: opts.json === true || datasets.opts<OutputOptions>().json === true });
  datasets
    .command('rename <dataset> <new-name>')
    .description('give a dataset another name')
    .option('--json', 'one JSON document on stdout')
    .action(async (ref: string, name: string, opts: OutputOptions) => {
      await withApi(dataDir(), async (api) => {
        const d = await api.call('datasets.resolve', { ref });
        const renamed = await api.call('datasets.rename', { id: d.id, name });
        printResult(out(opts), renamed, () => `renamed "${d.name}" to "${renamed.name}"`);
      });
    });
  datasets
    .command('delete <dataset>')
    .description('delete a dataset with its samples, masks, captions and errors (images another dataset or a run uses stay)')
    .option('--yes', 'really delete it (without it, says what would be deleted)')
    .option('--json', 'one JSON document on stdout')
    .action(async (ref: string, opts: OutputOptions & { yes?: boolean }) => {
      await withApi(dataDir(), async (api) => {
        const d = await api.call('datasets.resolve', { ref });
        if (!opts.yes) {
          throw new CliError(`this would delete "${d.name}" with its ${d.sampleCount} samples and their masks and captions; run again with --yes to delete it`);
        }
        const r = await api.call('datasets.delete', { id: d.id, name: d.name });
        printResult(out(opts), r, () => `deleted "${r.name}": ${r.samples} samples; ${r.removedFiles} image and mask files no longer used were removed`);
      });
    });
  datasets
    .command('retry <dataset>')
    .description('run a failed, cancelled or interrupted import again into the same dataset')
    .option('--path <path>', 'import from this path instead (only for a dataset that has no samples yet)')
    .option('--json', 'print the import report as one JSON document')
    .action(async (ref: string, opts: OutputOptions & { path?: string }) => {
      await withApi(dataDir(), async (api) => {
        const d = await api.call('datasets.resolve', { ref });
        const started = await api.call('datasets.retryImport', { id: d.id, ...(opts.path ? { path: opts.path } : {}) });
        process.stderr.write(`importing "${d.name}" again (job ${started.jobId})\n`);
        const job = await jobEnd(api, started.jobId);
        const report = importReportSchema.safeParse(job.result);
        if (!report.success) throw new CliError(job.error ?? `the import of "${d.name}" ended ${job.state}`);
        printResult(out(opts), report.data, () => humanReport(report.data));
        if (report.data.state !== 'completed') process.exitCode = 1;
      });
    });
}
