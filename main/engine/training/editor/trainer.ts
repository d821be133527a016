// The editor's training loop (`train-editor`, issue 15): per step a seeded batch of pairs, cut into
// micro-batches whose gradients sum exactly to the batch's (each sample's terms are divided by the
// batch size, Eq. 10 being a mean of per-sample terms), global-norm clipping, AdamW with the moments on
// the host (host-optim.ts: exact summation in Node memory, any backend), warmup, optional EMA, a
// checkpoint every `checkpoint_every` steps with the validation edits, resume from any checkpoint on
// the same curve, and a stop (cancel / pause) that writes a checkpoint first. With tensor workers
// (issue 13, parallel.ts) each batch's micro-batches run on the workers and this thread takes the one
// optimiser step from their summed gradients; with 1 (the default on a GPU backend) all runs here.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkpointingFor } from '../config.js';
import type { WorkerPlan } from '../../parallel/count.js';
import { TensorPool } from '../../parallel/pool.js';
import { HostAdamW, HostGradients } from '../host-optim.js';
import { learningRateAt } from '../optim.js';
import type { MetricValues, TrainerCallbacks, TrainingResult } from '../types.js';
import { activeTerms, type EditorTrainingConfig } from './config.js';
import { checkpointDir, dirSize, HostEma, readEditorState, readEmaWeights, readOptimizerState, withWeights, writeEditorCheckpoint, type EditorTrainerState } from './checkpoint.js';
import { drawStep, type EditorPair } from './data.js';
import { loadEditorModels, writeTinyPipeline, type EditorModels } from './models.js';
import { emptyStepValues, microBatchStep } from './micro-step.js';
import { EditorDataParallel, planEditorWorkers } from './parallel.js';
import { TextFeatureCache } from './texts.js';
import { validationLosses } from './val-loss.js';
import { editMetrics, editSamples, type EditedSample } from './validation.js';

export interface EditorCallbacks extends TrainerCallbacks {
  /** the validation edits of a checkpoint (fixed samples; the training view's step slider) */
  onSamples?(step: number, samples: EditedSample[]): void | Promise<void>;
  /** With tensor workers: where the step's time went (ms) and each worker's CPU ms (benchmarks read it). */
  onWorkerTimings?(step: number, timings: Readonly<Record<string, number>>, workerCpuMs: readonly (number | null)[]): void;
}

export interface TrainEditorOptions {
  config: EditorTrainingConfig;
  pairs: readonly EditorPair[];
  outputDir: string;
  callbacks?: EditorCallbacks;
  /** a checkpoint folder of this run to continue from */
  resumeFrom?: string | null;
  /** tensor workers (default: planned from the config's `workers`, $RIC_ENGINE_WORKERS and the cores) */
  workers?: WorkerPlan;
  /** a running pool to use (and leave running) instead of starting one */
  pool?: TensorPool;
}

export interface EditorTrainingResult extends TrainingResult {
  pipelineDir: string;
  /** the last validation measures */
  validation: MetricValues | null;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

export async function trainEditor(o: TrainEditorOptions): Promise<EditorTrainingResult> {
  const c = o.config;
  const cb = o.callbacks ?? {};
  const log = (m: string) => cb.onLog?.('info', m);
  const train = o.pairs.filter((p) => p.split === 'train');
  if (train.length < 1) throw new Error('editor training needs at least one training pair');
  const valPool = o.pairs.filter((p) => p.split === 'val');
  const val = valPool.length ? valPool : train;
  if (!valPool.length) cb.onLog?.('warn', 'no validation pairs: the validation edits use training pairs');
  const terms = activeTerms(c);
  const resumed = o.resumeFrom ? readEditorState(o.resumeFrom) : null;
  const pipelineDir = resumed?.pipelineDir ?? c.pipeline ?? (await writeTinyPipeline(path.join(o.outputDir, 'base'), c.tiny_pipeline!, o.pairs.map((p) => p.instruction), c.seed));
  const checkpointing = checkpointingFor(c.gradient_checkpointing, tf.getBackend());
  const models = await loadEditorModels({
    config: c,
    pipelineDir,
    resumeUnet: o.resumeFrom ? path.join(o.resumeFrom, 'unet') : null,
    needRegion: terms.region > 0,
    needGlobal: terms.global > 0,
    checkpointing,
    log,
  });
  const extra: { dispose(): void }[] = [];
  let pool: TensorPool | null = null;
  let dp: EditorDataParallel | null = null;
  try {
    const { unet, codec, schedule } = models;
    const params = new Map(unet.params.names().map((n) => [n, unet.params.get(n)] as const));
    const keyByVar = new Map([...params].map(([n, v]) => [v.name, n]));
    const keyOf = (v: tf.Variable) => keyByVar.get(v.name) ?? v.name;
    const optimizer = new HostAdamW([...params.values()], { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weight_decay });
    const ema = c.ema.enabled ? new HostEma(c.ema.decay, resumed?.emaStep ?? 0) : null;
    const state: EditorTrainerState = { kind: 'editor', step: resumed?.step ?? 0, emaStep: resumed?.emaStep ?? 0, pipelineDir, config: c, losses: resumed?.losses ?? [] };
    if (o.resumeFrom) {
      optimizer.loadState(state.step, readOptimizerState(o.resumeFrom), keyOf);
      const shadow = ema ? readEmaWeights(o.resumeFrom) : null;
      if (ema && shadow) for (const [n, w] of shadow) ema.shadow.set(n, w);
      log(`resumed from ${o.resumeFrom} at step ${state.step}`);
    }
    log(
      `editor: ${train.length} training pairs, ${val.length} validation pairs; terms ${c.ablation}` +
        ` (λ_d ${terms.denoise}, λ_r ${terms.region}, λ_g ${terms.global}${terms.fusion ? '' : ', no fusion'}); ${unet.params.numParams().toLocaleString()} UNet parameters` +
        `${checkpointing ? '; gradient checkpointing on' : ''}; backend ${tf.getBackend()}`,
    );
    // Frozen text parts: the empty prompt (text dropout), t_r and t_f features cached by text.
    const texts = new TextFeatureCache(models);
    extra.push(texts);
    const latentShape = [codec.config.latent_channels, c.resolution / codec.downscale, c.resolution / codec.downscale] as [number, number, number];
    if (!Number.isInteger(latentShape[1])) throw new Error(`resolution ${c.resolution} is not a multiple of the autoencoder's downscale ${codec.downscale}`);
    const micro = c.micro_batch_size ?? c.batch_size;
    const plan = o.workers ?? planEditorWorkers(c, tf.getBackend(), o.resumeFrom ?? null);
    if (o.pool || (plan.workers > 1 && plan.backend)) {
      const started = performance.now();
      pool = o.pool ?? (await TensorPool.start({ workers: plan.workers, backend: plan.backend! }));
      dp = await EditorDataParallel.start(pool, { config: c, pipelineDir, resumeUnet: o.resumeFrom ? path.join(o.resumeFrom, 'unet') : null, checkpointing, params });
      log(`tensor workers: ${pool.size} on ${pool.backend} (${o.pool ? 'given pool' : plan.reason}), editors loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; each batch is split over them, one optimiser step`);
    } else log(`tensor workers: none, the trainer runs in-process (${plan.reason})`);
    const totalSteps = c.steps;
    const schedule0 = { lr: c.lr, warmupSteps: c.warmup_steps, totalSteps, minLrRatio: c.lr_schedule === 'constant' ? 1 : c.min_lr_ratio };
    let lastValidation: MetricValues | null = null;
    let lastCheckpoint: string | null = o.resumeFrom ?? null;
    let best = null as { score: number; dir: string } | null;
    const kept: string[] = [];
    let stopped = false;
    let stepSeconds = 0;

    const checkpoint = async () => {
      const dir = await writeEditorCheckpoint(o.outputDir, state, unet, params, optimizer, keyOf, ema);
      lastCheckpoint = dir;
      kept.push(dir);
      while (c.keep_checkpoints > 0 && kept.length > c.keep_checkpoints) fs.rmSync(kept.shift()!, { recursive: true, force: true });
      const validate = async () => {
        const parts = { unet, codec, textEncoder: models.textEncoder, tokenizer: models.tokenizer, schedulerDir: path.join(pipelineDir, 'scheduler') };
        // One pass: the shown samples are the first of the measured ones (same seed, same edits).
        const edits = await editSamples(parts, val.slice(0, Math.max(c.validation.samples, c.validation.metric_samples)), c);
        return { shown: edits.slice(0, c.validation.samples), metrics: editMetrics(c.validation.metric_samples > 0 ? edits.slice(0, c.validation.metric_samples) : edits) };
      };
      const edits = c.validation.samples > 0 || c.validation.metric_samples > 0 ? (ema ? await withWeights(params, ema.shadow, validate) : await validate()) : null;
      const losses = await validationLosses(models, texts, val, c, latentShape);
      const v = edits || Object.keys(losses).length ? { shown: edits?.shown ?? [], metrics: { ...edits?.metrics, ...losses } } : null;
      if (v) {
        lastValidation = v.metrics;
        if (Object.keys(v.metrics).length) await cb.onMetrics?.(state.step, v.metrics);
        if (v.shown.length) await cb.onSamples?.(state.step, v.shown);
      }
      const validationScore = v?.metrics['val_psnr_in'] ?? null;
      // The best so far by validation PSNR inside the mask (higher is better), as the embedding trainers mark theirs.
      const isBest = validationScore !== null && (best === null || validationScore > best.score);
      if (isBest) best = { score: validationScore, dir };
      await cb.onCheckpoint?.({ step: state.step, epoch: Math.floor((state.step * c.batch_size) / train.length), phase: 'editor', dir, size: dirSize(dir), validationScore, best: isBest, metrics: v?.metrics ?? {} });
    };

    // The fixed validation loss before the first step: the start of the val_loss_* curves.
    if (!o.resumeFrom) {
      const start = await validationLosses(models, texts, val, c, latentShape);
      if (Object.keys(start).length) await cb.onMetrics?.(0, start);
    }
    for (; state.step < totalSteps; ) {
      if (cb.shouldStop?.()) {
        stopped = true;
        break;
      }
      const started = performance.now();
      const draws = drawStep({ seed: c.seed, step: state.step, batch: c.batch_size, pairs: train.length, latentShape, numTrainTimesteps: schedule.numTrainTimesteps, dropout: c.conditioning_dropout, crop: true, flip: c.random_flip });
      const grads = new HostGradients();
      let values = emptyStepValues();
      if (dp) {
        const r = await dp.gradients(train, draws, c, latentShape);
        values = r.values;
        for (const [name, sum] of r.sums) grads.sums.set(name, sum);
      } else {
        const weights = { ...terms, normalizer: c.batch_size };
        const variables = [...params.values()];
        for (let m0 = 0; m0 < c.batch_size; m0 += micro) {
          await microBatchStep(models, texts, train, draws, { m0, n: Math.min(micro, c.batch_size - m0) }, c, latentShape, weights, variables, (g) => grads.add(g), values);
        }
      }
      // HostGradients is keyed by the variables' own names; HostAdamW looks them up the same way.
      const gradNorm = grads.clip(c.max_grad_norm);
      const lr = learningRateAt(schedule0, state.step);
      await optimizer.apply(grads.sums, lr);
      grads.clear();
      if (dp) {
        await dp.publish();
        cb.onWorkerTimings?.(state.step + 1, dp.timings, dp.workerCpuMs);
      }
      if (ema) await ema.update(params);
      state.step += 1;
      state.emaStep = ema?.step ?? 0;
      state.losses.push(values.total);
      stepSeconds = (performance.now() - started) / 1000;
      const metrics: MetricValues = { loss: values.total, loss_denoise: mean(values.denoise), lr, grad_norm: gradNorm, step_time_ms: stepSeconds * 1000, samples_per_s: c.batch_size / stepSeconds };
      if (values.region.length) metrics['loss_region'] = mean(values.region);
      if (values.global.length) metrics['loss_global'] = mean(values.global);
      if (terms.region > 0 && values.boxless) metrics['samples_without_box'] = values.boxless;
      await cb.onMetrics?.(state.step, metrics);
      cb.onProgress?.({ step: state.step, totalSteps, epoch: Math.floor((state.step * c.batch_size) / train.length), phase: 'editor', etaSeconds: stepSeconds * (totalSteps - state.step) });
      if (state.step % c.checkpoint_every === 0 || state.step === totalSteps) await checkpoint();
    }
    if (stopped && lastCheckpoint !== checkpointDir(o.outputDir, state.step)) await checkpoint();
    return { steps: state.step, epochs: Math.floor((state.step * c.batch_size) / train.length), stopped, finalCheckpoint: lastCheckpoint, bestCheckpoint: best?.dir ?? null, validation: lastValidation, losses: state.losses, pipelineDir };
  } finally {
    await dp?.dispose();
    if (pool && !o.pool) await pool.dispose();
    for (const e of extra) e.dispose();
    models.dispose();
  }
}

export type { EditorModels };
