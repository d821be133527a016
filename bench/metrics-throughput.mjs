// Issue 16 benchmark: evaluation throughput per metric on the active tensor backend — samples
// scored per second (and backbone images per second) by the engine's scoreSample, at the real
// model shapes: CLIP ViT-B/32, DINO ViT-S/16 and ViT-B/16, LPIPS alex and vgg at 256², Inception-v3
// at 299² (FID + IS), and the backbone-free exact preset (PSNR/L1). Random weights when the real
// checkpoints are absent (speed does not depend on the values); with `--models key=dir,…` (the
// presets' folder keys, e.g. clipB32=/models/clip-vit-base-patch32) the real folders are used.
// Each metric runs alone (a one-metric preset) on 512×512 images with a mask, full image only and
// with the inside/outside regions. The FID Fréchet step on 2048-d features is timed separately.
// Usage: npx tsc -b && node bench/metrics-throughput.mjs [--backend wasm] [--samples 3] [--models k=dir,...]
//          [--only clipI,dino,lpips,fid,pixel,frechet] [--frechet 500,2100] [--no-prepare]
import path from 'node:path';
import { machine, root } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const backendName = opt('backend', 'wasm');
const samples = Number(opt('samples', '3'));
const only = opt('only', '')?.split(',').filter(Boolean) ?? [];
const folders = Object.fromEntries((opt('models', '') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));

const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import(path.join(root, 'dist/main/engine/backend.js'));
const { applyConfigDefaults, fromPretrained, ParamStore } = await import(path.join(root, 'dist/main/engine/models/registry.js'));
const { clipFamily } = await import(path.join(root, 'dist/main/engine/models/clip/index.js'));
const { vitFamily } = await import(path.join(root, 'dist/main/engine/models/vit/index.js'));
const { inceptionFamily } = await import(path.join(root, 'dist/main/engine/models/inception/index.js'));
const { lpipsFamily } = await import(path.join(root, 'dist/main/engine/models/lpips/index.js'));
const { scoreSample, derivePreset, fidFromFeatures } = await import(path.join(root, 'dist/main/engine/metrics/index.js'));

const report = await initBackend({ prefer: backendName });

/** A model at real shapes with random weights (or the real folder when given). */
async function model(family, rawConfig, key) {
  if (folders[key]) return fromPretrained(folders[key]);
  const config = family.parseConfig(applyConfigDefaults(rawConfig, family.defaults), `${key} (random)`);
  const params = new ParamStore(`${key} (random weights)`);
  let seed = 1;
  for (const [name, shape] of family.paramShapes(config)) {
    const value = name.endsWith('running_var') ? tf.ones(shape) : tf.randomNormal(shape, 0, name.endsWith('weight') && shape.length > 1 ? 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1)) : 0.02, 'float32', seed++);
    params.set(name, value, false);
  }
  return family.build(config, params);
}

const SIZE = 512;
function image(seed) {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < data.length; i++) data[i] = (Math.sin(i * 0.0137 + seed) * 0.5 + 0.5) * 255;
  return { width: SIZE, height: SIZE, data };
}
const mask = { width: SIZE, height: SIZE, data: Uint8Array.from({ length: SIZE * SIZE }, (_, i) => ((i % SIZE) > 150 && (i % SIZE) < 350 && i / SIZE > 100 && i / SIZE < 260 ? 255 : 0)) };
const input = (i) => ({ id: `bench${i}`, edited: image(i + 2), source: image(1), target: image(i + 40), mask, targetText: 'a photo' });

const base = 'ric-authors';
const cases = [
  { name: 'clipI', key: 'clipB32', load: () => model(clipFamily, {}, 'clipB32'), slot: 'clip', metrics: { clipI: {} }, images: 2 },
  { name: 'dino ViT-S/16 (magicbrush)', key: 'dinoS16', load: () => model(vitFamily, { hidden_size: 384, num_attention_heads: 6, intermediate_size: 1536, layer_norm_eps: 1e-6 }, 'dinoS16'), slot: 'dino', metrics: { dino: { model: 'dinoS16', pooling: 'cls' } }, images: 2, id: 'dino' },
  { name: 'dino ViT-B/16 (ric-authors)', key: 'dinoB16', load: () => model(vitFamily, { layer_norm_eps: 1e-6 }, 'dinoB16'), slot: 'dino', metrics: { dino: {} }, images: 2, id: 'dino' },
  { name: 'lpips vgg 256²', key: 'lpipsVgg', load: () => model(lpipsFamily, { net: 'vgg' }, 'lpipsVgg'), slot: 'lpips', metrics: { lpips: {} }, images: 2, id: 'lpips' },
  { name: 'lpips alex 256²', key: 'lpipsAlex', load: () => model(lpipsFamily, { net: 'alex' }, 'lpipsAlex'), slot: 'lpips', metrics: { lpips: { model: 'lpipsAlex', net: 'alex' } }, images: 2, id: 'lpips' },
  { name: 'fid+is inception 299²', key: 'inception', load: () => model(inceptionFamily, { transform_input: true }, 'inception'), slot: 'inception', metrics: { fid: {}, is: {} }, images: 2, id: 'fid' },
  { name: 'exact (psnr, l1)', key: null, load: async () => null, slot: null, metrics: { pixel: { measures: ['psnr', 'l1'], reference: 'target', filter: 'bicubic', antialias: true } }, images: 0, id: 'pixel' },
];

const all = ['clipI', 'clipT', 'dino', 'lpips', 'fid', 'is', 'pixel'];
const results = [];
for (const c of cases) {
  if (only.length && !only.includes(c.id ?? c.name)) continue;
  const m = await c.load();
  // As loadBackbones does (frozen: dense weights transposed once); --no-prepare measures without it.
  if (m && !args.includes('--no-prepare')) m.params.prepareInference();
  const backbones = { loaded: [], warnings: [], ...(c.slot ? { [c.slot]: m } : {}) };
  for (const regions of [['full'], ['full', 'inside', 'outside']]) {
    const metrics = Object.fromEntries(all.map((k) => [k, null]));
    for (const [k, v] of Object.entries(c.metrics)) metrics[k] = { ...v, ...(k === 'fid' || k === 'is' ? {} : { regions }) };
    if (regions.length > 1 && (c.metrics.fid || c.metrics.is)) continue; // set-level: no regions
    const preset = derivePreset(base, `bench-${c.name}`, { metrics });
    await scoreSample(backbones, preset, input(0)); // warm-up: kernels, shaders
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) await scoreSample(backbones, preset, input(i + 1));
    const s = (performance.now() - t0) / 1000;
    const images = c.images * (regions.length === 1 ? 1 : regions.length) * samples;
    results.push({ metric: c.name, regions: regions.join('+'), samplesPerSecond: +(samples / s).toFixed(3), backboneImagesPerSecond: images ? +(images / s).toFixed(2) : null, msPerSample: Math.round((1000 * s) / samples), weights: c.key && folders[c.key] ? folders[c.key] : 'random' });
    console.error(JSON.stringify(results.at(-1)));
  }
  m?.dispose();
}

// The Fréchet step alone (float64, ml-matrix), 2048-d features: N below d (Gram route) and above (moments route).
const fid = [];
if (!only.length || only.includes('frechet')) {
  for (const n of (opt('frechet', '500,2100') ?? '').split(',').map(Number)) {
    const feats = (seed) => Array.from({ length: n }, (_, i) => Float32Array.from({ length: 2048 }, (_, j) => Math.sin(i * 0.7 + j * 0.013 * seed) + (j % 7) * 0.1));
    const a = feats(1), b = feats(2);
    const t0 = performance.now();
    const r = fidFromFeatures(a, b);
    fid.push({ n, d: 2048, route: r.route, seconds: +((performance.now() - t0) / 1000).toFixed(1) });
    console.error(JSON.stringify(fid.at(-1)));
  }
}

const load = (await import('node:os')).loadavg().map((l) => +l.toFixed(2));
console.log(JSON.stringify({ machine: machine(), load, backend: report.active, samples, imageSize: `${SIZE}²`, prepared: !args.includes('--no-prepare'), results, frechet: fid }, null, 2));
