// The Region-CLIP trainer (Sec. 3.2.1): pairs (region in context, region description t_r); crop =
// tight mask box on the target image (Eq. 6), e_r = CLIP tokens of the crop, e_f = CLIP tokens of the
// whole target, f_r = fusion (Eq. 7), symmetric contrastive loss against CLIP's text embedding of
// t_r (Eq. 11). Phase "fusion": CLIP frozen, the fusion module trains (paper: 50 epochs, AdamW, lr
// 1e-4, batch 64). Phase "joint": both train (20 epochs, lr 1e-5).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RegionClip } from '../models/fusion/region-clip.js';
import { checkpointingFor, optimizerStateFor, type PhaseConfig } from './config.js';
import type { RegionClipTrainingConfig } from './schemas.js';
import { runContrastiveTraining, type ContrastiveTask } from './contrastive.js';
import { shareModel } from '../parallel/replica.js';
import type { ParallelTask, ReplicaSpec } from './devices.js';
import { clampBox, cropRegion, describeProcessing, ImagePreprocessor, normalizationOf, trainerProcessing, type Normalization, type TrainerProcessing } from '../preprocess/index.js';
import { checkpointedMicroBatch, microBatchFor, TAPE_BUDGET_BYTES, tapeBytesPerImage } from './memory.js';
import { FeatureCache, featureRowFloats, RegionClipDevice, type RegionBatch, type RegionInputs } from './regionclip-device.js';
import { splitPairs } from './split.js';

export { parseRegionClipConfig, regionClipTrainingSchema, tinyClipConfig, type RegionClipTrainingConfig } from './schemas.js';
import { planTrainingWorkers, withTrainingWorkers } from './workers.js';
import type { WorkerPlan } from '../parallel/count.js';
import type { TensorPool } from '../parallel/pool.js';
import { copyModelSideFiles, folderTextEncoder, writeTinyProcessor, writeWordTokenizer, type TextBatchEncoder } from './text.js';
import { loadImage, type RegionPair, type TrainerCallbacks, type TrainingResult } from './types.js';

export class RegionClipTask implements ContrastiveTask<RegionPair, RegionBatch>, ParallelTask<RegionPair> {
  /** The compute half on this thread's model (tensor workers run their own on replicas). */
  readonly device: RegionClipDevice;
  private readonly cache: FeatureCache;
  /** The whole image's recipe (preprocessor_config.json) on the host; its normalisation runs on the device. */
  private readonly preprocessor: ImagePreprocessor;
  private readonly norm: Normalization;
  truncatedTexts = 0;

  constructor(
    readonly model: RegionClip,
    readonly tokenizer: TextBatchEncoder,
    /** The folder whose tokenizer files every checkpoint's clip/ gets. */
    readonly sideFilesDir: string,
    readonly options: {
      maxTextTokens: number;
      processing: TrainerProcessing;
      featureCacheBytes: number;
      /** Where CLIP's logit_scale came from (the base folder, the tiny config), for the log. */
      temperatureSource?: string;
    },
  ) {
    this.preprocessor = new ImagePreprocessor(options.processing.processing);
    this.norm = normalizationOf(options.processing.processing);
    this.device = new RegionClipDevice(model, this.norm);
    this.cache = new FeatureCache(featureRowFloats(model), options.featureCacheBytes);
  }

  /** τ = 1 / exp(logit_scale) of the CLIP this run starts from. */
  async pretrainedTemperature(): Promise<{ tau: number; source: string } | null> {
    const logitScale = (await this.model.clip.params.get('logit_scale').data())[0]!;
    return { tau: Math.exp(-logitScale), source: `CLIP's logit_scale ${logitScale.toFixed(4)}${this.options.temperatureSource ? ` (${this.options.temperatureSource})` : ''}` };
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

  /** The pairs' region crops (Eq. 6), whole images through preprocessor_config.json, and token ids. */
  private async pixelInputs(pairs: readonly RegionPair[]): Promise<Pick<RegionInputs, 'crops' | 'wholes' | 'texts'>> {
    const images = await Promise.all(pairs.map((p) => loadImage(p.target)));
    const crops = pairs.map((p, i) => cropRegion(images[i]!, clampBox(p.box, images[i]!.width, images[i]!.height, `sample ${p.id}`)));
    const wholes = await Promise.all(images.map((img, i) => this.preprocessor.resized(img, `sample ${pairs[i]!.id}`)));
    const encoded = this.tokenizer.encode(pairs.map((p) => p.text));
    this.truncatedTexts += encoded.truncated;
    return { crops, wholes, texts: { inputIds: encoded.inputIds, attentionMask: encoded.attentionMask, shape: encoded.shape } };
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
    const computed = missing.length > 0 ? await this.pixelInputs(missing) : { crops: [], wholes: [], texts: { inputIds: new Int32Array(0), attentionMask: new Int32Array(0), shape: [0, 0] as [number, number] } };
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
      options: { norm: this.norm, gradientCheckpointing: this.model.clip.gradientCheckpointing },
    };
  }

  /** The models, with the learned τ where transformers reads it: CLIPModel's `logit_scale` (log 1/τ). */
  async saveModels(dir: string, learned: { logScale: number } | null): Promise<void> {
    if (learned) {
      const v = tf.scalar(learned.logScale);
      this.model.clip.params.get('logit_scale').assign(v);
      v.dispose();
    }
    await this.model.save(dir);
    copyModelSideFiles(this.sideFilesDir, path.join(dir, 'clip'), this.options.processing.raw);
  }
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
  let temperatureSource: string;
  if (opts.resumeFrom) {
    model = await RegionClip.load(opts.resumeFrom, { trainable: true });
    sideFilesDir = path.join(opts.resumeFrom, 'clip');
    temperatureSource = opts.resumeFrom;
  } else if (c.base_model) {
    model = await RegionClip.fromClip(c.base_model, c.fusion, c.seed);
    sideFilesDir = c.base_model;
    temperatureSource = c.base_model;
  } else if (c.tiny_clip) {
    // The tiny preset trains from scratch: a word tokenizer over this dataset's texts, a random CLIP.
    sideFilesDir = path.join(opts.outputDir, 'base', 'clip');
    temperatureSource = "the tiny CLIP's logit_scale_init_value";
    const { vocabSize } = writeWordTokenizer(sideFilesDir, opts.pairs.map((p) => p.text), c.max_text_tokens);
    model = RegionClip.random({ ...c.tiny_clip, text_config: { ...(c.tiny_clip.text_config as object), vocab_size: vocabSize } }, c.fusion, c.seed);
    writeTinyProcessor(sideFilesDir, 'clip', model.clip.config.vision_config.image_size, c.tiny_processor);
  } else {
    throw new Error('Region-CLIP training needs base_model (a CLIP folder) or the tiny preset');
  }
  try {
    const t = model.clip.config.text_config;
    const maxTextTokens = Math.min(c.max_text_tokens, t.max_position_embeddings);
    model.clip.gradientCheckpointing = checkpointingFor(c.gradient_checkpointing, tf.getBackend());
    if (model.clip.gradientCheckpointing) opts.callbacks?.onLog?.('info', `gradient checkpointing on (${c.gradient_checkpointing}, backend ${tf.getBackend()}): CLIP's encoder layers are recomputed in the backward`);
    const processing = trainerProcessing(sideFilesDir, 'clip', model.clip.config.vision_config.image_size);
    opts.callbacks?.onLog?.('info', `images: whole target ${describeProcessing(processing)}; region crop (Eq. 6) stretched to ${model.clip.config.vision_config.image_size}×${model.clip.config.vision_config.image_size} (bilinear, aspect not kept)`);
    const task = new RegionClipTask(model, folderTextEncoder(sideFilesDir, maxTextTokens, t.pad_token_id), sideFilesDir, {
      maxTextTokens,
      processing,
      featureCacheBytes: c.feature_cache_mb * 1024 * 1024,
      temperatureSource,
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
