// One Region-CLIP training step (phase 1: the gated fusion module trains on CLIP's cached tokens,
// Eq. 11-16, learned temperature, global-norm clipping, AdamW) at the tiny preset's size and at
// ViT-B/16's size, on the engine's backend, side by side with the same step in PyTorch
// (bench/torch_train_step.py: Debian python3-torch, all cores) in the same run, and the step's
// achieved GFLOP/s against the backend's plain 2-D matMul rate measured in that run.
// With --joint, also phase 2 (CLIP ViT-B/16 trains too) at batch 2 in micro-batches of 1 and batch 4 in
// micro-batches of 2, with CLIP's encoder layers checkpointed (layers/checkpoint.ts; the trainers' default
// on wasm), reporting the peak tf.memory().numBytes and the wasm heap; --no-checkpointing keeps every
// layer's tape (on wasm that runs out of its 4 GiB heap). --joint-only skips the phase-1 steps.
// --blip runs only a BLIP-base step (blip-itm-base-coco's dims, random init, 224 M parameters: 384-px
// images, 35 text tokens, ITC loss of Eq. 11, batch 2 in micro-batches of --micro=N, default 2).
// --state=host|device: where the joint/BLIP steps keep AdamW's moments and the gradient sum
// (training/host-optim.ts; default: the trainers' `optimizer_state: auto` — host on wasm).
// --workers N (issue 13): the trainers' own step (training/phase-optimizer.ts) on this thread and on N
// tensor workers (engine/parallel) in the same run — phase 1 at ViT-B/16 size, or with --blip the
// BLIP-base step — beside PyTorch's same step (bench/parallel-step.mjs says what each runs); --batch=N
// sets phase 1's batch (default 16: the one-thread step at batch 8 tells a half-batch's own cost apart).
// Usage: npx tsc -b && node bench/train-step.mjs [backend=wasm] [runs=5] [--joint] [--joint-only] [--blip] [--micro=N] [--state=host|device] [--no-checkpointing] [--workers N [--batch=N]]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { gb, machine, root, timed } from './lib.mjs';

const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import(path.join(root, 'dist/main/engine/backend.js'));
const { GatedRegionContextFusion } = await import(path.join(root, 'dist/main/engine/models/fusion/index.js'));
const { RegionClip } = await import(path.join(root, 'dist/main/engine/models/fusion/region-clip.js'));
const { AdamW, HostAdamW, HostGradients, LearnedTemperature, batchGradients, clipGradNormAsync, optimizerStateFor, symmetricContrastiveLoss } = await import(path.join(root, 'dist/main/engine/training/index.js'));
const { BlipForImageTextRetrieval } = await import(path.join(root, 'dist/main/engine/models/blip/index.js'));

const backend = process.argv[2] ?? 'wasm';
const runs = Number(process.argv[3] ?? 5);
// Phase 2 at ViT-B/16 size does not fit the wasm backend's 4 GiB heap (see BENCHMARKS.md): only on request.
const blipOnly = process.argv.includes('--blip');
const jointOnly = blipOnly || process.argv.includes('--joint-only');
const withJoint = !blipOnly && (jointOnly || process.argv.includes('--joint'));
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const blipMicro = Number(arg('micro') ?? 2);
const checkpointing = !process.argv.includes('--no-checkpointing');
const report = await initBackend({ prefer: backend });
const stateSetting = arg('state') ?? 'auto';
if (!['auto', 'host', 'device'].includes(stateSetting)) throw new Error(`--state=${stateSetting}: expected host or device`);
const hostState = optimizerStateFor(stateSetting, tf.getBackend()) === 'host';

// Peak live tensor bytes: the engine's running total, watched on every change (exact, no profiler).
const engineState = tf.engine().state;
let liveBytes = engineState.numBytes;
let peakBytes = liveBytes;
Object.defineProperty(engineState, 'numBytes', {
  get: () => liveBytes,
  set: (v) => {
    liveBytes = v;
    if (v > peakBytes) peakBytes = v;
  },
});
// The wasm heap only grows (WebAssembly.Memory.grow): its size now is its peak so far.
const wasmHeapBytes = () => tf.backend().wasm?.HEAPU8?.buffer.byteLength ?? null;

const configs = [
  { name: 'tiny preset (17 tokens × 32, batch 32)', input_dim: 32, hidden_dim: 32, projection_dim: 32, num_heads: 2, kernel_size: 3, tokens: 17, batch: 32 },
  { name: 'ViT-B/16 size (197 tokens × 768 → 512, 8 heads, batch 16)', input_dim: 768, hidden_dim: 768, projection_dim: 512, num_heads: 8, kernel_size: 3, tokens: 197, batch: 16 },
];

/** Fastest (`min`) and median of `runs` timed calls after a warm-up (lib.mjs's `timed`). */
async function median(fn) {
  const t = await timed(fn, runs);
  return { min: t.ms, median: t.medianMs };
}

// The backend's ceiling: a plain (non-transposed) 2-D matMul.
const a = tf.randomNormal([1024, 768]);
const w = tf.randomNormal([768, 768]);
const matmulT = await median(async () => {
  const c = tf.matMul(a, w);
  await c.data();
  c.dispose();
});
const matmulMs = matmulT.min;
const matmulGflops = (2 * 1024 * 768 * 768) / matmulMs / 1e6;

const workersAt = process.argv.indexOf('--workers');
const workersArg = arg('workers') ?? (workersAt > 0 ? process.argv[workersAt + 1] : undefined);
if (workersArg !== undefined) {
  const { workersTable } = await import('./parallel-step.mjs');
  await workersTable({ workers: Number(workersArg), blip: blipOnly, runs, backend: report.active, batch: Number(arg('batch') ?? 16), matmul: { ms: matmulMs, median: matmulT.median, gflops: matmulGflops } });
  process.exit(0);
}

const ours = [];
for (const c of jointOnly ? [] : configs) {
  const fusion = GatedRegionContextFusion.random({ input_dim: c.input_dim, hidden_dim: c.hidden_dim, projection_dim: c.projection_dim, num_heads: c.num_heads, kernel_size: c.kernel_size }, 1);
  const temperature = new LearnedTemperature(0.07);
  const variables = [...fusion.variables(), temperature.logScale];
  const opt = new AdamW(variables, { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  const eR = tf.randomNormal([c.batch, c.tokens, c.input_dim]);
  const eF = tf.randomNormal([c.batch, c.tokens, c.input_dim]);
  const text = tf.randomNormal([c.batch, c.projection_dim]);
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => symmetricContrastiveLoss(fusion.forward(eR, eF, { constantInputs: true }).regionEmbedding, text, temperature.scale()).loss, variables);
    await clipGradNormAsync(grads, 1);
    opt.apply(grads, 1e-4);
    tf.dispose(grads);
    await value.data();
    value.dispose();
  };
  await step(); // creates the optimiser's moments
  const before = tf.memory().numTensors;
  const t = await median(step);
  const ms = t.min;
  const leaked = tf.memory().numTensors - before;
  const flops = fusion.trainingFlops(c.batch, c.tokens, c.tokens, { constantInputs: true });
  ours.push({ ...c, ms, medianMs: t.median, gflops: flops / ms / 1e6, flops, leaked });
  tf.dispose([eR, eF, text]);
  opt.dispose();
  temperature.dispose();
  fusion.dispose();
}

// Phase 2 ("joint"): CLIP ViT-B/16 itself trains — both towers' forward and backward for a crop and a
// whole image per pair, the text tower for t_r, the fusion module. Batch 2 (one micro-batch).
const vision = { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 16 };
const text = { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, vocab_size: 49408, max_position_embeddings: 77 };
const ck = checkpointing ? 'checkpointed layers' : 'no checkpointing';
const blipVision = { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 384, patch_size: 16 };
const blipText = { vocab_size: 30524, hidden_size: 768, encoder_hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, max_position_embeddings: 512, pad_token_id: 0, bos_token_id: 30522, sep_token_id: 102, eos_token_id: 2 };
const stateName = hostState ? 'optimizer state on the host' : 'optimizer state on the device';
const joint = blipOnly
  ? [{ kind: 'blip', name: `BLIP-base ITC (blip-itm-base-coco dims, 384 px, batch 2 in micro-batches of ${blipMicro}, 35 text tokens, ${ck}, ${stateName})`, vision: blipVision, text: blipText, batch: 2, micro: blipMicro, text_tokens: 35, runs: Math.min(runs, 2) }]
  : !withJoint
  ? []
  : [
      // One micro-batch of 2 pairs first: with micro-batches of 1 the accumulated and the current
      // micro-batch's gradients (0.6 GB each) are alive together, which is what overflows the heap.
      { name: `joint: CLIP ViT-B/16 + fusion train (batch 2 in one micro-batch, 16 text tokens, ${ck}, ${stateName})`, vision, text, projection_dim: 512, num_heads: 8, kernel_size: 3, batch: 2, micro: 2, text_tokens: 16, runs: Math.min(runs, 2) },
      { name: `joint: CLIP ViT-B/16 + fusion train (batch 2 in micro-batches of 1, 16 text tokens, ${ck}, ${stateName})`, vision, text, projection_dim: 512, num_heads: 8, kernel_size: 3, batch: 2, micro: 1, text_tokens: 16, runs: Math.min(runs, 2) },
    ];
if (!withJoint && !blipOnly) console.error('phase-2 (joint) ViT-B/16 step skipped: pass --joint (CLIP checkpointed: fits the wasm heap)');
const layerFlops = (L, d, inner, layers) => layers * (2 * L * (4 * d * d + 2 * d * inner) + 2 * 2 * L * L * d);
function buildRegionClip(c) {
  const model = RegionClip.random({ model_type: 'clip', projection_dim: c.projection_dim, text_config: { ...c.text, eos_token_id: 2 }, vision_config: c.vision }, { num_heads: c.num_heads, kernel_size: c.kernel_size }, 1);
  model.clip.gradientCheckpointing = checkpointing;
  const crop = tf.randomNormal([c.batch, 3, 224, 224]);
  const full = tf.randomNormal([c.batch, 3, 224, 224]);
  const { ids, mask } = tokens(c);
  // The trainer's exact micro-batching (gradient caching), one pair per micro-batch: a ViT-B/16 tape
  // for two images is ~0.9 GB, and the whole batch's would not fit the wasm heap next to the weights,
  // the AdamW moments and the gradients (~2.4 GB at 150 M parameters).
  const task = {
    async makeBatch(pairs) {
      const [i, n] = [pairs[0], pairs.length];
      const b = { size: n, crop: rows(crop, i, n), full: rows(full, i, n), ids: rows(ids, i, n), mask: rows(mask, i, n) };
      return { ...b, dispose: () => tf.dispose([b.crop, b.full, b.ids, b.mask]) };
    },
    imageEmbeddings: (b) => model.regionEmbedding(b.crop, b.full),
    textEmbeddings: (b) => model.textEmbedding(b.ids, b.mask),
    textTrainable: () => true,
  };
  const L = (224 / 16) ** 2 + 1;
  const visionForward = 2 * (L - 1) * 3 * 16 * 16 * 768 + layerFlops(L, 768, 3072, 12);
  const textForward = layerFlops(c.text_tokens, 512, 2048, 12) + 2 * 512 * c.projection_dim;
  // Every layer computes its input and weight gradients here (CLIP trains): backward ≈ 2× forward;
  // gradient caching (more than one micro-batch) adds one more forward of everything, checkpointing one
  // more forward of the encoders (both counted as useful work: the prices of the exact full-batch
  // gradient in micro-batches and of fitting the heap).
  const fusionFwd = model.fusion.trainingFlops(c.batch, L, L) / 3;
  const caching = c.micro < c.batch ? 1 : 0;
  const flops = c.batch * (3 + caching + (checkpointing ? 1 : 0)) * (2 * visionForward + textForward) + (3 + caching) * fusionFwd;
  const variables = [...model.clip.params.variables(), ...model.fusion.variables()];
  return { model, task, variables, flops, numParams: model.clip.params.numParams() + model.fusion.params.numParams(), inputs: [crop, full, ids, mask] };
}

// BLIP-base as blip-itm-base-coco (224 M parameters with the ITM head's cross-attention, which ITC
// leaves without gradients): the trainer's BlipTask on random pixels and token ids.
function buildBlip(c) {
  const model = BlipForImageTextRetrieval.random({ model_type: 'blip', architectures: ['BlipForImageTextRetrieval'], image_text_hidden_size: 256, text_config: c.text, vision_config: c.vision }, 1);
  model.gradientCheckpointing = checkpointing;
  const px = tf.randomNormal([c.batch, 3, c.vision.image_size, c.vision.image_size]);
  const { ids, mask } = tokens(c);
  const task = {
    async makeBatch(pairs) {
      const [i, n] = [pairs[0], pairs.length];
      const b = { size: n, px: rows(px, i, n), ids: rows(ids, i, n), mask: rows(mask, i, n) };
      return { ...b, dispose: () => tf.dispose([b.px, b.ids, b.mask]) };
    },
    imageEmbeddings: (b) => tf.tidy(() => model.imageFeatures(model.vision(b.px).imageEmbeds)),
    textEmbeddings: (b) => model.textFeatures(b.ids, b.mask),
    textTrainable: () => true,
  };
  const L = (c.vision.image_size / 16) ** 2 + 1;
  const visionForward = 2 * (L - 1) * 3 * 16 * 16 * 768 + layerFlops(L, 768, 3072, 12);
  const textForward = layerFlops(c.text_tokens, 768, 3072, 12);
  const caching = c.micro < c.batch ? 1 : 0;
  const flops = c.batch * (3 + caching + (checkpointing ? 1 : 0)) * (visionForward + textForward);
  return { model, task, variables: model.params.variables(), flops, numParams: model.params.numParams(), inputs: [px, ids, mask] };
}

function tokens(c) {
  const vocab = c.text.vocab_size;
  const idsHost = new Int32Array(c.batch * c.text_tokens).map((_, i) => ((i + 1) % c.text_tokens === 0 ? vocab - 1 : 1 + ((i * 7919) % Math.min(40000, vocab - 2))));
  const ids = tf.tensor2d(idsHost, [c.batch, c.text_tokens], 'int32');
  return { ids, mask: tf.onesLike(ids) };
}
const rows = (t, i, n) => tf.slice(t, [i, ...t.shape.slice(1).map(() => 0)], [n, ...t.shape.slice(1).map(() => -1)]);

for (const c of joint) {
  const initStart = performance.now();
  const built = c.kind === 'blip' ? buildBlip(c) : buildRegionClip(c);
  const { model, task, variables, flops } = built;
  const initSeconds = (performance.now() - initStart) / 1000;
  const temperature = new LearnedTemperature(0.07);
  const adamW = { lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const opt = hostState ? new HostAdamW([...variables, temperature.logScale], adamW) : new AdamW([...variables, temperature.logScale], adamW);
  const pairs = Array.from({ length: c.batch }, (_, i) => i);
  let optimizerMs = 0;
  const step = async () => {
    if (hostState) {
      const acc = new HostGradients();
      await batchGradients(task, pairs, c.micro, variables, () => temperature.scale(), temperature, acc);
      const t0 = performance.now();
      acc.clip(1);
      await opt.apply(acc.sums, 1e-5);
      optimizerMs = performance.now() - t0;
      acc.clear();
    } else {
      const out = await batchGradients(task, pairs, c.micro, variables, () => temperature.scale(), temperature);
      const t0 = performance.now();
      await clipGradNormAsync(out.grads, 1);
      opt.apply(out.grads, 1e-5);
      tf.dispose(Object.values(out.grads));
      optimizerMs = performance.now() - t0;
    }
  };
  const bytesBefore = liveBytes;
  peakBytes = liveBytes;
  const tensorsBefore = tf.memory().numTensors;
  const counts = [];
  const t = await (async () => {
    const ts = [];
    await step();
    counts.push(tf.memory().numTensors - tensorsBefore);
    console.error(`${c.name}: warm-up step done, peak ${gb(peakBytes)}, wasm heap ${gb(wasmHeapBytes())}`);
    for (let i = 0; i < c.runs; i++) {
      const t0 = performance.now();
      await step();
      ts.push(performance.now() - t0);
      counts.push(tf.memory().numTensors - tensorsBefore);
    }
    ts.sort((a, b) => a - b);
    return { min: ts[0], median: ts[Math.floor(ts.length / 2)] };
  })();
  const memory = `${(built.numParams / 1e6).toFixed(0)} M parameters; peak tf.memory().numBytes ${gb(peakBytes)} (weights, ${hostState ? 'one micro-batch\'s gradients' : 'moments, gradients'} and tape; ${gb(bytesBefore)} before the first step), wasm heap ${gb(wasmHeapBytes())}, ${(t.min / c.batch / 1000).toFixed(1)} s per pair, optimizer step ${(optimizerMs / 1000).toFixed(1)} s, numTensors after each step vs before: ${counts.join(', ')}, Node RSS ${gb(process.memoryUsage().rss)}`;
  ours.push({ ...c, ms: t.min, medianMs: t.median, gflops: flops / t.min / 1e6, flops, leaked: 0, note: `random init ${initSeconds.toFixed(1)} s; ${memory}` });
  console.error(`${c.name}: ${t.min.toFixed(0)} (${t.median.toFixed(0)}) ms; ${memory}`);
  tf.dispose(built.inputs);
  opt.dispose();
  temperature.dispose();
  model.dispose();
}

// BLIP has no PyTorch counterpart in torch_train_step.py (yet): --blip runs the engine alone.
const py = blipOnly ? { status: 1, stderr: 'not run with --blip' } : spawnSync('/usr/bin/python3', [path.join(root, 'bench/torch_train_step.py'), JSON.stringify({ configs, joint, runs, threads: os.cpus().length })], { encoding: 'utf8' });
const torch = py.status === 0 ? JSON.parse(py.stdout.trim().split('\n').at(-1)) : null;

console.log(`Region-CLIP phase-1 training step on ${report.active} — ${machine()}; fastest (median) of ${runs} after a warm-up; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`plain matMul [1024,768]·[768,768]: ${matmulMs.toFixed(1)} (${matmulT.median.toFixed(1)}) ms = ${matmulGflops.toFixed(1)} GFLOP/s${torch ? `; PyTorch ${torch.torch} (${torch.threads} threads): ${torch.matmul_ms.toFixed(1)} (${torch.matmul_median_ms.toFixed(1)}) ms` : ''}`);
console.log('');
console.log('| step | engine, fastest (median) | GFLOP/s | of matMul rate | PyTorch, fastest (median) | engine / PyTorch |');
console.log('|---|---|---|---|---|---|');
for (const r of ours) {
  const t = torch?.results.find((x) => x.name === r.name);
  console.log(`| ${r.name}, ${(r.flops / 1e9).toFixed(2)} GFLOP | ${r.ms.toFixed(1)} (${r.medianMs.toFixed(1)}) ms | ${r.gflops.toFixed(1)} | ${((100 * r.gflops) / matmulGflops).toFixed(0)}% | ${t ? `${t.ms.toFixed(1)} (${t.median_ms.toFixed(1)}) ms` : 'n/a'} | ${t ? `${(r.ms / t.ms).toFixed(2)}×` : 'n/a'} |`);
  if (r.leaked !== 0) console.log(`  warning: ${r.leaked} tensors leaked over ${runs + 1} steps`);
  if (r.note) console.log(`  ${r.name}: ${r.note}`);
}
if (!torch) console.log(`PyTorch not run: ${(py.stderr ?? '').trim().split('\n').slice(-2).join(' ')} (apt-get install python3-torch libopenblas0-pthread)`);
