// `ric import humanedit|magicbrush|folder PATH [--name N]` and `ric import shapes --count N --seed S --size PX`:
// the same import job the UI starts, with a progress bar on stderr and, with --json, the report
// (imported, skipped, and every per-sample error) as one JSON document on stdout.
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import path from 'node:path';
import { importReportSchema, type ApiArgs, type ApiEventPayload, type ImportReport, type MaskPolarity } from '../../../shared/api/index.js';
import { CliError, printResult, type OutputOptions } from '../output.js';
import { intOption } from '../options.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';
import { listDatasets, registerDatasetSubcommands } from './datasets.js';

/** What `ric import` asks for: a dataset file or folder in a format, or the generated ShapesEdit set. */
export type ImportRequest = ({ format: 'shapes' } & ApiArgs<'datasets.importShapes'>) | ApiArgs<'datasets.import'>;

export interface ImportCliOptions extends OutputOptions {
  name?: string;
  maskPolarity?: MaskPolarity;
  alphaMarksEdit?: boolean;
  maskThreshold?: number;
  progress?: boolean;
}

const formatSeconds = (s: number) => {
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}:${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}` : `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
};

/** One line: [#####-----] 120/1000 12% 34.1/s ETA 0:25 */
export function progressLine(p: Pick<ApiEventPayload<'job.progress'>, 'done' | 'total' | 'rate' | 'etaSeconds'>, width = 30, unit: readonly [string, string] = ['sample', 'samples']): string {
  const total = p.total ?? 0;
  const frac = total > 0 ? Math.min(1, p.done / total) : 0;
  const filled = Math.round(frac * width);
  const bar = total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
  // Without a known total, the count still says what it counts (a bare "0" says nothing).
  const count = total > 0 ? `${p.done}/${total} ${Math.floor(frac * 100)}%` : `${p.done} ${p.done === 1 ? unit[0] : unit[1]} so far`;
  const rate = p.rate === null ? '' : ` ${p.rate.toFixed(1)}/s`;
  const eta = p.etaSeconds === null ? '' : ` ETA ${formatSeconds(p.etaSeconds)}`;
  return `${bar}${count}${rate}${eta}`;
}

export function humanReport(r: ImportReport): string {
  const lines = [
    `${r.state === 'completed' ? 'imported' : r.state} ${r.dataset} (dataset ${r.datasetId}, job ${r.jobId}): ` +
      `${r.imported} imported, ${r.skipped} skipped, ${r.errors.length} errors in ${r.seconds.toFixed(1)} s`,
  ];
  if (r.error) lines.push(`error: ${r.error}`);
  for (const e of r.errors.slice(0, 20)) lines.push(`  ${e.sampleRef}${e.field ? ` [${e.field}]` : ''}: ${e.reason}`);
  if (r.errors.length > 20) lines.push(`  ... and ${r.errors.length - 20} more (ric --json import ... for all)`);
  return lines.join('\n');
}

export async function runImportCommand(dataDir: string, spec: ImportRequest, options: ImportCliOptions): Promise<void> {
  if (spec.format !== 'shapes' && !fs.existsSync(spec.path)) throw new CliError(`no such file or folder: ${path.resolve(spec.path)}`);
  await withApi(dataDir, async (api) => {
    const tty = process.stderr.isTTY === true;
    const showProgress = options.progress !== false;
    let lastPrint = 0;
    // The same queue and engine host as the app (main/jobs): the import runs in its own process.
    const start = async () => {
      if (spec.format === 'shapes') {
        const { format: _shapes, ...args } = spec;
        return (await api.call('datasets.importShapes', args)).jobId;
      }
      return (await api.call('datasets.import', { ...spec, path: path.resolve(spec.path) })).jobId;
    };
    const job = await followJob(api, start, {
      stopNote: 'ric: stopping after the current batch (run the same import again to resume)',
      onProgress: (p) => {
        if (!showProgress) return;
        const now = Date.now();
        const final = p.state !== 'running';
        if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K${final ? '\n' : ''}`);
        else if (final || now - lastPrint > 5000) {
          lastPrint = now;
          process.stderr.write(`${progressLine(p)}\n`);
        }
      },
    });
    const report = importReportSchema.safeParse(job.result);
    if (!report.success) throw new CliError(job.error ?? `import job ${job.id} ended ${job.state}`);
    printResult(options, report.data, () => humanReport(report.data));
    if (report.data.state === 'failed') process.exitCode = 1;
    if (report.data.state === 'cancelled') process.exitCode = 130;
  });
}


/** `ric import ...` and `ric datasets`, registered on the program by main/cli/index.ts. */
export function registerDatasetCommands(program: Command, dataDir: () => string): void {
  const importCmd = program.command('import').description('import a dataset as a resumable job (progress on stderr; --json prints the report)');
  for (const format of ['humanedit', 'magicbrush', 'folder'] as const) {
    importCmd
      .command(`${format} <path>`)
      .description(
        format === 'humanedit'
          ? 'HumanEdit: the HF dataset folder or one data/train-*.parquet shard (masks: black = edit)'
          : format === 'magicbrush'
            ? 'MagicBrush: HF parquet file/folder, or the test-set folder with edit_sessions.json'
            : 'a folder with source/, target/, mask/ and a .jsonl or .csv of instructions',
      )
      .option('--name <name>', 'dataset name (default: format and folder name); the same name resumes')
      .addOption(new Option('--mask-polarity <value>', 'which value marks the edit in the mask files').choices(['white', 'black']))
      .option('--alpha-marks-edit', 'RGBA masks: transparent pixels mark the edit')
      .option('--no-alpha-marks-edit', 'RGBA masks: ignore the alpha channel')
      .option('--mask-threshold <level>', 'grey level separating edit from keep (0-255)', intOption(0, 255))
      .option('--no-progress', 'no progress bar on stderr')
      .option('--json', 'print the import report as one JSON document')
      .action(async (p: string, opts: ImportCliOptions) => {
        await runImportCommand(
          dataDir(),
          {
            format,
            path: p,
            ...(opts.name ? { name: opts.name } : {}),
            options: {
              ...(opts.maskPolarity ? { maskPolarity: opts.maskPolarity } : {}),
              ...(opts.alphaMarksEdit !== undefined ? { alphaMarksEdit: opts.alphaMarksEdit } : {}),
              ...(opts.maskThreshold !== undefined ? { maskThreshold: opts.maskThreshold } : {}),
            },
          },
          opts,
        );
      });
  }
  importCmd
    .command('shapes')
    .description('generate the ShapesEdit demo dataset (seeded, exact masks and descriptions)')
    .requiredOption('--count <n>', 'number of samples', intOption(1, 1_000_000))
    .option('--seed <s>', 'generator seed', intOption(0, 2 ** 31 - 1), 0)
    .option('--size <px>', 'image size in pixels', intOption(16, 1024), 64)
    .option('--name <name>', 'dataset name (default: shapes-seed<S>-n<N>-<PX>px)')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the import report as one JSON document')
    .action(async (opts: ImportCliOptions & { count: number; seed: number; size: number }) => {
      await runImportCommand(dataDir(), { format: 'shapes', count: opts.count, seed: opts.seed, size: opts.size, ...(opts.name ? { name: opts.name } : {}) }, opts);
    });

  const datasets = program
    .command('datasets')
    .description('list datasets: name, format, status, samples, skipped samples, caption errors; rename, delete or retry one')
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: OutputOptions) => {
      await listDatasets(dataDir(), opts);
    });
  registerDatasetSubcommands(datasets, dataDir);
}
