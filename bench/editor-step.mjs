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
import { benchArgs, benchConfig as readConfig, editorBench, gb, machine, root, timed } from './lib.mjs';

const { argv, only, backend, runs, threads, diffusersDir } = benchArgs();
const { tf, e, report, bytes, randomParams, frozenTowers, lossBatch, lossStep, tiny } = await editorBench(backend);
const { applyConfigDefaults, UNET_DEFAULTS, UNet2DConditionModel, parseUNetConfig, unetParamShapes, VAE_DEFAULTS, AutoencoderKL, PixelSpace, parseVaeConfig, vaeParamShapes } = e;
const { blipParamShapes, parseBlipConfig, CLIP_DEFAULTS, clipParamShapes, parseClipConfig, estimateEditorMemory } = e;
const count = (shapes) => [...shapes.values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);

// The tiny preset's UNet (config.json form) and the SD 1.5 shapes; towers as the tiny trainers' / the paper's.
const tinyUnet = tiny.unet;
fs.mkdirSync(path.join(os.tmpdir(), 'ric-bench-editor-step'), { recursive: true });
const tinyFile = path.join(os.tmpdir(), 'ric-bench-editor-step', 'tiny-unet.json');
fs.writeFileSync(tinyFile, JSON.stringify(tinyUnet));
const tinyTowers = tiny.towers;
const cases = [];
for (const terms of [false, true]) {
  cases.push({ name: `tiny 32² b16 ${terms ? 'full loss' : 'denoise only'}`, unet: tinyUnet, unetFile: tinyFile, vae: null, resolution: 32, batch: 16, terms, towers: tinyTowers, checkpointing: false });
}
if (argv.includes('--sd15')) {
  for (const terms of [false, true]) {
    cases.push({ name: `SD1.5 256² b1 ${terms ? 'full loss' : 'denoise only'} (checkpointed)`, unet: readConfig('sd15-unet.json'), unetFile: 'sd15-unet.json', vae: 'sd15-vae.json', resolution: 256, batch: 1, terms, towers: { clip: readConfig('clip-vit-b16.json'), blip: readConfig('blip-itm-base.json') }, checkpointing: true });
  }
}

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
  const towers = c.terms ? frozenTowers(c.towers, c.checkpointing) : { regionClip: null, blip: null, clipNorm: e.CLIP_NORMALIZATION, blipNorm: e.CLIP_NORMALIZATION };
  const b = c.batch;
  const batch = lossBatch({
    b,
    channels: codec.config.latent_channels,
    latent: c.resolution / (vc ? 8 : 1),
    crossDim: uc.cross_attention_dim,
    resolution: c.resolution,
    ...(c.terms ? { regionDim: clipC.projection_dim, sceneDim: blipC.image_text_hidden_size } : {}),
  });
  const weights = { denoise: 1, region: c.terms ? 1 : 0, global: c.terms ? 1 : 0, fusion: true, normalizer: b };
  const step = async () => {
    const out = lossStep(unet, codec, towers, batch, weights);
    await out[0].data();
    tf.dispose(out);
  };
  const before = tf.memory().numTensors;
  bytes.resetPeak();
  const t = await timed(step, runs);
  row.ms = t.ms;
  row.medianMs = t.medianMs;
  row.peakBytes = bytes.peak;
  row.heap = bytes.wasmHeap();
  row.kept = tf.memory().numTensors - before;
  tf.dispose(Object.values(batch).filter((v) => v instanceof tf.Tensor));
  for (const m of [unet, codec, towers.regionClip, towers.blip]) m?.dispose();
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
