// `ric edit --model DIR --dataset D --name NAME [...]`: an InstructPix2Pix-style pipeline folder applied
// to a dataset's samples (or one split, the first N) as an `edit` job in the engine host, the same
// job the Edit view starts; every edited image lands in the result set NAME with its provenance.
// Running the same command again (same name, same settings) finishes a killed or cancelled job
// without redoing finished samples. Ctrl-C cancels between denoising steps.
// `ric import results DIR --dataset D --name NAME`: a method's outputs made elsewhere as a result set.
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { editDatasetParamsSchema, editDatasetResultSchema, editSchedulerNames, EDIT_DEFAULTS, type EditDatasetResult } from '../../../shared/api/edit.js';
import { resultsImportReportSchema, type ResultsImportReport } from '../../../shared/api/results.js';
import type { ApiClient } from '../../../shared/api/client.js';
import { CliError, printResult } from '../output.js';
import { intOption } from '../options.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';
import { progressLine } from './import.js';

export interface EditCliOptions {
  model: string;
  dataset: string;
  split?: 'train' | 'val' | 'test';
  limit?: number;
  steps: number;
  guidance: number;
  imageGuidance: number;
  scheduler?: (typeof editSchedulerNames)[number];
  seed: number;
  resolution?: number;
  workers?: number;
  name: string;
  method?: string;
  json?: boolean;
  progress?: boolean;
}

const scale = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be a number from 0 to 100');
  return n;
};

export function editCommand(dataDir: () => string): Command {
  return new Command('edit')
    .description('edit a dataset\'s samples with an InstructPix2Pix pipeline folder into a result set (a resumable job)')
    .requiredOption('--model <dir>', 'diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/)')
    .requiredOption('--dataset <D>', 'dataset id or name')
    .requiredOption('--name <name>', 'result set name; the same name with the same settings resumes')
    .addOption(new Option('--split <split>', 'only this split').choices(['train', 'val', 'test']))
    .option('--limit <n>', 'only the first N samples (in sample order)', intOption(1, 10_000_000))
    .option('--steps <n>', 'denoising steps (20-50 suffice with dpmpp_2m)', intOption(1, 1000), EDIT_DEFAULTS.steps)
    .option('--guidance <s>', 'text guidance scale s_T', scale, EDIT_DEFAULTS.guidanceScale)
    .option('--image-guidance <s>', 'image guidance scale s_I', scale, EDIT_DEFAULTS.imageGuidanceScale)
    .addOption(new Option('--scheduler <name>', "sampler (default: the folder's own)").choices([...editSchedulerNames]))
    .option('--seed <s>', "the job's seed (each sample's seed is derived from it and the sample's id)", intOption(0, 2 ** 31 - 1), EDIT_DEFAULTS.seed)
    .option('--resolution <px>', "longer side of the edited image (default: the model's own)", intOption(8, 4096))
    .option('--workers <n>', 'tensor workers (default: $RIC_ENGINE_WORKERS, else auto)', intOption(1, 256))
    .option('--method <label>', 'method label comparisons show (default: InstructPix2Pix, or MagicBrush by the folder name)')
    .option('--no-progress', 'no progress on stderr')
    .option('--json', 'one JSON report on stdout')
    .action(async (opts: EditCliOptions) => {
      await edit(dataDir(), opts);
    });
}

/** Runs a job to its end, cancelling it on Ctrl-C, with a progress line on stderr (at most one in 2 s). */
function runJob(api: ApiClient, what: string, start: () => Promise<number>, showProgress: boolean) {
  let last = 0;
  return followJob(api, start, {
    stopNote: `ric: stopping the ${what} job (run the same command again to resume)`,
    onProgress: (p) => {
      if (!showProgress) return;
      const final = p.state !== 'running';
      if (!final && Date.now() - last < 2000) return;
      last = Date.now();
      process.stderr.write(`${what} job ${p.jobId}: ${progressLine(p)}${p.message ? `  ${p.message}` : ''}\n`);
    },
  });
}

export async function edit(dataDir: string, opts: EditCliOptions): Promise<void> {
  await withApi(dataDir, async (api) => {
    const dataset = await api.call('datasets.resolve', { ref: opts.dataset });
    const parsed = editDatasetParamsSchema.safeParse({
      mode: 'dataset',
      model: path.resolve(opts.model),
      datasetId: dataset.id,
      name: opts.name,
      steps: opts.steps,
      guidanceScale: opts.guidance,
      imageGuidanceScale: opts.imageGuidance,
      seed: opts.seed,
      ...(opts.split ? { split: opts.split } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
      ...(opts.resolution !== undefined ? { resolution: opts.resolution } : {}),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.method ? { method: opts.method } : {}),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(`--${String(issue?.path[0] ?? 'options')}: ${issue?.message ?? 'invalid'}`);
    }
    const job = await runJob(api, 'edit', async () => (await api.call('edit.start', parsed.data)).jobId, opts.progress !== false);
    const report = editDatasetResultSchema.safeParse(job.state === 'completed' ? job.result : null);
    if (!report.success) {
      const set = (await api.call('results.list', { datasetId: dataset.id })).find((s) => s.name === opts.name);
      const kept = set ? ` (result set "${set.name}" keeps ${set.done} finished images; run the same command again to resume)` : '';
      throw new CliError(`edit job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}${kept}`, job.state === 'cancelled' ? 130 : 1);
    }
    const r = report.data;
    printResult(opts, { ok: r.errors.length === 0, jobId: job.id, ...r }, () => humanEdit(job.id, r));
    if (r.errors.length > 0) process.exitCode = 2;
  });
}

function humanEdit(jobId: number, r: EditDatasetResult): string {
  const lines = [
    `edit job ${jobId}: result set "${r.name}" (${r.resultSetId}): ${r.edited} edited, ${r.skipped} already done, ${r.errors.length} errors of ${r.total} in ${r.seconds.toFixed(1)} s`,
    `  ${r.backend}${r.workers > 1 ? ` × ${r.workers} workers` : ''}, ${r.layout === 'resident' ? 'all parts resident' : 'stages on demand'}${r.imagesPerSecond ? `, ${(1 / r.imagesPerSecond).toFixed(2)} s per image` : ''}`,
    ...r.errors.slice(0, 20).map((e) => `  ${e.externalId}: ${e.reason}`),
  ];
  if (r.errors.length > 20) lines.push(`  ... and ${r.errors.length - 20} more (--json lists all)`);
  return lines.join('\n');
}

export interface ImportResultsCliOptions {
  dataset: string;
  name: string;
  method?: string;
  json?: boolean;
  progress?: boolean;
}

export function registerImportResults(importCmd: Command, dataDir: () => string): void {
  importCmd
    .command('results <dir>')
    .description("a folder of another method's edited images as a result set, matched to samples by file name (<sample id>[_edited].png)")
    .requiredOption('--dataset <D>', 'dataset id or name')
    .requiredOption('--name <name>', 'result set name (importing again into it replaces changed images)')
    .option('--method <label>', 'method label comparisons show (default: the name)')
    .option('--no-progress', 'no progress on stderr')
    .option('--json', 'one JSON report on stdout (every unmatched and refused file)')
    .action(async (dir: string, opts: ImportResultsCliOptions) => {
      await importResults(dataDir(), dir, opts);
    });
}

export async function importResults(dataDir: string, dir: string, opts: ImportResultsCliOptions): Promise<void> {
  await withApi(dataDir, async (api) => {
    const dataset = await api.call('datasets.resolve', { ref: opts.dataset });
    const args = { datasetId: dataset.id, path: path.resolve(dir), name: opts.name, ...(opts.method ? { method: opts.method } : {}) };
    const job = await runJob(api, 'import', async () => (await api.call('results.import', args)).jobId, opts.progress !== false);
    const report = resultsImportReportSchema.safeParse(job.result);
    if (!report.success) throw new CliError(`import job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}`, job.state === 'cancelled' ? 130 : 1);
    const r = report.data;
    printResult(opts, { ok: r.errors.length === 0 && r.unmatched.length === 0, ...r }, () => humanImport(r));
    if (r.state === 'cancelled') process.exitCode = 130;
    else if (r.errors.length > 0 || r.unmatched.length > 0) process.exitCode = 2;
  });
}

function humanImport(r: ResultsImportReport): string {
  const lines = [
    `${r.state === 'completed' ? 'imported' : r.state} result set "${r.name}" (${r.resultSetId}): ${r.imported} imported, ${r.unchanged} unchanged, ${r.unmatched.length} unmatched, ${r.errors.length} refused of ${r.files} files in ${r.seconds.toFixed(1)} s`,
    ...r.unmatched.slice(0, 20).map((f) => `  ${f}: matches no sample of the dataset`),
    ...r.errors.slice(0, 20).map((e) => `  ${e.reason.startsWith(e.file) ? e.reason : `${e.file}: ${e.reason}`}`),
  ];
  if (r.unmatched.length > 20 || r.errors.length > 20) lines.push('  ... (--json lists all)');
  return lines.join('\n');
}
