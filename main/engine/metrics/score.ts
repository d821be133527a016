// One sample's scores: a pure function of the loaded backbones, the preset and the sample's decoded
// images (inputs in, scores out; nothing kept between samples), so a data-parallel worker can run it
// on its own copy of the backbones. FID and IS are set-level: each sample returns the feature
// vectors they need, for the caller to store and aggregate.
import * as tf from '@tensorflow/tfjs';
import type { MaskBuffer } from '../../../shared/mask/index.js';
import { cosine } from '../../../shared/metrics/stats.js';
import { pixelErrors } from '../../../shared/metrics/pixels.js';
import { resizeRgb } from '../../../shared/metrics/resample.js';
import type { EvalPreset, ImageRule, Reference, Region } from '../../../shared/metrics/presets.js';
import type { Backbones } from './backbones.js';
import { applyImageRule, blackOut, cropImage, insideRule, maskAt, maskBox, scaleBox, type RgbImage } from './images.js';

export interface SampleInput {
  /** names the sample in errors */
  id: string;
  edited: RgbImage;
  source: RgbImage;
  /** the ground-truth target image, where the dataset has one */
  target?: RgbImage | null;
  /** one byte per pixel at the source's (or any) resolution; ≥ maskThreshold = edit region */
  mask?: MaskBuffer | null;
  /** the target caption (CLIP-T's text in both built-in presets) */
  targetText?: string | null;
  instruction?: string | null;
  /** The FID reference image's pool features, when the caller already has them (same image, same preset). */
  fidReferenceFeatures?: Float32Array | null;
}

/** A paired metric's score per region; null: not computable for this sample (e.g. empty mask). */
export type RegionScores = Partial<Record<Region, number | null>>;

export interface SampleScores {
  clipI?: RegionScores;
  clipT?: number;
  dino?: RegionScores;
  lpips?: RegionScores;
  pixel?: Partial<Record<'l1' | 'l2' | 'psnr', RegionScores>>;
  /** Set-level inputs: store them with the sample so aggregation after a resume recomputes nothing. */
  features?: { fidGenerated?: Float32Array; fidReference?: Float32Array; isLogits?: Float32Array };
  /** what was not computed and why, truncated texts */
  notes: string[];
}

interface PairImages {
  region: Region;
  edited: RgbImage;
  reference: RgbImage;
  rule: ImageRule;
}

function referenceImage(input: SampleInput, ref: Reference, field: string): RgbImage {
  if (ref === 'source') return input.source;
  if (!input.target) throw new Error(`sample ${input.id}: ${field} is "target" but the sample has no ground-truth target image`);
  return input.target;
}

/** The (edited, reference) image pairs of each asked region, each with the rule to preprocess it by. */
function regionPairs(input: SampleInput, preset: EvalPreset, regions: readonly Region[], reference: RgbImage, rule: ImageRule, notes: string[], metric: string): { pairs: PairImages[]; missing: Region[] } {
  const rr = preset.regionRules;
  const pairs: PairImages[] = [];
  const missing: Region[] = [];
  const mask = input.mask ?? null;
  const box = mask ? maskBox(mask, rr.maskThreshold) : null;
  for (const region of regions) {
    if (region === 'full') {
      pairs.push({ region, edited: input.edited, reference, rule });
    } else if (!mask || !box) {
      missing.push(region);
      notes.push(`${metric}.${region}: ${mask ? 'the mask is empty' : 'the sample has no mask'}`);
    } else if (region === 'inside') {
      const crop = (img: RgbImage) => cropImage(img, scaleBox(box, mask, img));
      pairs.push({ region, edited: crop(input.edited), reference: crop(reference), rule: insideRule(rule, rr.insideResize) });
    } else if (box.width === mask.width && box.height === mask.height && mask.data.every((v) => v >= rr.maskThreshold)) {
      missing.push(region);
      notes.push(`${metric}.outside: the mask covers the whole image`);
    } else {
      const fill = rr.outsideFill as [number, number, number];
      pairs.push({ region, edited: blackOut(input.edited, mask, rr.maskThreshold, fill), reference: blackOut(reference, mask, rr.maskThreshold, fill), rule });
    }
  }
  return { pairs, missing };
}

/** Images through their rules → one NCHW batch (all must end the same size). */
function batchOf(images: { img: RgbImage; rule: ImageRule }[], name: string): tf.Tensor4D {
  const items = images.map(({ img, rule }, i) => applyImageRule(img, rule, `${name} image ${i}`));
  const { width, height } = items[0]!;
  const out = new Float32Array(items.length * 3 * width * height);
  items.forEach((it, i) => {
    if (it.width !== width || it.height !== height) throw new Error(`${name}: images come out ${it.width}×${it.height} and ${width}×${height}: give the rule a centre crop or an exact size`);
    out.set(it.data, i * it.data.length);
  });
  return tf.tensor4d(out, [items.length, 3, height, width]);
}

async function rows(t: tf.Tensor): Promise<Float32Array[]> {
  const [n, d] = t.shape as [number, number];
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
}

function cosinesByRegion(feats: Float32Array[], pairs: PairImages[], missing: Region[]): RegionScores {
  const out: RegionScores = {};
  pairs.forEach((p, i) => (out[p.region] = cosine(feats[2 * i]!, feats[2 * i + 1]!)));
  for (const r of missing) out[r] = null;
  return out;
}

const pairBatch = (pairs: PairImages[]) => pairs.flatMap((p) => [{ img: p.edited, rule: p.rule }, { img: p.reference, rule: p.rule }]);

/** Every image and the mask are what they claim to be (sizes, byte counts), or an error names the sample and field. */
function checkInput(input: SampleInput): void {
  const images: [string, RgbImage | null | undefined][] = [['edited', input.edited], ['source', input.source], ['target', input.target]];
  for (const [field, img] of images) {
    if (!img) {
      if (field !== 'target') throw new Error(`sample ${input.id}: no ${field} image`);
      continue;
    }
    const ok = Number.isInteger(img.width) && Number.isInteger(img.height) && img.width > 0 && img.height > 0 && img.width <= 16384 && img.height <= 16384;
    if (!ok || !(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 3) {
      throw new Error(`sample ${input.id}: the ${field} image is not ${img.width}×${img.height} 8-bit RGB (${img.data?.length ?? 0} bytes; decode to 3-channel raw RGB)`);
    }
  }
  const mk = input.mask;
  if (mk && !(Number.isInteger(mk.width) && Number.isInteger(mk.height) && mk.width > 0 && mk.height > 0 && mk.data instanceof Uint8Array && mk.data.length === mk.width * mk.height)) {
    throw new Error(`sample ${input.id}: the mask is not ${mk.width}×${mk.height} with one byte per pixel`);
  }
}

/** Scores one sample with every metric the preset has. */
export async function scoreSample(b: Backbones, preset: EvalPreset, input: SampleInput): Promise<SampleScores> {
  checkInput(input);
  const m = preset.metrics;
  const out: SampleScores = { notes: [] };
  if (m.clipI || m.clipT) {
    const clip = b.clip!;
    const batch: { img: RgbImage; rule: ImageRule }[] = [];
    let clipIPairs: ReturnType<typeof regionPairs> | null = null;
    if (m.clipI) {
      clipIPairs = regionPairs(input, preset, m.clipI.regions, referenceImage(input, m.clipI.reference, 'clipI.reference'), m.clipI.image, out.notes, 'clipI');
      batch.push(...pairBatch(clipIPairs.pairs));
    }
    // CLIP-T reuses CLIP-I's full edited image when both see it through the same rule.
    const fullAt = clipIPairs?.pairs.findIndex((p) => p.region === 'full') ?? -1;
    const reuse = m.clipT && m.clipI && fullAt >= 0 && JSON.stringify(m.clipT.image) === JSON.stringify(m.clipI.image) ? 2 * fullAt : -1;
    if (m.clipT && reuse < 0) batch.push({ img: input.edited, rule: m.clipT.image });
    let feats: Float32Array[] = [];
    if (batch.length) {
      const px = batchOf(batch, 'CLIP');
      feats = await rows(tf.tidy(() => clip.imageFeatures(px)));
      px.dispose();
    }
    if (clipIPairs) out.clipI = cosinesByRegion(feats, clipIPairs.pairs, clipIPairs.missing);
    if (m.clipT) {
      const text = m.clipT.text === 'target_caption' ? input.targetText : input.instruction;
      if (!text) throw new Error(`sample ${input.id}: clipT.text is "${m.clipT.text}" but the sample has none`);
      const tok = b.clipTokenizer!.encodeBatch([text]);
      if (tok.truncated.length) out.notes.push(`clipT: the text has ${tok.truncated[0]!.length} tokens, cut to CLIP's ${tok.truncated[0]!.window}`);
      const ids = tf.tensor2d(tok.inputIds, tok.shape, 'int32');
      const mask = tf.tensor2d(tok.attentionMask, tok.shape, 'int32');
      const [t] = await rows(tf.tidy(() => clip.textFeatures(ids, mask)));
      tf.dispose([ids, mask]);
      out.clipT = cosine(feats[reuse >= 0 ? reuse : feats.length - 1]!, t!);
    }
  }
  if (m.dino) {
    const s = m.dino;
    const pairs = regionPairs(input, preset, s.regions, referenceImage(input, s.reference, 'dino.reference'), s.image, out.notes, 'dino');
    let feats: Float32Array[] = [];
    if (pairs.pairs.length) {
      const px = batchOf(pairBatch(pairs.pairs), 'DINO');
      feats = await rows(
        tf.tidy(() => {
          const h = b.dino!.forward(px).lastHiddenState; // [B, 1 + N, D]
          if (s.pooling === 'cls') return tf.squeeze(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [1]);
          if (s.pooling === 'mean_all') return tf.mean(h, 1);
          return tf.mean(tf.slice(h, [0, 1, 0], [-1, -1, -1]), 1);
        }),
      );
      px.dispose();
    }
    out.dino = cosinesByRegion(feats, pairs.pairs, pairs.missing);
  }
  if (m.lpips) {
    const s = m.lpips;
    const range = s.inputRange === '[-1,1]' ? { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } : { mean: [0, 0, 0], std: [1, 1, 1] };
    const rule = { resize: { kind: 'exact', height: s.size, width: s.size }, filter: s.filter, antialias: s.antialias, centerCrop: null, ...range } as ImageRule;
    const pairs = regionPairs(input, preset, s.regions, referenceImage(input, s.reference, 'lpips.reference'), rule, out.notes, 'lpips');
    // Every region's crop is resized to size × size as well ('square' and 'rule' agree here). One
    // pair at a time: the im2col of VGG's first 3×3 convolutions at 256² is ~150 MB per image.
    out.lpips = {};
    for (const p of pairs.pairs) {
      const e = batchOf([{ img: p.edited, rule }], 'LPIPS');
      const r = batchOf([{ img: p.reference, rule }], 'LPIPS');
      const d = tf.tidy(() => b.lpips!.forward(e, r).distance);
      out.lpips[p.region] = ((await d.data()) as Float32Array)[0]!;
      tf.dispose([d, e, r]);
    }
    for (const reg of pairs.missing) out.lpips[reg] = null;
  }
  if (m.fid || m.is) {
    const features: NonNullable<SampleScores['features']> = {};
    const jobs: { img: RgbImage; rule: ImageRule; use: 'gen' | 'ref' | 'is' }[] = [];
    const sameRule = m.fid && m.is && JSON.stringify(m.fid.image) === JSON.stringify(m.is.image);
    if (m.fid) {
      jobs.push({ img: input.edited, rule: m.fid.image, use: 'gen' });
      if (input.fidReferenceFeatures) features.fidReference = input.fidReferenceFeatures;
      else jobs.push({ img: referenceImage(input, m.fid.reference, 'fid.reference'), rule: m.fid.image, use: 'ref' });
    }
    if (m.is && !sameRule) jobs.push({ img: input.edited, rule: m.is.image, use: 'is' });
    const px = batchOf(jobs, 'Inception');
    const o = tf.tidy(() => {
      const r = b.inception!.forward(px);
      return { pool: r.pool, logits: r.logits };
    });
    px.dispose();
    const pool = await rows(o.pool);
    const logits = await rows(o.logits);
    jobs.forEach((j, i) => {
      if (j.use === 'gen') {
        features.fidGenerated = pool[i]!;
        if (sameRule) features.isLogits = logits[i]!;
      } else if (j.use === 'ref') features.fidReference = pool[i]!;
      else features.isLogits = logits[i]!;
    });
    out.features = features;
  }
  if (m.pixel) {
    const s = m.pixel;
    const reference = referenceImage(input, s.reference, 'pixel.reference');
    const edited = input.edited.width === reference.width && input.edited.height === reference.height ? input.edited : resizeRgb(input.edited, reference.width, reference.height, s.filter, s.antialias);
    const mask = input.mask ? maskAt(input.mask, reference.width, reference.height) : null;
    out.pixel = {};
    for (const region of s.regions) {
      const e = region === 'full' ? pixelErrors(edited, reference, null, 'full') : mask ? pixelErrors(edited, reference, mask, region, preset.regionRules.maskThreshold) : null;
      if (!e) out.notes.push(`pixel.${region}: ${mask ? `no pixel ${region} the mask` : 'the sample has no mask'}`);
      for (const k of s.measures) (out.pixel[k] ??= {})[region] = e ? e[k] : null;
    }
  }
  return out;
}
