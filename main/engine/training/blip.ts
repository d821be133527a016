// The BLIP trainer (Sec. 3.2.1): (target image, scene description t_f) pairs, the symmetric
// contrastive loss (Eq. 11) on BLIP's ITC features (vision_proj / text_proj of the class tokens);
// paper: blip-itm-base-coco, AdamW, lr 1e-5, batch 32, 20 epochs, texts up to 512 tokens.
// The ITM head and the text encoder's cross-attention get no gradient from this loss and stay as
// loaded; they are saved unchanged so the checkpoint is a whole BlipForImageTextRetrieval.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { BlipForImageTextRetrieval, type BlipConfigInput } from '../models/blip/index.js';
import { fromPretrained } from '../models/registry.js';
import { checkpointingFor, contrastiveTrainingSchema, optimizerStateFor, parseWith, phaseSchema, type PhaseConfig } from './config.js';
import { runContrastiveTraining, type ContrastiveTask } from './contrastive.js';
import { shareModel } from '../parallel/replica.js';
import { BlipDevice, type SceneBatch, type SceneInputs } from './blip-device.js';
import type { ParallelTask, ReplicaSpec } from './devices.js';
import { normalizationOf, type Normalization } from '../preprocess/index.js';
import { checkpointedMicroBatch, microBatchFor, TAPE_BUDGET_BYTES, tapeBytesPerImage } from './memory.js';
import { splitPairs } from './split.js';
import { planTrainingWorkers, withTrainingWorkers } from './workers.js';
import type { WorkerPlan } from '../parallel/count.js';
import type { TensorPool } from '../parallel/pool.js';
import { copyModelSideFiles, folderTextEncoder, writeWordTokenizer, type TextBatchEncoder } from './text.js';
import { loadImage, type ScenePair, type TrainerCallbacks, type TrainingResult } from './types.js';

export const blipTrainingSchema = contrastiveTrainingSchema.extend({
  batch_size: z.number().int().positive().default(32),
  /** A BlipForImageTextRetrieval folder (e.g. Salesforce/blip-itm-base-coco); null only with the tiny preset. */
  base_model: z.string().nullable().default(null),
  phases: z.array(phaseSchema).min(1).default([{ name: 'blip', epochs: 20, lr: 1e-5 }]),
  /** BLIP's text window (scene descriptions are long). */
  max_text_tokens: z.number().int().positive().default(512),
  /** Set by `--preset tiny`: the tiny random BLIP this run starts from. */
  tiny_blip: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type BlipTrainingConfig = z.output<typeof blipTrainingSchema>;

export function parseBlipTrainingConfig(raw: unknown, source = 'BLIP training config'): BlipTrainingConfig {
  return parseWith(blipTrainingSchema, raw, source);
}

export class BlipTask implements ContrastiveTask<ScenePair, SceneBatch>, ParallelTask<ScenePair> {
  /** The compute half on this thread's model (tensor workers run their own on replicas). */
  readonly device: BlipDevice;
  truncatedTexts = 0;

  constructor(
    readonly model: BlipForImageTextRetrieval,
    readonly tokenizer: TextBatchEncoder,
    readonly sideFilesDir: string,
    readonly options: { maxTextTokens: number; norm: Normalization },
  ) {
    this.device = new BlipDevice(model, options.norm);
  }

  setPhase(phase: PhaseConfig): void {
    this.device.setPhase(phase);
  }

  /**
   * The whole BLIP trains: as many pairs as keep the vision tape within budget (blip-itm-base at 384 px:
   * 1). At that size weights + AdamW moments + gradients alone are ~3.6 GB: on wasm it fits only with
   * `optimizer_state: host` (the default there; BENCHMARKS.md, Issue 4).
   */
  defaultMicroBatch(): number {
    const v = this.model.config.vision_config;
    if (this.model.gradientCheckpointing) return checkpointedMicroBatch(this.model.params.numParams(), tapeBytesPerImage(v, { checkpointing: true }), 1);
    return microBatchFor(TAPE_BUDGET_BYTES, tapeBytesPerImage(v), 1);
  }

  trainableParams(): Map<string, tf.Variable> {
    return this.device.trainableParams();
  }

  textTrainable(): boolean {
    return true;
  }

  textOf(pair: ScenePair): string {
    return pair.text;
  }

  /** Decoded images and token ids of a micro-batch (plain data: crosses to a tensor worker). */
  async inputs(pairs: readonly ScenePair[]): Promise<{ inputs: SceneInputs; commit(): void }> {
    const images = await Promise.all(pairs.map((p) => loadImage(p.target)));
    const encoded = this.tokenizer.encode(pairs.map((p) => p.text));
    this.truncatedTexts += encoded.truncated;
    return { inputs: { images, texts: { inputIds: encoded.inputIds, attentionMask: encoded.attentionMask, shape: encoded.shape } }, commit: () => undefined };
  }

  async makeBatch(pairs: readonly ScenePair[]): Promise<SceneBatch> {
    return this.device.batch((await this.inputs(pairs)).inputs);
  }

  imageEmbeddings(b: SceneBatch): tf.Tensor2D {
    return this.device.imageEmbeddings(b);
  }

  textEmbeddings(b: SceneBatch): tf.Tensor2D {
    return this.device.textEmbeddings(b);
  }

  async replica(): Promise<ReplicaSpec> {
    return {
      kind: 'blip',
      models: [await shareModel('blip', { ...this.model.config }, this.model.params)],
      options: { norm: this.options.norm, gradientCheckpointing: this.model.gradientCheckpointing },
    };
  }

  async saveModels(dir: string): Promise<void> {
    await this.model.save(dir);
    copyModelSideFiles(this.sideFilesDir, dir);
  }
}

/** The tiny BLIP of `--preset tiny` for a tokenizer of `vocabSize` words. */
export function tinyBlipConfig(vocabSize: number): BlipConfigInput & Record<string, unknown> {
  return {
    model_type: 'blip',
    architectures: ['BlipForImageTextRetrieval'],
    image_text_hidden_size: 32,
    projection_dim: 32,
    text_config: { vocab_size: vocabSize, hidden_size: 32, encoder_hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 64, pad_token_id: 0, bos_token_id: 2, sep_token_id: 3, eos_token_id: 3 },
    vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 32, patch_size: 8 },
  };
}

export interface TrainBlipOptions {
  config: BlipTrainingConfig;
  pairs: readonly ScenePair[];
  outputDir: string;
  callbacks?: TrainerCallbacks;
  resumeFrom?: string | null;
  /** Tensor workers: a plan made before (the engine host records it on the run), else planned here from the config. */
  workers?: WorkerPlan;
  /** Run on this pool (not disposed here; tests use it to end a worker mid-run). */
  pool?: TensorPool;
}

export async function trainBlip(opts: TrainBlipOptions): Promise<TrainingResult & { truncatedTexts: number; split: 'dataset' | 'holdout' }> {
  const c = opts.config;
  const { train, val, source } = splitPairs(opts.pairs, c.val_fraction, c.seed);
  opts.callbacks?.onLog?.('info', `BLIP: ${train.length} training pairs, ${val.length} validation pairs (${source === 'dataset' ? "the dataset's split" : `seeded hold-out of ${c.val_fraction}`})`);
  let model: BlipForImageTextRetrieval;
  let sideFilesDir: string;
  if (opts.resumeFrom || c.base_model) {
    sideFilesDir = opts.resumeFrom ?? c.base_model!;
    model = await fromPretrained<BlipForImageTextRetrieval>(sideFilesDir, { trainable: true });
  } else if (c.tiny_blip) {
    sideFilesDir = path.join(opts.outputDir, 'base');
    const maxPos = Number((c.tiny_blip.text_config as { max_position_embeddings?: number } | undefined)?.max_position_embeddings ?? 64);
    const { vocabSize } = writeWordTokenizer(sideFilesDir, opts.pairs.map((p) => p.text), Math.min(c.max_text_tokens, maxPos));
    model = BlipForImageTextRetrieval.random({ ...c.tiny_blip, text_config: { ...(c.tiny_blip.text_config as object), vocab_size: vocabSize } }, c.seed);
  } else {
    throw new Error('BLIP training needs base_model (a BlipForImageTextRetrieval folder) or the tiny preset');
  }
  try {
    const t = model.config.text_config;
    const maxTextTokens = Math.min(c.max_text_tokens, t.max_position_embeddings);
    model.gradientCheckpointing = checkpointingFor(c.gradient_checkpointing, tf.getBackend());
    if (model.gradientCheckpointing) opts.callbacks?.onLog?.('info', `gradient checkpointing on (${c.gradient_checkpointing}, backend ${tf.getBackend()}): BLIP's encoder layers are recomputed in the backward`);
    const task = new BlipTask(model, folderTextEncoder(sideFilesDir, maxTextTokens, t.pad_token_id), sideFilesDir, {
      maxTextTokens,
      norm: normalizationOf(sideFilesDir),
    });
    if (optimizerStateFor(c.optimizer_state, tf.getBackend()) === 'host') opts.callbacks?.onLog?.('info', `optimizer state on the host (${c.optimizer_state}, backend ${tf.getBackend()}): AdamW moments and the gradient sum live in Node memory, not on the backend`);
    const plan = opts.workers ?? planTrainingWorkers('blip', c, tf.getBackend(), opts.resumeFrom ?? null);
    const result = await withTrainingWorkers(task, plan, { pool: opts.pool, onLog: opts.callbacks?.onLog }, (parallel) =>
      runContrastiveTraining({ task, train, val, config: c, phases: c.phases, outputDir: opts.outputDir, callbacks: opts.callbacks, resumeFrom: opts.resumeFrom ?? null, parallel }),
    );
    if (task.truncatedTexts > 0) opts.callbacks?.onLog?.('warn', `${task.truncatedTexts} scene descriptions were longer than ${task.options.maxTextTokens} tokens and were truncated`);
    return { ...result, truncatedTexts: task.truncatedTexts, split: source };
  } finally {
    model.dispose();
  }
}
