// One Region-in-Context editor training step (issue 15: Eq. 5–10 through main/engine/training/editor's
// editorLoss, the trainer's own code) on the engine's backend, beside the same step in PyTorch
// (bench/torch_editor_step.py: diffusers v0.25 UNet/VAE, towers of the same shapes), each case with
// and without the region and global terms:
//   tiny — the tiny preset's pixel-space UNet at 32², batch 16, the tiny Region-CLIP / BLIP towers;
//   sd15 — Stable Diffusion 1.5's UNet and VAE at 256², micro-batch 1, gradient checkpointing, CLIP
//          ViT-B/16 + fusion and BLIP ViT-B/16 (384) towers (--sd15; on wasm it is reported with the
//          memory estimate when the 4 GiB heap cannot hold it).
// Random weights (the values do not change the timing). Each PyTorch case runs in its own process,
// so its peak RSS is its own. Prints a Markdown table with the 1-minute load.
// Usage: npx tsc -b && node bench/editor-step.mjs [backend=wasm] [runs=3] [--sd15] [--threads=N] [--diffusers=DIR] [--no-torch] [--case=TEXT]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine, root } from './lib.mjs';

const tf = await import('@tensorflow/tfjs');
const dist = (p) => import(path.join(root, 'dist/main/engine', p));
const { initBackend } = await dist('backend.js');
const { applyConfigDefaults, ParamStore } = await dist('models/registry.js');
const { UNET_DEFAULTS, UNet2DConditionModel, parseUNetConfig, unetParamShapes } = await dist('models/unet/index.js');
const { VAE_DEFAULTS, AutoencoderKL, PixelSpace, parseVaeConfig, vaeParamShapes } = await dist('models/vae/index.js');
const { RegionClip } = await dist('models/fusion/region-clip.js');
const { BlipForImageTextRetrieval, blipParamShapes, parseBlipConfig } = await dist('models/blip/index.js');
const { CLIP_DEFAULTS, clipParamShapes, parseClipConfig } = await dist('models/clip/index.js');
const { estimateEditorMemory } = await dist('pipelines/index.js');
const { alphasCumprodOf, makeBetas } = await dist('schedulers/index.js');
const { editorLoss, tinyPipelineConfig } = await dist('training/editor/index.js');
const { tinyClipConfig, tinyBlipConfig, CLIP_NORMALIZATION } = await dist('training/index.js');
const { SeededRandom } = await dist('random.js');

const argv = process.argv.slice(2);
const arg = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const positional = argv.filter((a) => !a.startsWith('--'));
const only = arg('case');
const backend = positional[0] ?? 'wasm';
const runs = Number(positional[1] ?? 3);
const threads = Number(arg('threads', os.cpus().length));
const diffusersDir = arg('diffusers', process.env.RIC_DIFFUSERS_SRC ?? path.join(os.homedir(), '.cache/ric-diffusers/src'));
const report = await initBackend({ prefer: backend });

const state = tf.engine().state;
let live = state.numBytes;
let peak = live;
Object.defineProperty(state, 'numBytes', { get: () => live, set: (v) => { live = v; if (v > peak) peak = v; } });
const heap = () => tf.backend().wasm?.HEAPU8?.buffer.byteLength ?? null;
const gb = (b) => (b === null ? 'n/a' : `${(b / 1e9).toFixed(2)} GB`);
const readConfig = (f) => JSON.parse(fs.readFileSync(path.join(root, 'bench/configs', f), 'utf8'));
const count = (shapes) => [...shapes.values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);

function randomParams(shapes, seed, trainable) {
  const rng = new SeededRandom(seed);
  const params = new ParamStore('random');
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const std = shape.length === 1 ? 0 : 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1));
    const values = shape.length === 1 ? new Float32Array(n).fill(/norm/.test(name) && name.endsWith('.weight') ? 1 : 0) : rng.normals(n).map((v) => v * std);
    params.set(name, tf.tensor(values, shape), trainable);
  }
  return params;
}

// The tiny preset's UNet (config.json form) and the SD 1.5 shapes; towers as the tiny trainers' / the paper's.
const tinyUnet = { _class_name: 'UNet2DConditionModel', ...tinyPipelineConfig().unet };
fs.mkdirSync(path.join(os.tmpdir(), 'ric-bench-editor-step'), { recursive: true });
const tinyFile = path.join(os.tmpdir(), 'ric-bench-editor-step', 'tiny-unet.json');
fs.writeFileSync(tinyFile, JSON.stringify(tinyUnet));
const tinyTowers = { clip: tinyClipConfig(64), blip: tinyBlipConfig(64) };
const cases = [];
for (const terms of [false, true]) {
  cases.push({ name: `tiny 32² b16 ${terms ? 'full loss' : 'denoise only'}`, unet: tinyUnet, unetFile: tinyFile, vae: null, resolution: 32, batch: 16, terms, towers: tinyTowers, checkpointing: false });
}
if (argv.includes('--sd15')) {
  for (const terms of [false, true]) {
    cases.push({ name: `SD1.5 256² b1 ${terms ? 'full loss' : 'denoise only'} (checkpointed)`, unet: readConfig('sd15-unet.json'), unetFile: 'sd15-unet.json', vae: 'sd15-vae.json', resolution: 256, batch: 1, terms, towers: { clip: readConfig('clip-vit-b16.json'), blip: readConfig('blip-itm-base.json') }, checkpointing: true });
  }
}

const alphas = alphasCumprodOf(makeBetas({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, trained_betas: null }));
const ours = [];
for (const c of cases.filter((x) => !only || x.name.includes(only))) {
  const uc = parseUNetConfig(applyConfigDefaults(c.unet, UNET_DEFAULTS, 'diffusers'), c.name);
  const vc = c.vae ? parseVaeConfig(applyConfigDefaults(readConfig(c.vae), VAE_DEFAULTS, 'diffusers'), c.vae) : null;
  const clipC = parseClipConfig(applyConfigDefaults(c.towers.clip, CLIP_DEFAULTS), 'clip');
  const blipC = parseBlipConfig(c.towers.blip);
  const towerBytes = c.terms ? 4 * (count(clipParamShapes(clipC)) + count(blipParamShapes(blipC))) : 0;
  const est = vc ? estimateEditorMemory({ unetConfig: uc, vaeConfig: vc, resolution: c.resolution, batch: c.batch, training: true, checkpointing: c.checkpointing, backend: tf.getBackend() }) : null;
  const row = { ...c, estimate: est ? est.peak + towerBytes : null };
  if (tf.getBackend() === 'wasm' && row.estimate !== null && row.estimate * 1.05 > 4 * 2 ** 30) {
    row.skipped = `needs ~${gb(row.estimate)} (UNet weights + gradients + decode/UNet tapes + towers) on the 4 GiB wasm heap: a GPU backend`;
    ours.push(row);
    console.error(`${c.name}: skipped — ${row.skipped}`);
    continue;
  }
  const unet = new UNet2DConditionModel(uc, randomParams(unetParamShapes(uc), 1, true));
  unet.gradientCheckpointing = c.checkpointing;
  const codec = vc ? new AutoencoderKL(vc, randomParams(vaeParamShapes(vc), 2, false)) : new PixelSpace();
  codec.gradientCheckpointing = c.checkpointing;
  const regionClip = c.terms ? RegionClip.random(c.towers.clip, {}, 3) : null;
  const blip = c.terms ? BlipForImageTextRetrieval.random(c.towers.blip, 4) : null;
  if (regionClip) {
    regionClip.clip.params.setTrainable(false);
    regionClip.fusion.params.setTrainable(false);
    regionClip.clip.gradientCheckpointing = c.checkpointing;
  }
  if (blip) {
    blip.params.setTrainable(false);
    blip.gradientCheckpointing = c.checkpointing;
  }
  const down = vc ? 8 : 1;
  const ch = codec.config.latent_channels;
  const lat = c.resolution / down;
  const b = c.batch;
  const r = c.resolution;
  const batch = {
    sourceLatents: tf.randomNormal([b, ch, lat, lat], 0, 1, 'float32', 5),
    targetLatents: tf.randomNormal([b, ch, lat, lat], 0, 1, 'float32', 6),
    noise: tf.randomNormal([b, ch, lat, lat], 0, 1, 'float32', 7),
    timesteps: Array.from({ length: b }, () => 500),
    textStates: tf.randomNormal([b, 77, uc.cross_attention_dim], 0, 1, 'float32', 8),
    boxes: Array.from({ length: b }, () => ({ y0: r / 4, x0: r / 8, y1: r / 2 + r / 8, x1: r - r / 4 })),
    regionText: c.terms ? tf.randomNormal([b, clipC.projection_dim], 0, 1, 'float32', 9) : null,
    sceneText: c.terms ? tf.randomNormal([b, blipC.image_text_hidden_size], 0, 1, 'float32', 10) : null,
    gate: Array.from({ length: b }, () => 1),
  };
  const towers = { regionClip, blip, clipNorm: CLIP_NORMALIZATION, blipNorm: CLIP_NORMALIZATION };
  const weights = { denoise: 1, region: c.terms ? 1 : 0, global: c.terms ? 1 : 0, fusion: true, normalizer: b };
  const vars = unet.params.variables();
  const step = async () => {
    let kept = null;
    const { value, grads } = tf.variableGrads(() => {
      kept = editorLoss(unet, codec, towers, { alphasCumprod: alphas, predictionType: 'epsilon' }, batch, weights);
      return kept.total;
    }, vars);
    await value.data();
    // editorLoss keeps its per-sample terms for the trainer's metrics: freed here as the trainer does.
    tf.dispose([value, ...Object.values(grads), kept.denoiseEach, kept.regionEach, kept.globalEach].filter(Boolean));
  };
  const before = tf.memory().numTensors;
  peak = live;
  await step();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await step();
    ts.push(performance.now() - t0);
  }
  ts.sort((x, y) => x - y);
  row.ms = ts[0];
  row.medianMs = ts[Math.floor(ts.length / 2)];
  row.peakBytes = peak;
  row.heap = heap();
  row.kept = tf.memory().numTensors - before;
  tf.dispose(Object.values(batch).filter((v) => v instanceof tf.Tensor));
  for (const m of [unet, codec, regionClip, blip]) m?.dispose();
  ours.push(row);
  console.error(`${c.name}: ${row.ms.toFixed(0)} ms (median ${row.medianMs.toFixed(0)}), peak tensors ${gb(row.peakBytes)}, wasm heap ${gb(row.heap)}`);
}

const torch = new Map();
let torchInfo = null;
if (!argv.includes('--no-torch')) {
  for (const c of cases.filter((x) => !only || x.name.includes(only))) {
    const spec = { threads, runs, cases: [{ name: c.name, unet: c.unetFile.startsWith('/') ? path.relative(path.join(root, 'bench/configs'), c.unetFile) : c.unetFile, vae: c.vae, resolution: c.resolution, batch: c.batch, terms: c.terms, checkpointing: c.checkpointing, clip: c.terms ? writeTower(c, 'clip') : null, blip: c.terms ? writeTower(c, 'blip') : null }] };
    const r = spawnSync('/usr/bin/python3', [path.join(root, 'bench/torch_editor_step.py'), '--diffusers', diffusersDir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status === 0) {
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      torchInfo = out;
      torch.set(c.name, out.results[0]);
    } else console.error(`PyTorch side of "${c.name}" failed (${r.status}): ${r.stderr.slice(-2000)}`);
  }
}

/** A tower config as a file torch_editor_step.py reads (relative to bench/configs). */
function writeTower(c, which) {
  const file = path.join(os.tmpdir(), 'ric-bench-editor-step', `${c.name.replace(/\W+/g, '-')}-${which}.json`);
  fs.writeFileSync(file, JSON.stringify(c.towers[which]));
  return path.relative(path.join(root, 'bench/configs'), file);
}

const load = os.loadavg()[0];
console.log(`# editor training step — ${machine()}; backend ${report.active}; load ${load.toFixed(2)}; runs ${runs} (fastest, median)`);
console.log(`| case | engine (${report.active}, 1 thread) | PyTorch ${torchInfo ? `${torchInfo.torch}, diffusers ${torchInfo.diffusers}, ${torchInfo.threads} threads` : '(not run)'} | ratio | engine peak tensors / wasm heap |`);
console.log('|---|---|---|---|---|');
for (const row of ours) {
  const t = torch.get(row.name);
  const engine = row.skipped ? `not run: ${row.skipped}` : `${row.ms.toFixed(0)} ms (${row.medianMs.toFixed(0)})`;
  const theirs = t ? `${t.ms.toFixed(0)} ms (${t.median_ms.toFixed(0)}), peak RSS ${(t.peak_rss_mb / 1e3).toFixed(2)} GB` : 'n/a';
  const ratio = t && !row.skipped ? `${(row.ms / t.ms).toFixed(2)}×` : '—';
  console.log(`| ${row.name} | ${engine} | ${theirs} | ${ratio} | ${row.skipped ? `estimate ${gb(row.estimate)}` : `${gb(row.peakBytes)} / ${gb(row.heap)}`}${row.kept > 0 ? ` (${row.kept} tensors not freed)` : ''} |`);
}
