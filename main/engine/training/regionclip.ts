// The Region-CLIP trainer (Sec. 3.2.1): pairs (region in context, region description t_r); crop =
// tight mask box on the target image (Eq. 6), e_r = CLIP tokens of the crop, e_f = CLIP tokens of the
// whole target, f_r = fusion (Eq. 7), symmetric contrastive loss against CLIP's text embedding of
// t_r (Eq. 11). Phase "fusion": CLIP frozen, the fusion module trains (paper: 50 epochs, AdamW, lr
// 1e-4, batch 64). Phase "joint": both train (20 epochs, lr 1e-5).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { RegionClip } from '../models/fusion/region-clip.js';
import { checkpointingFor, contrastiveTrainingSchema, optimizerStateFor, parseWith, phaseSchema, type PhaseConfig } from './config.js';
import { runContrastiveTraining, type ContrastiveTask } from './contrastive.js';
import { shareModel } from '../parallel/replica.js';
import type { ParallelTask, ReplicaSpec } from './devices.js';
import { clampBox, normalizationOf, type Normalization } from '../preprocess/index.js';
import { checkpointedMicroBatch, microBatchFor, TAPE_BUDGET_BYTES, tapeBytesPerImage } from './memory.js';
import { FeatureCache, featureRowFloats, RegionClipDevice, type RegionBatch, type RegionInputs } from './regionclip-device.js';
import { splitPairs } from './split.js';
import { planTrainingWorkers, withTrainingWorkers } from './workers.js';
import type { WorkerPlan } from '../parallel/count.js';
import type { TensorPool } from '../parallel/pool.js';
import { copyModelSideFiles, folderTextEncoder, writeWordTokenizer, type TextBatchEncoder } from './text.js';
import { loadImage, type RegionPair, type TrainerCallbacks, type TrainingResult } from './types.js';

export const regionClipTrainingSchema = contrastiveTrainingSchema.extend({
  batch_size: z.number().int().positive().default(64),
  /** A CLIPModel folder (e.g. openai/clip-vit-base-patch16); null only with the tiny preset. */
  base_model: z.string().nullable().default(null),
  fusion: z
    .object({ kernel_size: z.number().int().positive().default(3), num_heads: z.number().int().positive().default(8), pooling: z.enum(['cls', 'mean']).default('cls') })
    .prefault({}),
  phases: z
    .array(phaseSchema.extend({ name: z.enum(['fusion', 'joint']) }))
    .min(1)
    .default([
      { name: 'fusion', epochs: 50, lr: 1e-4 },
      { name: 'joint', epochs: 20, lr: 1e-5 },
    ]),
  /** CLIP's text window. */
  max_text_tokens: z.number().int().positive().default(77),
  /** Host memory for CLIP features cached while CLIP is frozen (phase "fusion"); 0 disables. */
  feature_cache_mb: z.number().nonnegative().default(2048),
  /** Set by `--preset tiny`: the tiny random CLIP this run starts from. */
  tiny_clip: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type RegionClipTrainingConfig = z.output<typeof regionClipTrainingSchema>;

export function parseRegionClipConfig(raw: unknown, source = 'Region-CLIP training config'): RegionClipTrainingConfig {
  return parseWith(regionClipTrainingSchema, raw, source);
}

export class RegionClipTask implements ContrastiveTask<RegionPair, RegionBatch>, ParallelTask<RegionPair> {
  /** The compute half on this thread's model (tensor workers run their own on replicas). */
  readonly device: RegionClipDevice;
  private readonly cache: FeatureCache;
  truncatedTexts = 0;

  constructor(
    readonly model: RegionClip,
    readonly tokenizer: TextBatchEncoder,
    /** The folder whose tokenizer/preprocessor files every checkpoint's clip/ gets. */
    readonly sideFilesDir: string,
    readonly options: { maxTextTokens: number; norm: Normalization; featureCacheBytes: number },
  ) {
    this.device = new RegionClipDevice(model, options.norm);
    this.cache = new FeatureCache(featureRowFloats(model), options.featureCacheBytes);
  }

  setPhase(phase: PhaseConfig): void {
    this.device.setPhase(phase);
    if (!this.device.frozen) this.cache.clear();
  }

  /**
   * Phase "fusion" trains on cached CLIP tokens: the whole batch at once. Phase "joint" back-propagates
   * through CLIP for a crop and a whole image per pair: as many pairs as keep the tape within budget
   * (tiny preset: all; ViT-B/16: 1 pair, with gradient checkpointing sized from the wasm heap left
   * after weights, moments and gradients: also 1 at ViT-B/16). Without checkpointing, at
   * ViT-B/16 size even one pair's tape plus weights, moments and gradients exceed the wasm backend's
   * 4 GiB heap (measured; BENCHMARKS.md) — which is why `gradient_checkpointing: auto` turns it on there.
   */
  defaultMicroBatch(phase: PhaseConfig): number | undefined {
    if (phase.name === 'fusion') return undefined;
    const v = this.model.clip.config.vision_config;
    if (this.model.clip.gradientCheckpointing) {
      return checkpointedMicroBatch(this.model.clip.params.numParams() + this.model.fusion.params.numParams(), tapeBytesPerImage(v, { checkpointing: true }), 2);
    }
    return microBatchFor(TAPE_BUDGET_BYTES, tapeBytesPerImage(v), 2);
  }

  trainableParams(): Map<string, tf.Variable> {
    return this.device.trainableParams();
  }

  textTrainable(): boolean {
    return this.device.textTrainable();
  }

  textOf(pair: RegionPair): string {
    return pair.text;
  }

  /** Decoded images, boxes (Eq. 6) and token ids of the pairs. */
  private async pixelInputs(pairs: readonly RegionPair[]): Promise<Pick<RegionInputs, 'images' | 'boxes' | 'texts'>> {
    const images = await Promise.all(pairs.map((p) => loadImage(p.target)));
    const boxes = pairs.map((p, i) => clampBox(p.box, images[i]!.width, images[i]!.height, `sample ${p.id}`));
    const encoded = this.tokenizer.encode(pairs.map((p) => p.text));
    this.truncatedTexts += encoded.truncated;
    return { images, boxes, texts: { inputIds: encoded.inputIds, attentionMask: encoded.attentionMask, shape: encoded.shape } };
  }

  /**
   * A micro-batch's inputs as plain data. With CLIP frozen (and for evaluation) each pair is a cached
   * feature row or computed and kept (while the cache budget lasts); `commit` marks the rows computed
   * once the device that computed them has finished.
   */
  async inputs(pairs: readonly RegionPair[], purpose: 'train' | 'eval'): Promise<{ inputs: RegionInputs; commit(): void }> {
    if (!this.device.frozen && purpose === 'train') return { inputs: { mode: 'inputs', size: pairs.length, ...(await this.pixelInputs(pairs)), rows: [] }, commit: () => undefined };
    const rows: RegionInputs['rows'] = [];
    const missing: RegionPair[] = [];
    const stored: string[] = [];
    for (const p of pairs) {
      const cached = this.device.frozen ? this.cache.cached(p.id) : undefined;
      if (cached) {
        rows.push({ cached });
        continue;
      }
      const store = this.device.frozen ? this.cache.reserve(p.id) : null;
      if (store) stored.push(p.id);
      rows.push({ compute: missing.length, store });
      missing.push(p);
    }
    const computed = missing.length > 0 ? await this.pixelInputs(missing) : { images: [], boxes: [], texts: { inputIds: new Int32Array(0), attentionMask: new Int32Array(0), shape: [0, 0] as [number, number] } };
    return { inputs: { mode: 'features', size: pairs.length, ...computed, rows }, commit: () => this.cache.commit(stored) };
  }

  async makeBatch(pairs: readonly RegionPair[], purpose: 'train' | 'eval'): Promise<RegionBatch> {
    const { inputs, commit } = await this.inputs(pairs, purpose);
    const batch = await this.device.batch(inputs);
    commit();
    return batch;
  }

  imageEmbeddings(b: RegionBatch): tf.Tensor2D {
    return this.device.imageEmbeddings(b);
  }

  textEmbeddings(b: RegionBatch): tf.Tensor2D {
    return this.device.textEmbeddings(b);
  }

  /** What a tensor worker builds: CLIP and the fusion module from shared weights, and their settings. */
  async replica(): Promise<ReplicaSpec> {
    return {
      kind: 'regionclip',
      models: [await shareModel('clip', this.model.clipConfigJson, this.model.clip.params), await shareModel('fusion', { ...this.model.fusion.config }, this.model.fusion.params)],
      options: { norm: this.options.norm, gradientCheckpointing: this.model.clip.gradientCheckpointing },
    };
  }

  async saveModels(dir: string): Promise<void> {
    await this.model.save(dir);
    copyModelSideFiles(this.sideFilesDir, path.join(dir, 'clip'));
  }
}

/** The tiny CLIP of `--preset tiny` (config.json form) for a tokenizer of `vocabSize` words. */
export function tinyClipConfig(vocabSize: number): Record<string, unknown> {
  return {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: 32,
    logit_scale_init_value: 2.6592,
    text_config: { vocab_size: vocabSize, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 32, bos_token_id: 2, eos_token_id: 3, pad_token_id: 0, hidden_act: 'quick_gelu' },
    vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 32, patch_size: 8, hidden_act: 'quick_gelu' },
  };
}

export interface TrainRegionClipOptions {
  config: RegionClipTrainingConfig;
  pairs: readonly RegionPair[];
  outputDir: string;
  callbacks?: TrainerCallbacks;
  /** A checkpoint folder of an earlier run with the same config. */
  resumeFrom?: string | null;
  /** Tensor workers: a plan made before (the engine host records it on the run), else planned here from the config. */
  workers?: WorkerPlan;
  /** Run on this pool (not disposed here; tests use it to end a worker mid-run). */
  pool?: TensorPool;
}

export async function trainRegionClip(opts: TrainRegionClipOptions): Promise<TrainingResult & { truncatedTexts: number; split: 'dataset' | 'holdout' }> {
  const c = opts.config;
  const { train, val, source } = splitPairs(opts.pairs, c.val_fraction, c.seed);
  opts.callbacks?.onLog?.('info', `Region-CLIP: ${train.length} training pairs, ${val.length} validation pairs (${source === 'dataset' ? "the dataset's split" : `seeded hold-out of ${c.val_fraction}`})`);
  let model: RegionClip;
  let sideFilesDir: string;
  if (opts.resumeFrom) {
    model = await RegionClip.load(opts.resumeFrom, { trainable: true });
    sideFilesDir = path.join(opts.resumeFrom, 'clip');
  } else if (c.base_model) {
    model = await RegionClip.fromClip(c.base_model, c.fusion, c.seed);
    sideFilesDir = c.base_model;
  } else if (c.tiny_clip) {
    // The tiny preset trains from scratch: a word tokenizer over this dataset's texts, a random CLIP.
    sideFilesDir = path.join(opts.outputDir, 'base', 'clip');
    const { vocabSize } = writeWordTokenizer(sideFilesDir, opts.pairs.map((p) => p.text), c.max_text_tokens);
    model = RegionClip.random({ ...c.tiny_clip, text_config: { ...(c.tiny_clip.text_config as object), vocab_size: vocabSize } }, c.fusion, c.seed);
  } else {
    throw new Error('Region-CLIP training needs base_model (a CLIP folder) or the tiny preset');
  }
  try {
    const t = model.clip.config.text_config;
    const maxTextTokens = Math.min(c.max_text_tokens, t.max_position_embeddings);
    model.clip.gradientCheckpointing = checkpointingFor(c.gradient_checkpointing, tf.getBackend());
    if (model.clip.gradientCheckpointing) opts.callbacks?.onLog?.('info', `gradient checkpointing on (${c.gradient_checkpointing}, backend ${tf.getBackend()}): CLIP's encoder layers are recomputed in the backward`);
    const task = new RegionClipTask(model, folderTextEncoder(sideFilesDir, maxTextTokens, t.pad_token_id), sideFilesDir, {
      maxTextTokens,
      norm: normalizationOf(sideFilesDir),
      featureCacheBytes: c.feature_cache_mb * 1024 * 1024,
    });
    if (optimizerStateFor(c.optimizer_state, tf.getBackend()) === 'host') opts.callbacks?.onLog?.('info', `optimizer state on the host (${c.optimizer_state}, backend ${tf.getBackend()}): AdamW moments and the gradient sum live in Node memory, not on the backend`);
    const plan = opts.workers ?? planTrainingWorkers('regionclip', c, tf.getBackend(), opts.resumeFrom ?? null);
    const result = await withTrainingWorkers(task, plan, { pool: opts.pool, onLog: opts.callbacks?.onLog }, (parallel) =>
      runContrastiveTraining({ task, train, val, config: c, phases: c.phases, outputDir: opts.outputDir, callbacks: opts.callbacks, resumeFrom: opts.resumeFrom ?? null, parallel }),
    );
    if (task.truncatedTexts > 0) opts.callbacks?.onLog?.('warn', `${task.truncatedTexts} region descriptions were longer than ${c.max_text_tokens} tokens and were truncated`);
    return { ...result, truncatedTexts: task.truncatedTexts, split: source };
  } finally {
    model.dispose();
  }
}
