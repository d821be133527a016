// The editor on the engine's backend, side by side with diffusers v0.25 on PyTorch in the same run
// (bench/torch_editor.py, same configs, random weights): a UNet forward + backward (one training
// micro-batch) and a whole 20-step InstructPix2Pix edit (DPM-Solver++ 2M, batch of three guidance
// branches, VAE encode and decode), at a small config and at Stable Diffusion 1.5's UNet/VAE shape
// (bench/configs), 256×256. The wasm heap only grows: run the SD 1.5 cases in their own process
// (--sd15-only) so the small cases' freed memory does not fragment it. Each engine case reports the peak live tensor bytes and the wasm heap; a case
// the memory estimator says cannot fit the wasm heap is not started on wasm (it would abort the process)
// and is reported with the estimate instead.
// Usage: npx tsc -b && node bench/editor.mjs [backend=wasm] [runs=3] [--sd15 | --sd15-only] [--steps=20]
//        [--resolution=256] [--threads=N (PyTorch; default: all cores)] [--diffusers=DIR] [--no-torch] [--case=TEXT]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, benchConfig as readConfig, editorBench, gb, machine, root, timed } from './lib.mjs';

const { argv, arg, only, backend, runs, threads, diffusersDir } = benchArgs();
const steps = Number(arg('steps', 20));
const resolution = Number(arg('resolution', 256));
const withSd15 = argv.includes('--sd15');
const { tf, e, report, bytes, randomHost, paramsFrom, randomParams } = await editorBench(backend);
const { applyConfigDefaults, UNET_DEFAULTS, UNet2DConditionModel, parseUNetConfig, unetParamShapes, VAE_DEFAULTS, AutoencoderKL, parseVaeConfig, vaeParamShapes } = e;
const { InstructPix2PixPipeline, estimateEditorMemory, DPMSolverMultistepScheduler } = e;

const unetConfig = (f) => parseUNetConfig(applyConfigDefaults(readConfig(f), UNET_DEFAULTS, 'diffusers'), f);
const vaeConfig = (f) => parseVaeConfig(applyConfigDefaults(readConfig(f), VAE_DEFAULTS, 'diffusers'), f);

const cases = argv.includes('--sd15-only') ? [] : [
  { name: `small UNet fwd+bwd ${resolution}² b1`, kind: 'unet_train', unet: 'small-unet.json', vae: 'small-vae.json', batch: 1 },
  { name: `small ${steps}-step edit ${resolution}² b1`, kind: 'edit', unet: 'small-unet.json', vae: 'small-vae.json', batch: 1 },
];
if (withSd15 || argv.includes('--sd15-only')) {
  cases.push({ name: `SD1.5 UNet fwd+bwd ${resolution}² b1 (checkpointed)`, kind: 'unet_train', unet: 'sd15-unet.json', vae: 'sd15-vae.json', batch: 1, checkpointing: true });
  // One denoising step of an edit (the UNet on the batch of three branches, no VAE resident): the unit every edit repeats.
  cases.push({ name: `SD1.5 UNet denoising step ${resolution}² (batch 3)`, kind: 'unet_step', unet: 'sd15-unet.json', vae: 'sd15-vae.json', batch: 1 });
  // UNet + VAE do not fit the wasm heap together (measured: abort): each stage loads its own model.
  cases.push({ name: `SD1.5 ${steps}-step edit ${resolution}² b1 (stages on demand)`, kind: 'edit', unet: 'sd15-unet.json', vae: 'sd15-vae.json', batch: 1, vaeOnDemand: true });
}

const ours = [];
for (const c of cases.filter((x) => !only || x.name.includes(only))) {
  const uc = unetConfig(c.unet);
  const vc = vaeConfig(c.vae);
  const est = estimateEditorMemory({ unetConfig: uc, vaeConfig: vc, resolution, batch: c.batch, training: c.kind === 'unet_train', checkpointing: c.checkpointing ?? false, vaeResident: !c.vaeOnDemand, backend: tf.getBackend() });
  // A UNet training step alone (no VAE decode tape): the estimate's UNet stage + weights + gradients.
  const need = c.kind === 'unet_train' ? est.weights.unet * 2 + est.stages.unet + est.transient : c.kind === 'unet_step' ? est.weights.unet + est.stages.unet + est.transient : est.peak;
  const row = { ...c, estimate: need, summary: est.summary };
  if (tf.getBackend() === 'wasm' && need * 1.05 > 4 * 2 ** 30) {
    row.skipped = `needs ~${gb(need)} on the wasm heap (4 GiB): a GPU backend`;
    ours.push(row);
    console.error(`${c.name}: skipped — ${row.skipped}`);
    continue;
  }
  const lat = resolution / 8;
  // All three stages on demand (SD 1.5 on wasm): the UNet's weights wait in host memory between edits.
  const unetHost = c.vaeOnDemand ? randomHost(unetParamShapes(uc), 1) : null;
  const unet = unetHost ? null : new UNet2DConditionModel(uc, randomParams(unetParamShapes(uc), 1));
  if (unet) unet.gradientCheckpointing = c.checkpointing ?? false;
  const cross = uc.cross_attention_dim;
  let fn;
  let extra = [];
  if (c.kind === 'unet_train') {
    const x = tf.randomNormal([c.batch, uc.in_channels, lat, lat], 0, 1, 'float32', 2);
    const e = tf.randomNormal([c.batch, 77, cross], 0, 1, 'float32', 3);
    extra = [x, e];
    const vars = unet.params.variables();
    fn = async () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(unet.forward(x, 500, e))), vars);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    };
  } else if (c.kind === 'unet_step') {
    unet.params.setTrainable(false);
    const x = tf.randomNormal([3 * c.batch, uc.in_channels, lat, lat], 0, 1, 'float32', 2);
    const e = tf.randomNormal([3 * c.batch, 77, cross], 0, 1, 'float32', 3);
    extra = [x, e];
    fn = async () => {
      const y = unet.forward(x, 500, e);
      await y.data();
      y.dispose();
    };
  } else {
    unet?.params.setTrainable(false);
    const vaeHost = randomHost(vaeParamShapes(vc), 4);
    const vae = c.vaeOnDemand ? { config: vc, load: async () => new AutoencoderKL(vc, paramsFrom(vaeHost)) } : new AutoencoderKL(vc, paramsFrom(vaeHost));
    const unetPart = unet ?? { config: uc, load: async () => new UNet2DConditionModel(uc, paramsFrom(unetHost)) };
    const scheduler = DPMSolverMultistepScheduler.fromConfig({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 });
    const pipeline = new InstructPix2PixPipeline({ unet: unetPart, vae, textEncoder: async () => { throw new Error('prompt embeds are given'); }, tokenizer: null, scheduler }, c.name);
    const image = tf.randomUniform([c.batch, 3, resolution, resolution], 0, 1, 'float32', 5);
    const text = tf.randomNormal([c.batch, 77, cross], 0, 1, 'float32', 6);
    const neg = tf.randomNormal([c.batch, 77, cross], 0, 1, 'float32', 7);
    extra = [image, text, neg];
    fn = async () => {
      const r = await pipeline.edit({ image, promptEmbeds: [text, neg], steps, seed: 8 });
      await r.image.data();
      tf.dispose([r.image, r.latents]);
    };
    row.dispose = () => ('load' in vae ? undefined : vae.dispose());
  }
  const before = tf.memory().numTensors;
  bytes.resetPeak();
  const t = await timed(fn, runs);
  row.ms = t.ms;
  row.medianMs = t.medianMs;
  row.peakBytes = bytes.peak;
  row.heap = bytes.wasmHeap();
  row.leaked = tf.memory().numTensors - before;
  tf.dispose(extra);
  row.dispose?.();
  unet?.dispose();
  ours.push(row);
  console.error(`${c.name}: ${t.ms.toFixed(0)} ms (median ${t.medianMs.toFixed(0)}), peak tensors ${gb(row.peakBytes)}, wasm heap ${gb(row.heap)}`);
}

let torch = null;
if (!argv.includes('--no-torch')) {
  const spec = { threads, runs, cases: cases.filter((x) => !only || x.name.includes(only)).map((c) => ({ name: c.name, kind: c.kind, unet: c.unet, vae: c.vae, resolution, batch: c.batch, steps, checkpointing: c.checkpointing ?? false })) };
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'bench/torch_editor.py'), '--diffusers', diffusersDir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status === 0) torch = JSON.parse(r.stdout.trim().split('\n').pop());
  else console.error(`PyTorch side failed (${r.status}): ${r.stderr.slice(-2000)}`);
}

const load = os.loadavg()[0];
console.log(`# editor bench — ${machine()}; backend ${report.active}; load ${load.toFixed(2)}; runs ${runs} (fastest, median)`);
console.log(`| case | engine (${report.active}, 1 thread) | PyTorch ${torch ? `${torch.torch}, diffusers ${torch.diffusers}, ${torch.threads} threads` : '(not run)'} | ratio | engine peak tensors / wasm heap |`);
console.log('|---|---|---|---|---|');
for (const row of ours) {
  const t = torch?.results.find((x) => x.name === row.name);
  const engine = row.skipped ? `not run: ${row.skipped}` : `${row.ms.toFixed(0)} ms (${row.medianMs.toFixed(0)})`;
  const theirs = t ? `${t.ms.toFixed(0)} ms (${t.median_ms.toFixed(0)}), RSS ${(t.peak_rss_mb / 1e3).toFixed(2)} GB` : 'n/a';
  const ratio = t && !row.skipped ? `${(row.ms / t.ms).toFixed(2)}×` : '—';
  console.log(`| ${row.name} | ${engine} | ${theirs} | ${ratio} | ${row.skipped ? `estimate ${gb(row.estimate)}` : `${gb(row.peakBytes)} / ${gb(row.heap)}`}${row.leaked ? ` (LEAKED ${row.leaked} tensors)` : ''} |`);
}
