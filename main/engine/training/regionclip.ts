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
import { runContrastiveTraining, type ContrastiveTask, type PreparedBatch } from './contrastive.js';
import { clampBox, normalizationOf, pixelBatch, type Normalization } from '../preprocess/index.js';
import { checkpointedMicroBatch, microBatchFor, TAPE_BUDGET_BYTES, tapeBytesPerImage } from './memory.js';
import { splitPairs } from './split.js';
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

interface RegionBatch extends PreparedBatch {
  /** Frozen-CLIP path: features computed outside the tape. */
  eR?: tf.Tensor;
  eF?: tf.Tensor;
  text?: tf.Tensor2D;
  /** Joint path: model inputs. */
  crop?: tf.Tensor4D;
  full?: tf.Tensor4D;
  ids?: tf.Tensor2D;
  mask?: tf.Tensor2D;
}

interface CachedFeatures {
  eR: Float32Array;
  eF: Float32Array;
  text: Float32Array;
}

export class RegionClipTask implements ContrastiveTask<RegionPair, RegionBatch> {
  private clipFrozen = true;
  private readonly cache = new Map<string, CachedFeatures>();
  private cacheBytes = 0;
  truncatedTexts = 0;

  constructor(
    readonly model: RegionClip,
    readonly tokenizer: TextBatchEncoder,
    /** The folder whose tokenizer/preprocessor files every checkpoint's clip/ gets. */
    readonly sideFilesDir: string,
    readonly options: { maxTextTokens: number; norm: Normalization; featureCacheBytes: number },
  ) {}

  setPhase(phase: PhaseConfig): void {
    this.clipFrozen = phase.name === 'fusion';
    this.model.clip.params.setTrainable(!this.clipFrozen);
    this.model.fusion.params.setTrainable(true);
    if (!this.clipFrozen) this.clearCache();
  }

  private clearCache(): void {
    this.cache.clear();
    this.cacheBytes = 0;
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
    const out = new Map<string, tf.Variable>();
    for (const n of this.model.fusion.params.names()) out.set(`fusion/${n}`, this.model.fusion.params.get(n));
    if (!this.clipFrozen) for (const n of this.model.clip.params.names()) out.set(`clip/${n}`, this.model.clip.params.get(n));
    return out;
  }

  textTrainable(): boolean {
    return !this.clipFrozen;
  }

  textOf(pair: RegionPair): string {
    return pair.text;
  }

  private async inputs(pairs: readonly RegionPair[]) {
    const size = this.model.clip.config.vision_config.image_size;
    const images = await Promise.all(pairs.map((p) => loadImage(p.target)));
    const boxes = pairs.map((p, i) => clampBox(p.box, images[i]!.width, images[i]!.height, `sample ${p.id}`));
    const encoded = this.tokenizer.encode(pairs.map((p) => p.text));
    this.truncatedTexts += encoded.truncated;
    return {
      crop: pixelBatch(images, boxes, size, this.options.norm),
      full: pixelBatch(images, images.map(() => null), size, this.options.norm),
      ids: encoded.inputIds,
      mask: encoded.attentionMask,
    };
  }

  async makeBatch(pairs: readonly RegionPair[], purpose: 'train' | 'eval'): Promise<RegionBatch> {
    if (!this.clipFrozen && purpose === 'train') {
      const x = await this.inputs(pairs);
      return { size: pairs.length, ...x, dispose: () => tf.dispose([x.crop, x.full, x.ids, x.mask]) };
    }
    // CLIP is frozen (or this is evaluation): its features, computed once and cached in phase "fusion".
    const missing = pairs.filter((p) => !this.cache.has(p.id));
    let fresh: { eR: tf.Tensor; eF: tf.Tensor; text: tf.Tensor2D } | null = null;
    if (missing.length > 0) {
      const x = await this.inputs(missing);
      fresh = tf.tidy(() => ({ eR: this.model.visionTokens(x.crop), eF: this.model.visionTokens(x.full), text: this.model.textEmbedding(x.ids, x.mask) }));
      tf.dispose([x.crop, x.full, x.ids, x.mask]);
      const perPair = (fresh.eR.size + fresh.eF.size + fresh.text.size) / missing.length;
      if (this.clipFrozen && this.cacheBytes + perPair * 4 * missing.length <= this.options.featureCacheBytes) {
        const [eR, eF, text] = (await Promise.all([fresh.eR.data(), fresh.eF.data(), fresh.text.data()])) as Float32Array[];
        const [r, f, t] = [eR!.length / missing.length, eF!.length / missing.length, text!.length / missing.length];
        missing.forEach((p, i) => this.cache.set(p.id, { eR: eR!.slice(i * r, (i + 1) * r), eF: eF!.slice(i * f, (i + 1) * f), text: text!.slice(i * t, (i + 1) * t) }));
        this.cacheBytes += perPair * 4 * missing.length;
      }
    }
    if (fresh && missing.length === pairs.length) {
      const f = fresh;
      return { size: pairs.length, eR: f.eR, eF: f.eF, text: f.text, dispose: () => tf.dispose([f.eR, f.eF, f.text]) };
    }
    // Assemble from the cache (every pair is there now, unless the budget ran out mid-batch).
    if (fresh) tf.dispose([fresh.eR, fresh.eF, fresh.text]);
    const v = this.model.clip.config.vision_config;
    const tokens = (v.image_size / v.patch_size) ** 2 + 1;
    const rows = pairs.map((p) => this.cache.get(p.id));
    if (rows.some((r) => !r)) {
      const x = await this.inputs(pairs);
      const out = tf.tidy(() => ({ eR: this.model.visionTokens(x.crop), eF: this.model.visionTokens(x.full), text: this.model.textEmbedding(x.ids, x.mask) }));
      tf.dispose([x.crop, x.full, x.ids, x.mask]);
      return { size: pairs.length, ...out, dispose: () => tf.dispose([out.eR, out.eF, out.text]) };
    }
    const cat = (k: keyof CachedFeatures) => {
      const parts = rows.map((r) => r![k]);
      const all = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
      let o = 0;
      for (const a of parts) {
        all.set(a, o);
        o += a.length;
      }
      return all;
    };
    const eR = tf.tensor3d(cat('eR'), [pairs.length, tokens, v.hidden_size]);
    const eF = tf.tensor3d(cat('eF'), [pairs.length, tokens, v.hidden_size]);
    const text = tf.tensor2d(cat('text'), [pairs.length, this.model.clip.config.projection_dim]);
    return { size: pairs.length, eR, eF, text, dispose: () => tf.dispose([eR, eF, text]) };
  }

  imageEmbeddings(b: RegionBatch): tf.Tensor2D {
    if (b.eR && b.eF) return this.model.fusion.forward(b.eR, b.eF, { constantInputs: true }).regionEmbedding;
    return this.model.regionEmbedding(b.crop!, b.full!);
  }

  textEmbeddings(b: RegionBatch): tf.Tensor2D {
    return b.text ? (tf.clone(b.text) as tf.Tensor2D) : this.model.textEmbedding(b.ids!, b.mask!);
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
    const result = await runContrastiveTraining({ task, train, val, config: c, phases: c.phases, outputDir: opts.outputDir, callbacks: opts.callbacks, resumeFrom: opts.resumeFrom ?? null });
    if (task.truncatedTexts > 0) opts.callbacks?.onLog?.('warn', `${task.truncatedTexts} region descriptions were longer than ${c.max_text_tokens} tokens and were truncated`);
    return { ...result, truncatedTexts: task.truncatedTexts, split: source };
  } finally {
    model.dispose();
  }
}
