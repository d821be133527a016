// What one editor training step (issue 15, Eq. 5–10 through editorLoss) holds per sample, measured on
// the engine's backend at micro-batches 1 and 2 — peak(b) = fixed + b · per-sample — and from it what
// the paper's batch 8 (SD 1.5's UNet at 256², region + global terms) needs on a GPU.
//   tiny  — the tiny preset: pixel-space UNet at 32², tiny Region-CLIP / BLIP towers, no checkpointing;
//   small — bench/configs/small-unet.json + small-vae.json at 256² with the tiny towers, with and
//           without gradient checkpointing (its UNet + decode part checks estimateEditorMemory);
//   towers — towers alone, d(L_region + L_global)/dÎ for a 256² decoded image: the tiny ones (to take
//           them out of the small step) and the paper's (CLIP ViT-B/16 + fusion, BLIP ViT-B/16 at 384).
// "peak" is the largest tf.memory().numBytes during the step (forward, backward, gradients) above
// what was resident before it (weights, inputs). SD 1.5's UNet + VAE part cannot run on the 4 GiB
// wasm heap, so it comes from estimateEditorMemory scaled by measured/estimated on the small config;
// the towers' part is measured at the paper's sizes. Random weights (memory does not depend on values).
// Usage: npx tsc -b && node bench/editor-memory.mjs [backend=wasm] [--case=TEXT] [--no-paper-towers]
import os from 'node:os';
import { benchArgs, benchConfig as readConfig, editorBench, gb } from './lib.mjs';

const { argv, only, backend } = benchArgs();
const { tf, e, report, bytes, randomParams, frozenTowers, lossBatch, lossStep, tiny } = await editorBench(backend);
const { applyConfigDefaults, UNET_DEFAULTS, UNet2DConditionModel, parseUNetConfig, unetParamShapes, VAE_DEFAULTS, AutoencoderKL, PixelSpace, parseVaeConfig, vaeParamShapes } = e;
const { parseBlipConfig, CLIP_DEFAULTS, parseClipConfig, estimateEditorMemory, regionTerms, globalTerms } = e;
const GB = (b) => gb(b, 3);
const paperTowers = { clip: readConfig('clip-vit-b16.json'), blip: readConfig('blip-itm-base.json') };
const tinyTowers = tiny.towers;

/** Frozen towers (bytes they occupy measured as they load). */
function makeTowers(t, checkpointing) {
  const before = bytes.live;
  const towers = frozenTowers(t, checkpointing);
  return { towers, bytes: bytes.live - before };
}

/** Peak bytes above the resident ones while `run` executes and its outputs are read, then freed. */
async function measure(run) {
  const base = bytes.live;
  bytes.resetPeak();
  const out = run();
  for (const t of out) await t.data();
  tf.dispose(out);
  return bytes.peak - base;
}

const boxes = (b, r) => Array.from({ length: b }, () => ({ y0: r / 4, x0: r / 8, y1: r / 2 + r / 8, x1: r - r / 4 }));

async function stepPeak(c, b) {
  const uc = parseUNetConfig(applyConfigDefaults(c.unet, UNET_DEFAULTS, 'diffusers'), c.name);
  const vc = c.vae ? parseVaeConfig(applyConfigDefaults(c.vae, VAE_DEFAULTS, 'diffusers'), c.name) : null;
  const unet = new UNet2DConditionModel(uc, randomParams(unetParamShapes(uc), 1, true));
  unet.gradientCheckpointing = c.checkpointing;
  const codec = vc ? new AutoencoderKL(vc, randomParams(vaeParamShapes(vc), 2, false)) : new PixelSpace();
  codec.gradientCheckpointing = c.checkpointing;
  const { towers } = makeTowers(c.towers, c.checkpointing);
  const clipC = parseClipConfig(applyConfigDefaults(c.towers.clip, CLIP_DEFAULTS), 'clip');
  const blipC = parseBlipConfig(c.towers.blip);
  const batch = lossBatch({
    b,
    channels: codec.config.latent_channels,
    latent: c.resolution / (vc ? 8 : 1),
    crossDim: uc.cross_attention_dim,
    resolution: c.resolution,
    regionDim: clipC.projection_dim,
    sceneDim: blipC.image_text_hidden_size,
  });
  const weights = { denoise: 1, region: 1, global: 1, fusion: true, normalizer: b };
  const peakBytes = await measure(() => lossStep(unet, codec, towers, batch, weights));
  const est = vc ? estimateEditorMemory({ unetConfig: uc, vaeConfig: vc, resolution: c.resolution, batch: b, training: true, checkpointing: c.checkpointing, backend: 'webgpu' }) : null;
  const gradBytes = unet.params.numParams() * 4;
  tf.dispose(Object.values(batch).filter((v) => v instanceof tf.Tensor));
  for (const m of [unet, codec, towers.regionClip, towers.blip]) m.dispose();
  return { bytes: peakBytes, gradBytes, estimate: est };
}

async function towersPeak(c, b) {
  const { towers, bytes: towerBytes } = makeTowers(c.towers, c.checkpointing);
  const clipC = parseClipConfig(applyConfigDefaults(c.towers.clip, CLIP_DEFAULTS), 'clip');
  const blipC = parseBlipConfig(c.towers.blip);
  const image = tf.randomUniform([b, 3, c.resolution, c.resolution], -1, 1, 'float32', 11);
  const rt = tf.randomNormal([b, clipC.projection_dim], 0, 1, 'float32', 9);
  const st = tf.randomNormal([b, blipC.image_text_hidden_size], 0, 1, 'float32', 10);
  const peakBytes = await measure(() => [tf.grad((img) => {
    const r = regionTerms(towers, img, boxes(b, c.resolution), rt, { fusion: true });
    const g = globalTerms(towers, img, st);
    return tf.add(tf.sum(r.each), tf.sum(g.each));
  })(image)]);
  tf.dispose([image, rt, st]);
  towers.regionClip.dispose();
  towers.blip.dispose();
  return { bytes: peakBytes, towerBytes };
}

const tinyUnet = tiny.unet;
const smallUnet = readConfig('small-unet.json');
const smallVae = readConfig('small-vae.json');
const cases = [
  { name: 'tiny 32² (pixel space, tiny towers)', kind: 'step', unet: tinyUnet, vae: null, resolution: 32, towers: tinyTowers, checkpointing: false },
  ...[true, false].flatMap((ck) => [
    { name: `tiny towers alone, 256² image, checkpointing ${ck}`, kind: 'towers', resolution: 256, towers: tinyTowers, checkpointing: ck },
    { name: `small 256² (small UNet/VAE, tiny towers), checkpointing ${ck}`, kind: 'step', unet: smallUnet, vae: smallVae, resolution: 256, towers: tinyTowers, checkpointing: ck },
    // the paper's towers: minutes per sample on one wasm thread
    { name: `paper towers alone, 256² image, checkpointing ${ck}`, kind: 'towers', resolution: 256, towers: paperTowers, checkpointing: ck },
  ]),
];
const rows = new Map();
let heapBroken = false;
for (const c of cases.filter((x) => (!only || x.name.includes(only)) && !(argv.includes('--no-paper-towers') && x.name.startsWith('paper')))) {
  const r = [];
  for (const b of [1, 2]) {
    if (tf.getBackend() === 'wasm' && c.kind === 'step' && c.vae) {
      const uc = parseUNetConfig(applyConfigDefaults(c.unet, UNET_DEFAULTS, 'diffusers'), c.name);
      const vc = parseVaeConfig(applyConfigDefaults(c.vae, VAE_DEFAULTS, 'diffusers'), c.name);
      const need = estimateEditorMemory({ unetConfig: uc, vaeConfig: vc, resolution: c.resolution, batch: b, training: true, checkpointing: c.checkpointing, backend: 'wasm' });
      if (!need.fitsWasmHeap) {
        console.error(`${c.name}, micro-batch ${b}: skipped — ${need.summary}`);
        break;
      }
    }
    if (tf.getBackend() === 'wasm' && c.kind === 'towers' && b === 2 && (bytes.live + r[0].towerBytes + 2 * r[0].bytes) * 1.05 > 4 * 2 ** 30) {
      console.error(`${c.name}, micro-batch 2: skipped — twice micro-batch 1's ${GB(r[0].bytes)} cannot fit the 4 GiB wasm heap`);
      break;
    }
    const t0 = performance.now();
    try {
      r.push(c.kind === 'towers' ? await towersPeak(c, b) : await stepPeak(c, b));
    } catch (err) {
      // The wasm heap ran out mid-step (XNNPACK reports it as an out-of-bounds access): the module's
      // memory is not to be trusted after it, so no case runs after this one; the table still prints.
      console.error(`${c.name}, micro-batch ${b}: did not fit — ${err.message.split('\n')[0]}; no further case measured`);
      heapBroken = true;
      break;
    }
    console.error(`${c.name}, micro-batch ${b}: peak ${GB(r[b - 1].bytes)} above resident (${((performance.now() - t0) / 1000).toFixed(0)} s; ${tf.memory().numTensors} tensors left)`);
  }
  if (r.length === 0) {
    if (heapBroken) break;
    continue;
  }
  // micro-batch 2 skipped (it cannot fit): per sample = micro-batch 1 less the gradients, the only fixed part of a step
  const perSample = r.length === 2 ? r[1].bytes - r[0].bytes : r[0].bytes - (r[0].gradBytes ?? 0);
  rows.set(c.name, { c, r, perSample, fixed: r[0].bytes - perSample });
  if (heapBroken) break;
}

console.log(`# editor step memory per sample — backend ${report.active}; load ${os.loadavg()[0].toFixed(2)}`);
console.log('| case | peak, micro-batch 1 | micro-batch 2 | per sample | fixed (b=1 minus per sample) | estimator per sample (UNet + decode stages) |');
console.log('|---|---|---|---|---|---|');
for (const { c, r, perSample, fixed } of rows.values()) {
  const e = r[0].estimate && r[1]?.estimate ? GB(r[1].estimate.activations - r[0].estimate.activations) : r[0].estimate ? `${GB(r[0].estimate.activations)} (micro-batch 1)` : '—';
  console.log(`| ${c.name} | ${GB(r[0].bytes)} | ${r[1] ? GB(r[1].bytes) : 'does not fit'} | ${GB(perSample)} | ${GB(fixed)} | ${e} |`);
}

// SD 1.5 at 256², batch 8 on a GPU: weights + gradients + AdamW moments + the largest kernel's copies
// (exact, estimator), UNet + decode activations (estimator × measured/estimated per sample on the
// small config, same checkpointing), towers (measured per sample and fixed, paper sizes).
const sdU = parseUNetConfig(applyConfigDefaults(readConfig('sd15-unet.json'), UNET_DEFAULTS, 'diffusers'), 'sd15-unet.json');
const sdV = parseVaeConfig(applyConfigDefaults(readConfig('sd15-vae.json'), VAE_DEFAULTS, 'diffusers'), 'sd15-vae.json');
for (const ck of [true, false]) {
  const small = rows.get(`small 256² (small UNet/VAE, tiny towers), checkpointing ${ck}`);
  const tinyTw = rows.get(`tiny towers alone, 256² image, checkpointing ${ck}`);
  const tw = rows.get(`paper towers alone, 256² image, checkpointing ${ck}`);
  if (!small || !tinyTw || !tw) {
    const missing = [[small, 'the small step'], [tinyTw, 'the tiny towers'], [tw, 'the paper towers']].filter(([x]) => !x).map(([, n]) => n);
    console.log(`SD 1.5 256² batch 8, checkpointing ${ck}: not estimated — no measurement of ${missing.join(', ')} (skipped, or did not fit the heap)`);
    continue;
  }
  const estSmall = small.r[1] ? small.r[1].estimate.activations - small.r[0].estimate.activations : small.r[0].estimate.activations;
  const measuredUnetDecode = small.perSample - tinyTw.perSample;
  const scale = measuredUnetDecode / estSmall;
  const e8 = estimateEditorMemory({ unetConfig: sdU, vaeConfig: sdV, resolution: 256, batch: 8, training: true, checkpointing: ck, optimizerState: 'device', backend: 'webgpu' });
  const fixedState = e8.weights.unet + e8.weights.vae + e8.training + e8.transient;
  const towers = tw.r[0].towerBytes + Math.max(0, tw.fixed) + 8 * tw.perSample;
  const total = fixedState + scale * e8.activations + towers;
  console.log(`SD 1.5 256² batch 8, checkpointing ${ck}: ${GB(total)} = UNet+VAE weights, UNet gradients and AdamW moments, kernel copies ${GB(fixedState)} + UNet/decode activations ${GB(e8.activations)} (estimator) × ${scale.toFixed(2)} (measured/estimated per sample, small config) + towers ${GB(tw.r[0].towerBytes)} weights + ${GB(Math.max(0, tw.fixed))} fixed + 8 × ${GB(tw.perSample)} per sample`);
}
