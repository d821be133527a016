// The evaluator on the tiny fixture backbones (CLIP case_a, DINO ViT, LPIPS-alex, Inception), each
// score checked against the same backbone composed by hand in the test with tfjs's own ops (slice,
// resizeBilinear, arithmetic) — a broken crop, blackout, pooling, normalisation or metric fails.
// Images are 32×32 so the full-image rules are the identity; region crops are upscaled bilinearly,
// which equals tf.image.resizeBilinear with half-pixel centres.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import { checkModelFolders, createEvaluator, createParallelEvaluator, fidFromFeatures, type Evaluator, type SampleInput, type SampleScores } from '../../../../main/engine/metrics/index.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import type { ClipModel } from '../../../../main/engine/models/clip/index.js';
import type { VitModel } from '../../../../main/engine/models/vit/index.js';
import type { LpipsModel } from '../../../../main/engine/models/lpips/index.js';
import type { InceptionV3 } from '../../../../main/engine/models/inception/index.js';
import { ModelTokenizer } from '../../../../main/engine/tokenizers/index.js';
import { derivePreset, inceptionScore, resolvePreset, type EvalPreset, type ImageRule } from '../../../../shared/metrics/index.js';
import { writeTinyClipBpe } from '../../captions/tiny-bpe.js';
import { FIXTURES } from '../shared-dir.js';

const S = 32;
let tmp: string;
let folders: Record<string, string>;
let preset: EvalPreset;
let evaluator: Evaluator;

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as [number, number, number];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as [number, number, number];
const IMAGENET_MEAN = [0.485, 0.456, 0.406] as [number, number, number];
const IMAGENET_STD = [0.229, 0.224, 0.225] as [number, number, number];
const rule = (size: number, mean: [number, number, number], std: [number, number, number]): ImageRule => ({ resize: { kind: 'exact', height: size, width: size }, filter: 'bilinear', antialias: false, centerCrop: null, mean, std });

function image(seed: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(S * S * 3);
  for (let i = 0; i < data.length; i++) data[i] = (Math.sin(i * 0.37 + seed * 1.7) * 0.5 + 0.5) * 200 + ((i * seed) % 50);
  return { width: S, height: S, data };
}

// The edit region: a 16×12 box at (8, 10).
const BOX = { x: 8, y: 10, w: 16, h: 12 };
const mask = { width: S, height: S, data: Uint8Array.from({ length: S * S }, (_, i) => (i % S >= BOX.x && i % S < BOX.x + BOX.w && Math.floor(i / S) >= BOX.y && Math.floor(i / S) < BOX.y + BOX.h ? 255 : 0)) };

function sample(i: number, extra: Partial<SampleInput> = {}): SampleInput {
  return { id: `s${i}`, edited: image(10 + i), source: image(1), target: image(20 + i), mask, targetText: 'a red cube on a table', ...extra };
}

// ---- composition by hand, with tfjs ops only ----
const nhwc = (img: { data: Uint8Array }) => tf.tensor4d(Float32Array.from(img.data), [1, S, S, 3]);
const region = (x: tf.Tensor4D, r: 'full' | 'inside' | 'outside', size: number): tf.Tensor4D =>
  tf.tidy(() => {
    if (r === 'inside') return tf.image.resizeBilinear(tf.slice(x, [0, BOX.y, BOX.x, 0], [1, BOX.h, BOX.w, 3]), [size, size], false, true);
    const m = r === 'outside' ? tf.sub(1, tf.tensor4d(Float32Array.from(mask.data, (v) => v / 255), [1, S, S, 1])) : tf.ones([1, S, S, 1]);
    const y = tf.mul(x, m) as tf.Tensor4D;
    return size === S ? y : tf.image.resizeBilinear(y, [size, size], false, true);
  });
const normalise = (x: tf.Tensor4D, mean: number[], std: number[]) => tf.tidy(() => tf.transpose(tf.div(tf.sub(tf.div(x, 255), mean), std), [0, 3, 1, 2]));
const cos = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).div(tf.norm(a).mul(tf.norm(b))).dataSync()[0]!);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-metrics-'));
  const clipDir = path.join(tmp, 'clip');
  fs.mkdirSync(clipDir);
  const clipCase = path.join(FIXTURES, 'parity/clip/case_a');
  fs.copyFileSync(path.join(clipCase, 'config.json'), path.join(clipDir, 'config.json'));
  fs.symlinkSync(path.join(clipCase, 'model.safetensors'), path.join(clipDir, 'model.safetensors'));
  writeTinyClipBpe(clipDir, 16, ['red', 'cube', 'table']);
  folders = { clipTiny: clipDir, dinoTiny: path.join(FIXTURES, 'metrics/vit/dino_a'), lpipsTiny: path.join(FIXTURES, 'metrics/lpips/alex_v0.1'), inceptionTiny: path.join(FIXTURES, 'metrics/inception/case_a') };
  const half = [0.5, 0.5, 0.5] as [number, number, number];
  preset = derivePreset('ric-authors', 'tiny', {
    metrics: {
      clipI: { model: 'clipTiny', image: rule(S, CLIP_MEAN, CLIP_STD) },
      clipT: { model: 'clipTiny', image: rule(S, CLIP_MEAN, CLIP_STD) },
      dino: { model: 'dinoTiny', image: rule(S, IMAGENET_MEAN, IMAGENET_STD) },
      lpips: { model: 'lpipsTiny', net: 'alex', size: 64, filter: 'bilinear', antialias: false },
      // the fixture's Inception has transform_input=false: [-1, 1] input is mean/std 0.5
      fid: { model: 'inceptionTiny', image: rule(80, half, half), warnBelow: 2048 },
      is: { model: 'inceptionTiny', image: rule(80, half, half), splits: 2 },
    },
  });
  evaluator = await createEvaluator(preset, folders);
}, 120_000);

afterAll(() => {
  evaluator?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('evaluator on the tiny fixture backbones', () => {
  it('loads each folder once and records it; no input-range warning for a consistent Inception rule', () => {
    expect(evaluator.models.map((m) => [m.key, m.metrics])).toEqual([['clipTiny', ['clipI', 'clipT']], ['dinoTiny', ['dino']], ['lpipsTiny', ['lpips']], ['inceptionTiny', ['fid', 'is']]]);
    expect(evaluator.warnings).toEqual([]);
  });

  it('CLIP-I, CLIP-T, DINO (mean of the last hidden state) and LPIPS per region equal the hand composition', async () => {
    const s = sample(0);
    const scores = await evaluator.scoreSample(s);
    const clip = await fromPretrained<ClipModel>(folders.clipTiny!);
    const dino = await fromPretrained<VitModel>(folders.dinoTiny!);
    const lpips = await fromPretrained<LpipsModel>(folders.lpipsTiny!);
    const [e, ref] = [nhwc(s.edited), nhwc(s.source)];
    for (const r of ['full', 'inside', 'outside'] as const) {
      const clipFeat = (x: tf.Tensor4D) => clip.imageFeatures(normalise(region(x, r, S), CLIP_MEAN, CLIP_STD));
      expect(scores.clipI![r], `clipI.${r}`).toBeCloseTo(cos(clipFeat(e), clipFeat(ref)), 5);
      const dinoFeat = (x: tf.Tensor4D) => tf.mean(dino.forward(normalise(region(x, r, S), IMAGENET_MEAN, IMAGENET_STD)).lastHiddenState, 1);
      expect(scores.dino![r], `dino.${r}`).toBeCloseTo(cos(dinoFeat(e), dinoFeat(ref)), 5);
      const toRange = (x: tf.Tensor4D) => normalise(region(x, r, 64), [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
      expect(scores.lpips![r], `lpips.${r}`).toBeCloseTo(lpips.forward(toRange(e), toRange(ref)).distance.dataSync()[0]!, 5);
    }
    // inside and outside really are different views
    expect(new Set([scores.clipI!.full, scores.clipI!.inside, scores.clipI!.outside]).size).toBe(3);
    const tok = ModelTokenizer.fromDir(folders.clipTiny!).encodeBatch(['a red cube on a table']);
    const text = clip.textFeatures(tf.tensor2d(tok.inputIds, tok.shape, 'int32'), tf.tensor2d(tok.attentionMask, tok.shape, 'int32'));
    expect(scores.clipT).toBeCloseTo(cos(clip.imageFeatures(normalise(e, CLIP_MEAN, CLIP_STD)), text), 5);
    tf.dispose([e, ref]);
    [clip, dino, lpips].forEach((m) => m.dispose());
  });

  it('LPIPS of an image with itself is 0 in every region and symmetric in its two images', async () => {
    const self = await evaluator.scoreSample(sample(1, { edited: image(1) }));
    expect(self.lpips).toEqual({ full: 0, inside: 0, outside: 0 });
    expect(self.clipI!.full).toBeCloseTo(1, 6);
    const ab = await evaluator.scoreSample(sample(2));
    const ba = await evaluator.scoreSample(sample(2, { edited: image(1), source: image(12) }));
    for (const r of ['full', 'inside', 'outside'] as const) expect(ba.lpips![r]).toBeCloseTo(ab.lpips![r]!, 6);
  });

  it('FID and IS over four samples equal fidFromFeatures / inceptionScore of pool features and logits composed by hand', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) evaluator.accumulate(await evaluator.scoreSample(sample(i)));
    expect(tf.memory().numTensors).toBe(before);
    const agg = evaluator.aggregate();
    const inception = await fromPretrained<InceptionV3>(folders.inceptionTiny!);
    const feats = (img: { data: Uint8Array }) =>
      tf.tidy(() => {
        const o = inception.forward(normalise(tf.image.resizeBilinear(nhwc(img), [80, 80], false, true), [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]));
        return [o.pool.dataSync().slice(), o.logits.dataSync().slice()] as [Float32Array, Float32Array];
      });
    const gen = [0, 1, 2, 3].map((i) => feats(sample(i).edited));
    const real = [0, 1, 2, 3].map((i) => feats(sample(i).target!)[0]);
    inception.dispose();
    const expected = fidFromFeatures(real, gen.map((g) => g[0]));
    expect(agg.n).toBe(4);
    expect(agg.fid!.fid).toBeGreaterThan(0);
    expect(Math.abs(agg.fid!.fid - expected.fid) / expected.fid).toBeLessThan(1e-4);
    expect(agg.fid!.route).toBe('gram');
    expect(agg.is!.mean).toBeCloseTo(inceptionScore(gen.map((g) => g[1]), 2).mean, 4);
    expect(agg.warnings.join('\n')).toMatch(/4 real samples \(< 2048\)/);
    expect(agg.warnings.join('\n')).toMatch(/torchvision Inception weights: not comparable/);
    expect(agg.clipI!.full!.n).toBe(4);
  });

  it('a sample without a mask or target is reported, not mis-scored; malformed images are named', async () => {
    const noMask = await evaluator.scoreSample(sample(5, { mask: null }));
    expect(noMask.clipI).toMatchObject({ inside: null, outside: null });
    expect(noMask.notes).toContain('clipI.inside: the sample has no mask');
    // a preset that looks only inside the mask: nothing to run for a sample without one
    const insideOnly = derivePreset(preset, 'inside-only', { metrics: { clipI: { regions: ['inside'] }, clipT: null, dino: { regions: ['inside'] }, lpips: { regions: ['inside'] }, fid: null, is: null } });
    const ev = await createEvaluator(insideOnly, folders);
    expect(await ev.scoreSample(sample(5, { mask: null }))).toMatchObject({ clipI: { inside: null }, dino: { inside: null }, lpips: { inside: null } });
    ev.dispose();
    await expect(evaluator.scoreSample(sample(5, { target: null }))).rejects.toThrow(/sample s5: fid.reference is "target" but the sample has no ground-truth target/);
    await expect(evaluator.scoreSample(sample(6, { edited: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4) } }))).rejects.toThrow(/sample s6: the edited image is not 32×32 8-bit RGB \(4096 bytes/);
    await expect(evaluator.scoreSample(sample(6, { mask: { width: 32, height: 16, data: new Uint8Array(10) } }))).rejects.toThrow(/sample s6: the mask is not 32×16/);
  });
});

describe('evaluation on tensor workers (issue 13)', () => {
  it('scores samples on 2 workers at once with the in-process numbers; a sample’s own problem stays its error', { timeout: 120_000 }, async () => {
    const par = await createParallelEvaluator(preset, folders, { workers: 2, reason: 'test', backend: 'wasm' });
    try {
      expect(par.workers).toBe(2);
      expect(par.models.map((m) => m.key)).toEqual(evaluator.models.map((m) => m.key));
      const inputs = [0, 1, 2].map((i) => sample(i));
      // Three calls in flight on two workers (the job keeps `workers` of them going): one waits for a free worker.
      const got = await Promise.all(inputs.map((s) => par.scoreSample(s)));
      const want: SampleScores[] = [];
      for (const s of inputs) want.push(await evaluator.scoreSample(s));
      // Same code on backbones from the same files: equal to the last bit, features included.
      expect(got).toEqual(want);
      await expect(par.scoreSample(sample(5, { target: null }))).rejects.toThrow(/sample s5: fid.reference is "target" but the sample has no ground-truth target/);
    } finally {
      await par.dispose();
    }
    expect(par.pool.broken).toBeNull();
  });
});

describe('presets and model folders', () => {
  it('a missing model folder is named with the key the preset expects', async () => {
    await expect(createEvaluator('magicbrush', {})).rejects.toThrow(/needs the model folder "clipB32" \(CLIP ViT-B\/32.*for clipI, clipT/);
    await expect(createEvaluator('magicbrush', { clipB32: folders.dinoTiny!, dinoS16: folders.dinoTiny! })).rejects.toThrow(/"clipB32".*holds a VitModel, but clipI, clipT need a ClipModel/);
  });

  it('the pre-flight check names unset, missing and wrong folders without loading weights', () => {
    const checks = checkModelFolders(preset, { ...folders, dinoTiny: folders.lpipsTiny!, lpipsTiny: '/nonexistent/lpips' });
    expect(checks.map((c) => [c.key, c.ok])).toEqual([['clipTiny', true], ['dinoTiny', false], ['lpipsTiny', false], ['inceptionTiny', true]]);
    expect(checks[1]!.problem).toMatch(/holds a lpips model; dino need vit/);
    expect(checks[2]!.problem).toMatch(/does not exist/);
    expect(checkModelFolders(resolvePreset('magicbrush'), {})[0]!.problem).toMatch(/not set: preset "magicbrush" needs "clipB32"/);
  });

  it('an Inception rule that does not give [-1, 1] input is warned about', async () => {
    const p = derivePreset('ric-authors', 'x', { metrics: { clipI: null, clipT: null, dino: null, lpips: null, fid: null, is: { model: 'inceptionTiny', image: rule(80, IMAGENET_MEAN, IMAGENET_STD), splits: 2 } } });
    const ev = await createEvaluator(p, folders);
    expect(ev.warnings.join()).toMatch(/transform_input=false but the image rule normalises with mean \[0.485/);
    ev.dispose();
  });

  it('the exact preset needs no backbone: PSNR and L1 inside and outside the mask, by hand', async () => {
    const ev = await createEvaluator('exact', {});
    const target = image(3);
    const edited = { ...target, data: Uint8Array.from(target.data, (v, i) => (mask.data[Math.floor(i / 3)] ? Math.min(255, v + 20) - 0 : v)) };
    let sumAbs = 0;
    let sumSq = 0;
    let n = 0;
    edited.data.forEach((v, i) => {
      if (!mask.data[Math.floor(i / 3)]) return;
      const d = (v - target.data[i]!) / 255;
      sumAbs += Math.abs(d);
      sumSq += d * d;
      n++;
    });
    const s = await ev.scoreSample({ id: 'x', edited, source: image(1), target, mask });
    expect(s.pixel!.l1!.inside).toBeCloseTo(sumAbs / n, 10);
    expect(s.pixel!.psnr!.inside).toBeCloseTo(-10 * Math.log10(sumSq / n), 8);
    expect(s.pixel!.l1!.outside).toBe(0);
    expect(s.pixel!.psnr!.outside).toBe(100);
    ev.dispose();
  });
});
