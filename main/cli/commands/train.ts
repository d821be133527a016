// `ric train regionclip|blip|editor --dataset D [--config FILE] [--preset tiny]`: queues the same training
// job the Training view starts (it runs in an engine host process and writes its metric points,
// checkpoints and best validation score to the store), follows it with a progress line and the
// trainer's log on stderr, and prints the run (checkpoints, validation recall) at the end.
// Ctrl-C cancels: the trainer writes a checkpoint first, and `--resume-job ID` continues from it.
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../../../shared/api/client.js';
import { API_BOUNDS, formatBytes, parseBoundedJson, type JobState } from '../../../shared/api/index.js';
import { CliError, printResult } from '../output.js';
import { FINAL_STATES, withApi } from '../session.js';
import { progressLine } from './import.js';
import { editorJobParams, editorOptions, type EditorCliOptions } from './train-editor.js';

type Family = 'regionclip' | 'blip' | 'editor';

export interface TrainCliOptions extends EditorCliOptions {
  dataset?: string;
  config?: string;
  preset?: 'tiny';
  seed?: number;
  name?: string;
  resumeJob?: number;
  progress?: boolean;
  json?: boolean;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The --config file as a JSON object ({} without one). */
export function readConfigFile(file: string | undefined): Record<string, unknown> {
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

/** The --config file: JSON, checked against the trainer's schema (with the preset) before anything is queued. */
export async function readTrainConfig(family: 'regionclip' | 'blip', file: string | undefined, preset: 'tiny' | undefined): Promise<Record<string, unknown>> {
  const over = readConfigFile(file);
  // The trainers (and TensorFlow.js) load only when `ric train` runs (and after the file is read),
  // so other commands and a bad file answer fast.
  const { blipPreset, mergeConfig, parseBlipTrainingConfig, parseRegionClipConfig, regionClipPreset } = await import('../../engine/training/index.js');
  const base = preset ? (family === 'regionclip' ? regionClipPreset(preset) : blipPreset(preset)) : {};
  const source = file ? path.resolve(file) : `${family} defaults`;
  try {
    const parsed = family === 'regionclip' ? parseRegionClipConfig(mergeConfig(base, over), source) : parseBlipTrainingConfig(mergeConfig(base, over), source);
    if (!preset && !parsed.base_model) {
      throw new Error(`${source}: "base_model" must name a ${family === 'regionclip' ? 'CLIP' : 'BlipForImageTextRetrieval'} model folder (or use --preset tiny)`);
    }
    if (parsed.base_model && !fs.existsSync(path.join(parsed.base_model, 'config.json'))) throw new Error(`${source}: base_model ${parsed.base_model} has no config.json`);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return over;
}

export async function runTrain(dataDir: string, family: Family, opts: TrainCliOptions): Promise<void> {
  await withApi(dataDir, (client) => train(client, dataDir, family, opts));
}

async function train(client: ApiClient, dataDir: string, family: Family, opts: TrainCliOptions): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const showProgress = opts.progress !== false;
  let jobId = -1;
  let lastPrint = 0;
  let finalState: JobState | null = null;
  let wake: () => void = () => undefined;
  const latest: Record<string, number> = {};
  const offs = [
    client.on('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      if (FINAL_STATES.includes(p.state)) {
        finalState = p.state;
        wake();
      }
      if (!showProgress) return;
      const loss = latest.loss !== undefined ? ` loss ${latest.loss.toFixed(4)}` : '';
      const r1 = latest.val_r1 !== undefined ? ` val R@1 ${latest.val_r1.toFixed(3)}` : '';
      const line = `${progressLine(p)}${loss}${r1}${p.message ? ` ${p.message}` : ''}`;
      const now = Date.now();
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (now - lastPrint > 5000) {
        lastPrint = now;
        process.stderr.write(`${line}\n`);
      }
    }),
    client.on('metric.batch', (b) => {
      for (const pt of b.points) latest[pt.key] = pt.value;
    }),
    client.on('log.line', (l) => {
      if (l.jobId !== jobId || !showProgress) return;
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
    }),
  ];
  const onSignal = () => {
    process.stderr.write('\nric: cancelling; the trainer writes a checkpoint first (continue with --resume-job)\n');
    if (jobId > 0) void client.call('jobs.cancel', { id: jobId }).catch(() => undefined);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let runId: number | null;
    if (opts.resumeJob !== undefined) {
      jobId = opts.resumeJob;
      const job = await client.call('jobs.get', { id: jobId });
      if (job.kind !== `train-${family}`) throw new CliError(`job ${jobId} is a ${job.kind} job, not train-${family}`);
      runId = job.runId;
      await client.call('jobs.resume', { id: jobId });
    } else {
      if (!opts.dataset) throw new CliError('--dataset is required (a dataset name or id; `ric datasets` lists them)');
      const dataset = await client.call('datasets.resolve', { ref: opts.dataset });
      if (dataset.status !== 'ready') throw new CliError(`dataset "${dataset.name}" is ${dataset.status}; finish its import first`);
      const { config, extra } = family === 'editor' ? await editorJobParams(opts, readConfigFile(opts.config)) : { config: await readTrainConfig(family, opts.config, opts.preset), extra: {} };
      const started = await client.call('jobs.start', {
        kind: `train-${family}`,
        params: { datasetId: dataset.id, seed: opts.seed ?? Number(config.seed ?? 0), config, ...extra, ...(opts.preset ? { preset: opts.preset } : {}), ...(opts.name ? { name: opts.name } : {}) },
      });
      jobId = started.id;
      runId = started.runId;
      if (showProgress) process.stderr.write(`job ${jobId}, run ${runId}: ${family} on "${dataset.name}"${opts.preset ? ` (preset ${opts.preset})` : ''}\n`);
    }
    // Wait for the final state (events), polling as a fallback.
    while (!finalState) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
      if (!finalState) {
        const state = (await client.call('jobs.get', { id: jobId })).state;
        if (FINAL_STATES.includes(state)) finalState = state;
      }
    }
    if (tty && showProgress) process.stderr.write('\n');
    const job = await client.call('jobs.get', { id: jobId });
    const run = runId !== null ? await client.call('runs.get', { id: runId }) : null;
    const latestMetrics = Object.fromEntries((run?.latest ?? []).map((m) => [m.key, m.value]));
    printResult(opts, { ok: finalState === 'completed', job, run }, () =>
      [
        `${family} run ${runId} (job ${jobId}): ${finalState}${job.error ? `: ${job.error}` : ''}`,
        latestMetrics.val_l1_in !== undefined
          ? `validation edits: inside-mask L1 ${latestMetrics.val_l1_in.toFixed(4)} (unedited source ${latestMetrics.val_l1_in_source?.toFixed(4) ?? '?'}), PSNR ${latestMetrics.val_psnr_in?.toFixed(2) ?? '?'} dB; last loss ${latestMetrics.loss?.toFixed(4) ?? '?'}`
          : latestMetrics.val_r1 !== undefined
          ? `validation recall@1 ${latestMetrics.val_r1.toFixed(3)} (chance ${latestMetrics.val_chance_r1?.toFixed(3) ?? '?'}), recall@5 ${latestMetrics.val_r5?.toFixed(3) ?? '?'}; last loss ${latestMetrics.loss?.toFixed(4) ?? '?'}`
          : `last loss ${latestMetrics.loss?.toFixed(4) ?? '?'}`,
        ...(run?.checkpoints ?? []).map((c) => `checkpoint step ${c.step}: ${path.join(dataDir, c.path)} (${(c.size / 1e6).toFixed(1)} MB${c.validationScore !== null ? `, val R@1 ${c.validationScore.toFixed(3)}` : ''})`),
      ].join('\n'),
    );
    if (finalState === 'failed' || finalState === 'interrupted') process.exitCode = 1;
    if (finalState === 'cancelled') process.exitCode = 130;
  } finally {
    for (const off of offs) off();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

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
      .option('--preset <name>', 'tiny: small random-init models that train on ShapesEdit in minutes on a CPU')
      .option('--seed <n>', 'random seed (data order, initialisation)', intArg)
      .option('--name <name>', 'run name')
      .option('--resume-job <id>', 'continue a cancelled, failed or interrupted training job from its last checkpoint', intArg)
      .option('--no-progress', 'no progress line or log on stderr')
      .option('--json', 'print the job and run as one JSON document')
      .action(async (opts: TrainCliOptions) => {
        if (opts.preset !== undefined && opts.preset !== 'tiny') throw new CliError(`unknown preset "${opts.preset}" (known: tiny)`);
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
