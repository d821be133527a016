// `ric train regionclip|blip|editor --dataset D [--config FILE] [--preset tiny|paper]`: the same
// pre-flight and the same training job the Training view's New-run form uses (`runs.preflight`, then
// `jobs.start`: it runs in an engine host process and writes its metric points, checkpoints and best
// validation score to the store), followed with a progress line and the trainer's log on stderr; the
// run (its checkpoints, validation recall or edits, the last epoch's mean loss) is printed at the end.
// The editor (issue 15) is checked here against its own schema and towers before it is queued.
// Ctrl-C cancels: the trainer writes a checkpoint first, and `--resume-job ID` continues from it.
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../../../shared/api/client.js';
import { API_BOUNDS, formatBytes, parseBoundedJson, textFallbacks, trainingPresets, type TrainingPreflight } from '../../../shared/api/index.js';
import { runLabelWithJob } from '../../../shared/runs/index.js';
import { CliError, printResult } from '../output.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';
import { progressLine } from './import.js';
import { editorJobParams, editorOptions, type EditorCliOptions } from './train-editor.js';

type Family = 'regionclip' | 'blip' | 'editor';

export interface TrainCliOptions extends EditorCliOptions {
  dataset?: string;
  config?: string;
  preset?: 'tiny' | 'paper';
  textFallback?: 'none' | 'dataset';
  seed?: number;
  name?: string;
  resumeJob?: number;
  progress?: boolean;
  json?: boolean;
  /** tensor workers: the config's `workers` (overrides the --config file's) */
  workers?: 'auto' | number;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The --config file: a JSON object (the pre-flight checks it against the trainer's schema, with the preset). */
export function readTrainConfig(file: string | undefined): Record<string, unknown> {
  let over: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      // A config is a few hundred bytes: a bigger file is a mistake (a dataset, a checkpoint), not read.
      const size = fs.statSync(file).size;
      if (size > MAX_CONFIG_BYTES) throw new CliError(`${file}: ${formatBytes(size)} is too big for a training config (at most ${formatBytes(MAX_CONFIG_BYTES)})`);
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    try {
      const v = parseBoundedJson(text, { ...API_BOUNDS, maxBytes: MAX_CONFIG_BYTES }, 'the config');
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
      over = v as Record<string, unknown>;
    } catch (err) {
      throw new CliError(`${file}: invalid JSON: ${(err as Error).message}`);
    }
  }
  return over;
}

export async function runTrain(dataDir: string, family: Family, opts: TrainCliOptions): Promise<void> {
  await withApi(dataDir, (client) => train(client, dataDir, family, opts));
}

/** Prints every problem of a refused pre-flight with what fixes it, and stops (exit 1). */
function refuseUnlessReady(check: TrainingPreflight, configFile: string | undefined): void {
  if (check.ok) return;
  const lines = check.problems.map((p) => {
    const message = p.field === 'config' && configFile ? `${configFile}: ${p.message}` : p.message;
    return `${message}\n  fix: ${p.fix.cli ?? p.fix.label}`;
  });
  throw new CliError(lines.join('\n'));
}

async function train(client: ApiClient, dataDir: string, family: Family, opts: TrainCliOptions): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const showProgress = opts.progress !== false;
  let lastPrint = 0;
  const latest: Record<string, number> = {};
  const offMetrics = client.on('metric.batch', (b) => {
    for (const pt of b.points) latest[pt.key] = pt.value;
  });
  let runId: number | null = null;
  const start = async (known: (id: number) => void): Promise<number> => {
    if (opts.resumeJob !== undefined) {
      const jobId = opts.resumeJob;
      known(jobId);
      const job = await client.call('jobs.get', { id: jobId });
      if (job.kind !== `train-${family}`) throw new CliError(`job ${jobId} is a ${job.kind} job, not train-${family}`);
      runId = job.runId;
      await client.call('jobs.resume', { id: jobId });
      return jobId;
    } else {
      if (!opts.dataset) throw new CliError('--dataset is required (a dataset name or id; `ric datasets` lists them)');
      const dataset = await client.call('datasets.resolve', { ref: opts.dataset });
      let started: { id: number; runId: number | null };
      let what: string;
      if (family === 'editor') {
        if (dataset.status !== 'ready') throw new CliError(`dataset "${dataset.name}" is ${dataset.status}; finish its import first`);
        // `paper` is the editor config's defaults; `tiny` its preset.
        const preset = opts.preset === 'tiny' ? 'tiny' : undefined;
        const { config, extra } = await editorJobParams({ ...opts, preset }, withWorkers(readTrainConfig(opts.config), opts.workers));
        started = await client.call('jobs.start', {
          kind: 'train-editor',
          params: { datasetId: dataset.id, seed: opts.seed ?? Number(config.seed ?? 0), config, ...extra, ...(preset ? { preset } : {}), ...(opts.name ? { name: opts.name } : {}) },
        });
        what = `editor on "${dataset.name}"${preset ? ', preset tiny' : ''}`;
      } else {
        const config = withWorkers(readTrainConfig(opts.config), opts.workers);
        const params = {
          datasetId: dataset.id,
          seed: opts.seed ?? Number(config.seed ?? 0),
          config,
          ...(opts.preset ? { preset: opts.preset } : {}),
          ...(opts.textFallback ? { textFallback: opts.textFallback } : {}),
          ...(opts.name ? { name: opts.name } : {}),
        };
        // The form's pre-flight: a run that would fail at once is refused here, with what fixes it.
        const check = await client.call('runs.preflight', { kind: `train-${family}`, params });
        refuseUnlessReady(check, opts.config);
        if (showProgress) for (const w of check.warnings) process.stderr.write(`note: ${w}\n`);
        started = await client.call('jobs.start', { kind: `train-${family}`, params: check.params });
        const texts = check.textFallback === 'none' ? 'approved captions' : "approved captions, else the dataset's own descriptions";
        what = `${family} on "${dataset.name}", preset ${check.preset}, ${check.trainPairs} training + ${check.valPairs} validation pairs (${texts})`;
      }
      known(started.id);
      runId = started.runId;
      const run = runId !== null ? await client.call('runs.get', { id: runId }) : null;
      if (showProgress) process.stderr.write(`${run ? runLabelWithJob(run) : `job ${started.id}`}: ${what}\n`);
      return started.id;
    }
  };
  try {
    const job = await followJob(client, start, {
      stopNote: 'ric: cancelling; the trainer writes a checkpoint first (continue with --resume-job)',
      onProgress: (p) => {
        if (!showProgress) return;
        // An epoch's mean once there is one (a single step's loss is one batch's).
        const loss = latest.epoch_loss !== undefined ? ` epoch loss ${latest.epoch_loss.toFixed(4)}` : latest.loss !== undefined ? ` step loss ${latest.loss.toFixed(4)}` : '';
        const r1 = latest.val_r1 !== undefined ? ` val R@1 ${latest.val_r1.toFixed(3)}` : '';
        const line = `${progressLine(p, 30, ['step', 'steps'])}${loss}${r1}${p.message ? ` ${p.message}` : ''}`;
        const now = Date.now();
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (now - lastPrint > 5000) {
          lastPrint = now;
          process.stderr.write(`${line}\n`);
        }
      },
      onLog: (l) => {
        if (showProgress) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
      },
    });
    const jobId = job.id;
    const finalState = job.state;
    if (tty && showProgress) process.stderr.write('\n');
    const run = runId !== null ? await client.call('runs.get', { id: runId }) : null;
    const latestMetrics = Object.fromEntries((run?.latest ?? []).map((m) => [m.key, m.value]));
    const best = Math.max(...(run?.checkpoints ?? []).map((c) => c.validationScore ?? -1));
    // what a checkpoint's validation score is: the towers' val R@1, the editor's inside-mask PSNR (trainer.ts)
    const scoreLabel = family === 'editor' ? 'val PSNR inside the mask' : 'val R@1';
    printResult(opts, { ok: finalState === 'completed', job, run }, () =>
      [
        `${run ? runLabelWithJob(run) : `${family} job ${jobId}`}: ${finalState}${job.error ? `: ${job.error}` : ''}`,
        metricsLine(latestMetrics),
        ...(run?.checkpoints ?? []).map(
          (c) => `checkpoint step ${c.step}: ${path.join(dataDir, c.path)} (${(c.size / 1e6).toFixed(1)} MB${c.validationScore !== null ? `, ${scoreLabel} ${c.validationScore.toFixed(3)}${family === 'editor' ? ' dB' : ''}${c.validationScore === best ? ', best' : ''}` : ''})`,
        ),
        ...(run && job.state !== 'completed' && run.checkpointStep !== null && run.checkpointStep !== job.done ? [`resume continues from the checkpoint at step ${run.checkpointStep} (the job reached step ${job.done}): ric train ${family} --resume-job ${jobId}`] : []),
      ].join('\n'),
    );
    if (finalState === 'failed' || finalState === 'interrupted') process.exitCode = 1;
    if (finalState === 'cancelled') process.exitCode = 130;
  } finally {
    offMetrics();
  }
}

/** The run's last numbers in words; a metric the run never wrote is left out, not shown as "?". */
export function metricsLine(m: Record<string, number>): string {
  const parts: string[] = [];
  if (m.val_l1_in !== undefined) {
    const source = m.val_l1_in_source !== undefined ? ` (unedited source ${m.val_l1_in_source.toFixed(4)})` : '';
    parts.push(`validation edits: inside-mask L1 ${m.val_l1_in.toFixed(4)}${source}${m.val_psnr_in !== undefined ? `, PSNR ${m.val_psnr_in.toFixed(2)} dB` : ''}`);
  }
  if (m.val_r1 !== undefined) {
    const chance = m.val_chance_r1 !== undefined ? ` (chance ${m.val_chance_r1.toFixed(3)})` : '';
    parts.push(`validation recall@1 ${m.val_r1.toFixed(3)}${chance}${m.val_r5 !== undefined ? `, recall@5 ${m.val_r5.toFixed(3)}` : ''}`);
  }
  // An epoch's mean says how training goes; one step's loss is noise (issue 12).
  if (m.epoch_loss !== undefined) parts.push(`mean loss of the last epoch ${m.epoch_loss.toFixed(4)}`);
  else if (m.loss !== undefined) parts.push(`last loss ${m.loss.toFixed(4)}`);
  return parts.length > 0 ? parts.join('; ') : 'no metrics were recorded (the run stopped before its first step)';
}

/** The config with `--workers` in it (the flag wins over the file's field). */
function withWorkers(config: Record<string, unknown>, workers: 'auto' | number | undefined): Record<string, unknown> {
  return workers === undefined ? config : { ...config, workers };
}

/** `--workers`: auto or a whole number 1–256 (the config field's and Settings' range). */
export function workersArg(value: string): 'auto' | number {
  if (value.trim() === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('must be auto or a whole number from 1 to 256');
  return n;
}

const WORKERS_HELP = "tensor workers on a CPU backend: auto (the cores) or N; 1 = one thread (default: the config's, else $RIC_ENGINE_WORKERS, else Settings → tensor workers)";

function intArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export function trainCommand(dataDir: () => string): Command {
  const train = new Command('train').description('train Region-CLIP, BLIP or the editor on a dataset as a job (progress on stderr; metrics and checkpoints in the store)');
  for (const family of ['regionclip', 'blip'] as const) {
    train
      .command(family)
      .description(
        family === 'regionclip'
          ? 'Region-CLIP: CLIP + gated region-context fusion; phase "fusion" (CLIP frozen) then "joint" (paper: 50 + 20 epochs, lr 1e-4 / 1e-5, batch 64)'
          : 'BLIP (blip-itm-base-coco) on scene descriptions (paper: 20 epochs, lr 1e-5, batch 32, 512 tokens)',
      )
      .option('--dataset <name|id>', 'the dataset to train on')
      .option('--config <file>', 'JSON training config (fields override the defaults or the preset; base_model names the model folder)')
      .option('--preset <name>', "tiny: small random-init models that train on ShapesEdit in minutes on a CPU; paper (the default): the paper's settings, fine-tuning base_model (else Settings' model folder)")
      .option('--text-fallback <rule>', "none: approved captions only; dataset: else the dataset's own descriptions (default: dataset for ShapesEdit, none otherwise)")
      .option('--seed <n>', 'random seed (data order, initialisation)', intArg)
      .option('--workers <n>', WORKERS_HELP, workersArg)
      .option('--name <name>', 'run name')
      .option('--resume-job <id>', 'continue a cancelled, failed or interrupted training job from its last checkpoint', intArg)
      .option('--no-progress', 'no progress line or log on stderr')
      .option('--json', 'print the job and run as one JSON document')
      .action(async (opts: TrainCliOptions) => {
        if (opts.preset !== undefined && !(trainingPresets as readonly string[]).includes(opts.preset)) throw new CliError(`unknown preset "${opts.preset}" (known: ${trainingPresets.join(', ')})`);
        if (opts.textFallback !== undefined && !(textFallbacks as readonly string[]).includes(opts.textFallback)) throw new CliError(`unknown --text-fallback "${opts.textFallback}" (known: ${textFallbacks.join(', ')})`);
        await runTrain(dataDir(), family, opts);
      });
  }
  const editor = train
    .command('editor')
    .description('the editor (InstructPix2Pix UNet) with the Region-in-Context losses: denoising + region (Region-CLIP) + global (BLIP) (paper: AdamW 1e-4, 9000 steps, batch 8, 256²)')
    .option('--dataset <name|id>', 'the editing dataset to train on (source, target, instruction, mask, approved descriptions)')
    .option('--config <file>', 'JSON training config (fields override the defaults or the preset)')
    .option('--preset <name>', 'tiny: a pixel-space editor on ShapesEdit at 32² (from scratch, or from --pipeline)');
  editorOptions(editor)
    .option('--seed <n>', 'random seed (data order, noise, dropout)', intArg)
    .option('--workers <n>', WORKERS_HELP, workersArg)
    .option('--name <name>', 'run name')
    .option('--resume-job <id>', 'continue a cancelled, failed or interrupted training job from its last checkpoint', intArg)
    .option('--no-progress', 'no progress line or log on stderr')
    .option('--json', 'print the job and run as one JSON document')
    .action(async (opts: TrainCliOptions) => {
      if (opts.preset !== undefined && opts.preset !== 'tiny') throw new CliError(`unknown preset "${opts.preset}" (known: tiny)`);
      await runTrain(dataDir(), 'editor', opts);
    });
  return train;
}
