// The contrastive training loop both embedding trainers run (Sec. 3.2.1): read the phases, build the
// optimiser, loop over seeded epochs, step, evaluate retrieval on the validation split, checkpoint.
// A task (Region-CLIP, BLIP) says how pairs become image and text embeddings; this file owns the
// optimisation and everything a run records.
//
// Micro-batches are exact (gradient caching, gradient-caching.ts), whether one thread runs them or
// the tensor workers do (`parallel`: parallel/data-parallel.ts): the same loss curve either way.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { DataParallel } from '../parallel/data-parallel.js';
import { optimizerStateFor, type ContrastiveTrainingConfig, type PhaseConfig } from './config.js';
import { chunk, readScalars } from './gradient-caching.js';
import type { HostArray } from './host-optim.js';
import { l2Normalize, LearnedTemperature, symmetricContrastiveLoss } from './losses.js';
import { epochOrder, learningRateAt } from './optim.js';
import { phaseOptimizer, type PhaseOptimizer } from './phase-optimizer.js';
import { chanceRecallAt1, retrievalRecall } from './retrieval.js';
import type { MetricValues, TrainerCallbacks, TrainingResult } from './types.js';

/** Model inputs for a few pairs, made outside any gradient tape (pixels, token ids, frozen features). */
export interface PreparedBatch {
  readonly size: number;
  dispose(): void;
}

export interface ContrastiveTask<P, B extends PreparedBatch = PreparedBatch> {
  /** Configures which parameters train in this phase (and any caching that allows). */
  setPhase(phase: PhaseConfig): void;
  /** The trainable parameters of the current phase, by checkpoint key ("fusion/gate.weight"). */
  trainableParams(): Map<string, tf.Variable>;
  /** Whether the text side has trainable parameters in this phase (else its tape pass is skipped). */
  textTrainable(): boolean;
  /** Loads and encodes the pairs (images, tokens) into one batch. */
  makeBatch(pairs: readonly P[], purpose: 'train' | 'eval'): Promise<B>;
  imageEmbeddings(batch: B): tf.Tensor2D;
  textEmbeddings(batch: B): tf.Tensor2D;
  /** The text of a pair (equal texts are interchangeable matches in retrieval). */
  textOf(pair: P): string;
  /** Micro-batch size when the config sets none (e.g. small while big encoders train, whole batch on cached features). */
  defaultMicroBatch?(phase: PhaseConfig): number | undefined;
  /** Writes the models of a checkpoint in the HF layout into `dir`. */
  saveModels(dir: string): Promise<void>;
}

export interface ContrastiveRunOptions<P> {
  task: ContrastiveTask<P>;
  train: readonly P[];
  val: readonly P[];
  config: ContrastiveTrainingConfig;
  phases: readonly PhaseConfig[];
  /** Checkpoints go to `<outputDir>/checkpoint-<step>/`. */
  outputDir: string;
  callbacks?: TrainerCallbacks;
  /** A checkpoint folder to continue from (its models must already be loaded into the task). */
  resumeFrom?: string | null;
  /** Run the micro-batches on the tensor workers (the task's replica already loaded there). */
  parallel?: DataParallel<P> | null;
}

/** Where a run stands; saved as trainer_state.json in every checkpoint. */
export interface TrainerState {
  step: number;
  phaseIndex: number;
  /** Epoch within the phase. */
  epoch: number;
  /** The next batch of that epoch. */
  batch: number;
  optimizerStep: number;
  logScale: number | null;
  losses: number[];
  validation: MetricValues | null;
  seed: number;
}

const STATE_FILE = 'trainer_state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';

/** Batches of an epoch: the last is dropped when it would hold a single pair (no negatives). */
function batchesOf(order: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  if (out.length > 1 && out[out.length - 1]!.length < 2) out.pop();
  return out;
}

/**
 * Retrieval on the validation pairs: recall@1/5 both ways, the chance level, and the loss. `embed`
 * gives the chunks' raw embeddings when another thread computes them (the tensor workers).
 */
export async function evaluateRetrieval<P>(
  task: ContrastiveTask<P>,
  val: readonly P[],
  batchSize: number,
  scale: number,
  embed?: (pairs: readonly P[], chunkSize: number) => Promise<{ z: tf.Tensor2D; t: tf.Tensor2D }[]>,
): Promise<MetricValues> {
  if (val.length < 2) throw new Error(`validation needs at least 2 pairs, got ${val.length}`);
  const raw: { z: tf.Tensor2D; t: tf.Tensor2D }[] = [];
  if (embed) raw.push(...(await embed(val, batchSize)));
  else {
    for (const c of chunk(val, batchSize)) {
      const b = await task.makeBatch(c, 'eval');
      try {
        raw.push({ z: tf.tidy(() => task.imageEmbeddings(b)), t: tf.tidy(() => task.textEmbeddings(b)) });
      } finally {
        b.dispose();
      }
    }
  }
  const zs = raw.map((r) => tf.tidy(() => l2Normalize(r.z)));
  const ts = raw.map((r) => tf.tidy(() => l2Normalize(r.t)));
  tf.dispose(raw.flatMap((r) => [r.z, r.t]));
  const out = tf.tidy(() => {
    const z = tf.concat(zs) as tf.Tensor2D;
    const t = tf.concat(ts) as tf.Tensor2D;
    return { sim: tf.matMul(z, tf.transpose(t)), loss: symmetricContrastiveLoss(z, t, scale, { normalized: true }).loss };
  });
  tf.dispose([...zs, ...ts]);
  const sim = (await out.sim.data()) as Float32Array;
  const [loss] = await readScalars([out.loss]);
  tf.dispose([out.sim, out.loss]);
  const groups = val.map((p) => task.textOf(p));
  const r = retrievalRecall(sim, val.length, groups);
  return {
    val_r1: r.r1,
    val_r5: r.r5,
    val_i2t_r1: r.imageToText.r1,
    val_t2i_r1: r.textToImage.r1,
    val_i2t_r5: r.imageToText.r5,
    val_t2i_r5: r.textToImage.r5,
    val_chance_r1: chanceRecallAt1(val.length, groups),
    val_loss: loss!,
    val_pairs: val.length,
  };
}

export function readTrainerState(dir: string): TrainerState {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) throw new Error(`${dir}: not a training checkpoint (no ${STATE_FILE})`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TrainerState;
}

function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirSize(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size;
  return n;
}

export async function runContrastiveTraining<P>(opts: ContrastiveRunOptions<P>): Promise<TrainingResult> {
  const { task, train, val, config: c, phases, callbacks: cb = {} } = opts;
  if (train.length < 2) throw new Error(`training needs at least 2 pairs, got ${train.length}`);
  const temperature = c.temperature.kind === 'learned' ? new LearnedTemperature(c.temperature.init_tau, c.temperature.max_scale) : null;
  const fixedScale = c.temperature.kind === 'fixed' ? 1 / c.temperature.tau : 0;
  const scale = () => (temperature ? temperature.scale() : fixedScale);
  const scaleValue = async () => (temperature ? 1 / (await temperature.readTau()) : fixedScale);
  const tau = async () => (temperature ? await temperature.readTau() : 1 / fixedScale);

  let state: TrainerState = { step: 0, phaseIndex: 0, epoch: 0, batch: 0, optimizerStep: 0, logScale: null, losses: [], validation: null, seed: c.seed };
  let restoredMoments: Map<string, HostArray> | null = null;
  if (opts.resumeFrom) {
    state = readTrainerState(opts.resumeFrom);
    const logScale = state.logScale;
    if (temperature && logScale !== null) tf.tidy(() => temperature.logScale.assign(tf.scalar(logScale)));
    const file = path.join(opts.resumeFrom, OPTIMIZER_FILE);
    if (fs.existsSync(file)) restoredMoments = new Map([...readSafetensors(file)].map(([k, h]) => [k, { shape: h.shape, values: Float32Array.from(h.values) }]));
    cb.onLog?.('info', `resuming from ${opts.resumeFrom} at step ${state.step} (phase ${phases[state.phaseIndex]?.name ?? 'done'}, epoch ${state.epoch + 1}, batch ${state.batch + 1})`);
  }

  const stepsPerEpoch = batchesOf(epochOrder(train.length, 0, 0), c.batch_size).length;
  const plannedSteps = phases.reduce((s, p) => s + p.epochs * stepsPerEpoch, 0);
  const totalSteps = c.max_steps > 0 ? Math.min(c.max_steps, plannedSteps) : plannedSteps;
  const checkpoints: string[] = [];
  let lastCheckpoint: string | null = null;
  let stopped = false;
  let stepSeconds = 0;

  async function checkpoint(phase: PhaseConfig, opt: PhaseOptimizer): Promise<void> {
    const dir = path.join(opts.outputDir, `checkpoint-${String(state.step).padStart(6, '0')}`);
    opt.syncModels();
    await task.saveModels(dir);
    const host = await opt.stateArrays();
    writeSafetensors(path.join(dir, OPTIMIZER_FILE), host);
    state.optimizerStep = opt.step;
    state.logScale = temperature ? (await readScalars([temperature.logScale]))[0]! : null;
    fs.writeFileSync(path.join(dir, STATE_FILE), `${JSON.stringify({ ...state, phase: phase.name, config: c, phases }, null, 2)}\n`);
    lastCheckpoint = dir;
    if (!checkpoints.includes(dir)) checkpoints.push(dir);
    while (c.keep_checkpoints > 0 && checkpoints.length > c.keep_checkpoints) fs.rmSync(checkpoints.shift()!, { recursive: true, force: true });
    await cb.onCheckpoint?.({ step: state.step, epoch: state.epoch, phase: phase.name, dir, size: dirSize(dir), validationScore: state.validation?.val_r1 ?? null, metrics: state.validation ?? {} });
  }

  try {
    for (; state.phaseIndex < phases.length && !stopped; state.phaseIndex++, state.epoch = 0, state.batch = 0) {
      const phase = phases[state.phaseIndex]!;
      task.setPhase(phase);
      const params = task.trainableParams();
      const keyByName = new Map([...params].map(([k, v]) => [v.name, k]));
      const keyOf = (v: tf.Variable) => (temperature && v === temperature.logScale ? 'temperature/logit_scale' : (keyByName.get(v.name) ?? v.name));
      const variables = [...params.values()];
      const adamW = { lr: phase.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weight_decay };
      const optimizerState = optimizerStateFor(c.optimizer_state, tf.getBackend());
      const opt = await phaseOptimizer({ task, phase, variables, temperature, scale, keyOf, adamW, state: optimizerState, parallel: opts.parallel ?? null });
      // A checkpoint taken at a phase boundary resumes with the next phase's fresh optimiser.
      if (restoredMoments && (state.epoch > 0 || state.batch > 0)) opt.loadState(state.optimizerStep, restoredMoments);
      restoredMoments = null;
      // Micro-batch: the config's, else the task's default for this phase (sized for the wasm heap).
      const micro = Math.min(c.micro_batch_size ?? task.defaultMicroBatch?.(phase) ?? c.batch_size, c.batch_size);
      const phaseSteps = phase.epochs * stepsPerEpoch;
      const schedule = { lr: phase.lr, warmupSteps: Math.round(c.warmup_ratio * phaseSteps), totalSteps: phaseSteps, minLrRatio: c.min_lr_ratio };
      cb.onLog?.('info', `phase ${phase.name}: ${phase.epochs} epochs × ${stepsPerEpoch} steps, lr ${phase.lr}, ${variables.length} trainable tensors`);
      try {
        for (; state.epoch < phase.epochs && !stopped; state.epoch++, state.batch = 0) {
          const batches = batchesOf(epochOrder(train.length, c.seed + 7919 * state.phaseIndex, state.epoch), c.batch_size);
          for (; state.batch < batches.length; state.batch++) {
            if (c.max_steps > 0 && state.step >= c.max_steps) {
              stopped = true;
              break;
            }
            if (cb.shouldStop?.()) {
              stopped = true;
              break;
            }
            const started = performance.now();
            const pairs = batches[state.batch]!.map((i) => train[i]!);
            const out = await opt.gradients(pairs, micro);
            const phaseStep = state.epoch * stepsPerEpoch + state.batch;
            const lr = learningRateAt(schedule, phaseStep);
            if (!Number.isFinite(out.loss)) {
              opt.discard();
              throw new Error(`loss became ${out.loss} at step ${state.step + 1}: lower the learning rate or check the data`);
            }
            const gradNorm = await opt.apply(lr, c.max_grad_norm);
            const seconds = (performance.now() - started) / 1000;
            stepSeconds = stepSeconds === 0 ? seconds : 0.9 * stepSeconds + 0.1 * seconds;
            state.step += 1;
            state.losses.push(out.loss);
            await cb.onMetrics?.(state.step, {
              loss: out.loss,
              loss_i2t: out.imageToText,
              loss_t2i: out.textToImage,
              lr,
              grad_norm: gradNorm,
              tau: await tau(),
              step_time_ms: seconds * 1000,
              samples_per_s: pairs.length / seconds,
              epoch: state.epoch + state.batch / batches.length,
              phase: state.phaseIndex,
            });
            cb.onProgress?.({ step: state.step, totalSteps, epoch: state.epoch, phase: phase.name, etaSeconds: stepSeconds * Math.max(0, totalSteps - state.step) });
            if (c.checkpoint_every_steps > 0 && state.step % c.checkpoint_every_steps === 0) {
              const next = { ...state, batch: state.batch + 1 };
              const saved = state;
              state = next;
              await checkpoint(phase, opt);
              state = saved;
            }
          }
          if (stopped) break;
          const lastEpoch = state.epoch + 1 === phase.epochs;
          if (val.length >= 2 && ((state.epoch + 1) % c.eval_every_epochs === 0 || lastEpoch)) {
            state.validation = await evaluateRetrieval(task, val, c.eval_batch_size, await scaleValue(), opt.embeddings);
            await cb.onMetrics?.(state.step, state.validation);
            cb.onLog?.('info', `step ${state.step} (${phase.name} epoch ${state.epoch + 1}): val recall@1 ${state.validation.val_r1!.toFixed(3)} (chance ${state.validation.val_chance_r1!.toFixed(3)}), recall@5 ${state.validation.val_r5!.toFixed(3)}`);
          }
          if ((state.epoch + 1) % c.checkpoint_every_epochs === 0 || lastEpoch) {
            const saved = { ...state };
            state = { ...state, epoch: state.epoch + 1, batch: 0 };
            if (lastEpoch) state = { ...state, phaseIndex: state.phaseIndex + 1, epoch: 0 };
            await checkpoint(phase, opt);
            state = saved;
          }
        }
        if (stopped && state.step > 0) {
          if (val.length >= 2) {
            state.validation = await evaluateRetrieval(task, val, c.eval_batch_size, await scaleValue(), opt.embeddings);
            await cb.onMetrics?.(state.step, state.validation);
          }
          await checkpoint(phase, opt);
        }
      } finally {
        opt.dispose();
      }
    }
  } finally {
    temperature?.dispose();
  }
  return { steps: state.step, epochs: state.epoch, stopped, finalCheckpoint: lastCheckpoint, validation: state.validation, losses: state.losses };
}
