// The compute half of the Region-CLIP trainer: model inputs for a micro-batch as plain data in
// (decoded images, mask boxes of Eq. 6, token ids, CLIP features already cached), tensors and
// embeddings out. The trainer's own thread runs it on its model; each tensor worker runs it on its
// replica (parallel/contrastive-worker.ts) — the same code, so both give the same numbers.
//
// Phase "fusion" trains on CLIP's tokens e_r, e_f and its text embedding of t_r, computed once with
// CLIP frozen and kept in shared memory (FeatureCache): every worker reads a pair's cached row, and
// the worker that computes a missing row writes it there for all.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { RegionClip } from '../models/fusion/region-clip.js';
import { float32Array, int32Array, rgbImageSchema } from '../parallel/protocol.js';
import type { PhaseConfig } from './config.js';
import type { PreparedBatch } from './contrastive.js';
import { pixelBatch, type Normalization } from '../preprocess/index.js';
import { textTensors } from './text.js';
import type { PixelBox, RgbImage } from './types.js';

/** One pair's frozen-CLIP features: e_r and e_f [1+N, D] (before post_layernorm), the text embedding [P]. */
export interface FeatureRow {
  eR: Float32Array;
  eF: Float32Array;
  text: Float32Array;
}

/** A micro-batch's inputs for the compute half (structured-cloneable: crosses to a tensor worker). */
export interface RegionInputs {
  /** `inputs`: pixels and ids for the tape (phase "joint"); `features`: frozen CLIP's features per row. */
  mode: 'inputs' | 'features';
  size: number;
  /** The rows that are computed from pixels, in order: their images, boxes (Eq. 6) and texts. */
  images: RgbImage[];
  boxes: PixelBox[];
  texts: { inputIds: Int32Array; attentionMask: Int32Array; shape: [number, number] };
  /** Mode `features`: per row, the cached features, or which computed row it is and where to keep it. */
  rows: ({ cached: FeatureRow } | { compute: number; store: FeatureRow | null })[];
}

const featureRowSchema = z.object({ eR: float32Array, eF: float32Array, text: float32Array });
const boxSchema = z.object({ x: z.number().int().nonnegative(), y: z.number().int().nonnegative(), w: z.number().int().positive(), h: z.number().int().positive() });

export const regionInputsSchema = z
  .object({
    mode: z.enum(['inputs', 'features']),
    size: z.number().int().positive().max(65_536),
    images: z.array(rgbImageSchema).max(65_536),
    boxes: z.array(boxSchema).max(65_536),
    texts: z.object({ inputIds: int32Array, attentionMask: int32Array, shape: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]) }),
    rows: z.array(z.union([z.object({ cached: featureRowSchema }), z.object({ compute: z.number().int().nonnegative(), store: featureRowSchema.nullable() })])).max(65_536),
  })
  .superRefine((x, ctx) => {
    const n = x.images.length;
    const [rows, width] = x.texts.shape;
    if (x.boxes.length !== n || rows !== n || x.texts.inputIds.length !== rows * width || x.texts.attentionMask.length !== rows * width) {
      ctx.addIssue({ code: 'custom', message: `${n} images, ${x.boxes.length} boxes and texts [${rows}, ${width}] do not agree` });
    }
    if (x.mode === 'inputs' && n !== x.size) ctx.addIssue({ code: 'custom', message: `mode inputs carries ${n} images for ${x.size} pairs` });
    if (x.mode === 'features' && x.rows.length !== x.size) ctx.addIssue({ code: 'custom', message: `${x.rows.length} feature rows for ${x.size} pairs` });
    for (const r of x.rows) if ('compute' in r && r.compute >= n) ctx.addIssue({ code: 'custom', message: `row computes image ${r.compute} of ${n}` });
  });

export interface RegionBatch extends PreparedBatch {
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

/** Floats per pair of a feature row for this CLIP. */
export function featureRowFloats(model: RegionClip): { eR: number; eF: number; text: number } {
  const v = model.clip.config.vision_config;
  const tokens = (v.image_size / v.patch_size) ** 2 + 1;
  return { eR: tokens * v.hidden_size, eF: tokens * v.hidden_size, text: model.clip.config.projection_dim };
}

export class RegionClipDevice {
  private clipFrozen = true;

  constructor(
    readonly model: RegionClip,
    readonly norm: Normalization,
  ) {}

  setPhase(phase: PhaseConfig): void {
    this.clipFrozen = phase.name === 'fusion';
    this.model.clip.params.setTrainable(!this.clipFrozen);
    this.model.fusion.params.setTrainable(true);
  }

  get frozen(): boolean {
    return this.clipFrozen;
  }

  /** By checkpoint key ("fusion/gate.weight", "clip/…"), fusion first (the optimiser's order). */
  trainableParams(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const n of this.model.fusion.params.names()) out.set(`fusion/${n}`, this.model.fusion.params.get(n));
    if (!this.clipFrozen) for (const n of this.model.clip.params.names()) out.set(`clip/${n}`, this.model.clip.params.get(n));
    return out;
  }

  textTrainable(): boolean {
    return !this.clipFrozen;
  }

  private pixels(x: RegionInputs): { crop: tf.Tensor4D; full: tf.Tensor4D; ids: tf.Tensor2D; mask: tf.Tensor2D } {
    const size = this.model.clip.config.vision_config.image_size;
    return {
      crop: pixelBatch(x.images, x.boxes, size, this.norm),
      full: pixelBatch(x.images, x.images.map(() => null), size, this.norm),
      ...textTensors(x.texts),
    };
  }

  async batch(x: RegionInputs): Promise<RegionBatch> {
    if (x.mode === 'inputs') {
      const t = this.pixels(x);
      return { size: x.size, ...t, dispose: () => tf.dispose([t.crop, t.full, t.ids, t.mask]) };
    }
    // Frozen CLIP: the rows not cached yet through CLIP (no tape), kept where the cache says.
    const fresh: FeatureRow[] = [];
    if (x.images.length > 0) {
      const t = this.pixels(x);
      const f = tf.tidy(() => ({ eR: this.model.visionTokens(t.crop), eF: this.model.visionTokens(t.full), text: this.model.textEmbedding(t.ids, t.mask) }));
      tf.dispose([t.crop, t.full, t.ids, t.mask]);
      // Read after the tidy (ENVIRONMENT.md: a read inside it was 15× slower on wasm).
      const [eR, eF, text] = (await Promise.all([f.eR.data(), f.eF.data(), f.text.data()])) as Float32Array[];
      tf.dispose([f.eR, f.eF, f.text]);
      const n = x.images.length;
      const [r, e, p] = [eR!.length / n, eF!.length / n, text!.length / n];
      for (let i = 0; i < n; i++) fresh.push({ eR: eR!.subarray(i * r, (i + 1) * r), eF: eF!.subarray(i * e, (i + 1) * e), text: text!.subarray(i * p, (i + 1) * p) });
    }
    const rows = x.rows.map((row) => {
      if ('cached' in row) return row.cached;
      const f = fresh[row.compute]!;
      if (row.store) {
        row.store.eR.set(f.eR);
        row.store.eF.set(f.eF);
        row.store.text.set(f.text);
      }
      return f;
    });
    const v = this.model.clip.config.vision_config;
    const tokens = (v.image_size / v.patch_size) ** 2 + 1;
    const cat = (k: keyof FeatureRow, width: number) => {
      const all = new Float32Array(rows.length * width);
      rows.forEach((row, i) => {
        if (row[k].length !== width) throw new Error(`cached ${k} of row ${i} has ${row[k].length} values; this CLIP makes ${width}`);
        all.set(row[k], i * width);
      });
      return all;
    };
    const eR = tf.tensor3d(cat('eR', tokens * v.hidden_size), [rows.length, tokens, v.hidden_size]);
    const eF = tf.tensor3d(cat('eF', tokens * v.hidden_size), [rows.length, tokens, v.hidden_size]);
    const text = tf.tensor2d(cat('text', this.model.clip.config.projection_dim), [rows.length, this.model.clip.config.projection_dim]);
    return { size: x.size, eR, eF, text, dispose: () => tf.dispose([eR, eF, text]) };
  }

  imageEmbeddings(b: RegionBatch): tf.Tensor2D {
    if (b.eR && b.eF) return this.model.fusion.forward(b.eR, b.eF, { constantInputs: true }).regionEmbedding;
    return this.model.regionEmbedding(b.crop!, b.full!);
  }

  textEmbeddings(b: RegionBatch): tf.Tensor2D {
    return b.text ? (tf.clone(b.text) as tf.Tensor2D) : this.model.textEmbedding(b.ids!, b.mask!);
  }
}

/** Rows a shared page holds (one SharedArrayBuffer; ViT-B/16: 1.2 MB a row). */
const PAGE_ROWS = 16;

/**
 * Frozen-CLIP features by pair id, in shared memory pages so every tensor worker reads and fills the
 * same rows. A row is reserved before a device computes it and counts as cached only once `commit`
 * says the micro-batch that computed it finished.
 */
export class FeatureCache {
  private readonly rows = new Map<string, { row: FeatureRow; valid: boolean }>();
  private page: SharedArrayBuffer | null = null;
  private pageUsed = PAGE_ROWS;
  private bytes = 0;

  constructor(
    readonly floats: { eR: number; eF: number; text: number },
    readonly budgetBytes: number,
  ) {}

  private get rowFloats(): number {
    return this.floats.eR + this.floats.eF + this.floats.text;
  }

  cached(id: string): FeatureRow | undefined {
    const r = this.rows.get(id);
    return r?.valid ? r.row : undefined;
  }

  /** A row to compute `id` into, or null when the budget is spent. */
  reserve(id: string): FeatureRow | null {
    const known = this.rows.get(id);
    if (known) return known.row;
    const bytes = this.rowFloats * 4;
    if (this.bytes + bytes > this.budgetBytes) return null;
    if (this.pageUsed === PAGE_ROWS) {
      this.page = new SharedArrayBuffer(PAGE_ROWS * bytes);
      this.pageUsed = 0;
    }
    const at = this.pageUsed++ * this.rowFloats;
    const { eR, eF, text } = this.floats;
    const row = { eR: new Float32Array(this.page!, at * 4, eR), eF: new Float32Array(this.page!, (at + eR) * 4, eF), text: new Float32Array(this.page!, (at + eR + eF) * 4, text) };
    this.rows.set(id, { row, valid: false });
    this.bytes += bytes;
    return row;
  }

  commit(ids: readonly string[]): void {
    for (const id of ids) {
      const r = this.rows.get(id);
      if (r) r.valid = true;
    }
  }

  clear(): void {
    this.rows.clear();
    this.page = null;
    this.pageUsed = PAGE_ROWS;
    this.bytes = 0;
  }
}
