// The trainers' own step (training/phase-optimizer.ts: gradient caching, the host AdamW, clipping, τ)
// on this thread and on N tensor workers (engine/parallel), for bench/train-step.mjs --workers N:
// - phase 1 of Region-CLIP at ViT-B/16 size: CLIP frozen, its tokens cached (the first, untimed step
//   computes them through CLIP once; they live in shared memory, so the N-worker run reuses them),
//   the gated fusion module (Eq. 12–16) trains on the whole batch;
// - BLIP-base ITC (blip-itm-base-coco's dims, random init, 384 px, 35 text tokens, checkpointed
//   encoders): one micro-batch of the whole batch on this thread (the fastest single-thread form),
//   one per worker on N workers.
// Random images and word-tokenised texts: the same compute as real data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './lib.mjs';

const tf = await import('@tensorflow/tfjs');
const { RegionClip } = await import(path.join(root, 'dist/main/engine/models/fusion/region-clip.js'));
const { BlipForImageTextRetrieval } = await import(path.join(root, 'dist/main/engine/models/blip/index.js'));
const { RegionClipTask, BlipTask, LearnedTemperature, trainerProcessing } = await import(path.join(root, 'dist/main/engine/training/index.js'));
const { phaseOptimizer } = await import(path.join(root, 'dist/main/engine/training/phase-optimizer.js'));
const { folderTextEncoder, writeWordTokenizer } = await import(path.join(root, 'dist/main/engine/training/text.js'));
const { TensorPool, DataParallel } = await import(path.join(root, 'dist/main/engine/parallel/index.js'));
const { threadCpuMs } = await import(path.join(root, 'dist/main/engine/parallel/cpu.js'));

function randomImage(size, seed) {
  let a = seed >>> 0;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    data[i] = a >>> 24;
  }
  return { width: size, height: size, data };
}

const WORDS = 'red blue green small large circle square triangle left right top bottom near far behind above below striped dotted shiny'.split(' ');
const text = (i, n) => Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');

/** Fastest and median wall ms of `runs` steps, and the median of `cpu()` per step (ms of CPU the step's threads used). */
async function timed(step, runs, cpu) {
  const ts = [];
  const cpus = [];
  const procs = [];
  for (let i = 0; i < runs; i++) {
    const c0 = threadCpuMs();
    const p0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    ts.push(performance.now() - t0);
    cpus.push(cpu(c0));
    const p = process.cpuUsage(p0);
    procs.push((p.user + p.system) / 1000);
  }
  ts.sort((a, b) => a - b);
  const med = (xs) => {
    const v = xs.filter((c) => c !== null).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : null;
  };
  // Process CPU: every thread of this process (engine thread, workers, V8's GC and compiler threads).
  return { min: ts[0], median: ts[Math.floor(ts.length / 2)], cpu: med(cpus), processCpu: med(procs) };
}

/** One optimiser step of `task` on `pairs` in the trainers' phase optimiser; `parallel` null = this thread. */
async function stepper(task, phase, pairs, micro, parallel) {
  task.setPhase(phase);
  const params = task.trainableParams();
  const keyByName = new Map([...params].map(([k, v]) => [v.name, k]));
  const temperature = new LearnedTemperature(0.07);
  const keyOf = (v) => (v === temperature.logScale ? 'temperature/logit_scale' : (keyByName.get(v.name) ?? v.name));
  const adamW = { lr: phase.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const opt = await phaseOptimizer({ task, phase, variables: [...params.values()], temperature, scale: () => temperature.scale(), keyOf, adamW, state: 'host', parallel });
  return {
    async step() {
      const out = await opt.gradients(pairs, micro);
      if (!Number.isFinite(out.loss)) throw new Error(`loss ${out.loss}`);
      await opt.apply(phase.lr, 1);
    },
    dispose() {
      opt.dispose();
      temperature.dispose();
    },
  };
}

/** Rows { name, ms, medianMs, workers } for 1 thread and for `workers` workers. */
export async function trainerStepRows({ kind, workers, runs, batch: regionBatch = 16, log = () => undefined }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-parallel-'));
  const rows = [];
  let task;
  let model;
  let pairs;
  let phase;
  try {
    if (kind === 'regionclip') {
      const batch = regionBatch;
      const texts = Array.from({ length: batch }, (_, i) => text(i, 8));
      const { vocabSize } = writeWordTokenizer(dir, texts, 77);
      model = RegionClip.random(
        {
          model_type: 'clip', projection_dim: 512,
          text_config: { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, vocab_size: Math.max(vocabSize, 49408), max_position_embeddings: 77, eos_token_id: 3 },
          vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 16 },
        },
        { num_heads: 8, kernel_size: 3 },
        1,
      );
      task = new RegionClipTask(model, folderTextEncoder(dir, 77, 0), dir, { maxTextTokens: 77, processing: trainerProcessing(null, 'clip', 224), featureCacheBytes: 1e9 });
      pairs = texts.map((t, i) => ({ id: `p${i}`, split: 'train', target: randomImage(256, i + 1), box: { x: 16 + i, y: 24, w: 128, h: 96 + i }, text: t }));
      phase = { name: 'fusion', epochs: 1, lr: 1e-4 };
    } else {
      const batch = 2;
      const texts = Array.from({ length: batch }, (_, i) => text(i, 33));
      const { vocabSize } = writeWordTokenizer(dir, texts, 512);
      model = BlipForImageTextRetrieval.random(
        {
          model_type: 'blip', architectures: ['BlipForImageTextRetrieval'], image_text_hidden_size: 256,
          text_config: { vocab_size: Math.max(vocabSize, 30524), hidden_size: 768, encoder_hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, max_position_embeddings: 512, pad_token_id: 0, bos_token_id: 2, sep_token_id: 3, eos_token_id: 3 },
          vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 384, patch_size: 16 },
        },
        1,
      );
      model.gradientCheckpointing = true;
      task = new BlipTask(model, folderTextEncoder(dir, 512, 0), dir, { maxTextTokens: 512, processing: trainerProcessing(null, 'blip', 384) });
      pairs = texts.map((t, i) => ({ id: `s${i}`, split: 'train', target: randomImage(384, i + 1), text: t }));
      phase = { name: 'blip', epochs: 1, lr: 1e-5 };
    }
    // One thread: the whole batch in one micro-batch (what the trainer does in phase 1; for BLIP-base
    // the fastest single-thread form, 2.87 GB of heap with the state on the host).
    {
      const s = await stepper(task, phase, pairs, pairs.length, null);
      const t0 = performance.now();
      await s.step();
      log(`${kind}, 1 thread: warm-up step ${((performance.now() - t0) / 1000).toFixed(1)} s${kind === 'regionclip' ? ' (computes and caches the CLIP tokens)' : ''}`);
      // CPU of this thread per step: the whole single-thread step's work.
      const t = await timed(() => s.step(), runs, (c0) => (c0 === null ? null : threadCpuMs() - c0));
      s.dispose();
      rows.push({ workers: 1, ms: t.min, medianMs: t.median, cpuMs: t.cpu, processCpuMs: t.processCpu });
      log(`${kind}, 1 thread: ${t.min.toFixed(0)} (${t.median.toFixed(0)}) ms; CPU ${t.cpu ?? '?'} ms per step (process ${t.processCpu?.toFixed(0)})`);
    }
    if (workers > 1) {
      const started = performance.now();
      const pool = await TensorPool.start({ workers, backend: tf.getBackend() });
      const dp = await DataParallel.start(pool, task);
      log(`${kind}: ${workers} workers started, replicas loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      try {
        const s = await stepper(task, phase, pairs, pairs.length, dp);
        await s.step();
        // CPU per step: the busiest worker's forward + backward (its thread's own CPU time).
        const t = await timed(() => s.step(), runs, () => (dp.workerCpuMs.every((c) => c !== null) ? Math.max(...dp.workerCpuMs) : null));
        s.dispose();
        const mem = await pool.memory();
        // The step if every thread had a core of its own: the busiest worker's CPU plus this thread's serial parts.
        const serial = dp.timings.inputs + dp.timings.loss + dp.timings.reduce + dp.timings.update;
        rows.push({ workers, ms: t.min, medianMs: t.median, cpuMs: t.cpu, processCpuMs: t.processCpu, freeCoresMs: t.cpu === null ? null : t.cpu + serial, heaps: mem.map((m) => m.wasmHeapBytes) });
        const parts = Object.entries(dp.timings).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
        log(`${kind}, ${workers} workers: ${t.min.toFixed(0)} (${t.median.toFixed(0)}) ms; last step in ms: ${parts}; worker CPU ms ${dp.workerCpuMs.join(', ')} (${dp.workerCpuParts.map((p) => (p ? Object.entries(p).map(([k, v]) => `${k} ${v}`).join(' ') : '?')).join(' | ')}); worker heaps ${mem.map((m) => `${((m.wasmHeapBytes ?? 0) / 1e9).toFixed(2)} GB`).join(', ')}`);
      } finally {
        await dp.dispose();
        await pool.dispose();
      }
    }
  } finally {
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The --workers table: both rows, scaling, and PyTorch's same step from bench/torch_train_step.py in the same run. */
export async function workersTable({ workers, blip, runs, backend, matmul, batch = 16 }) {
  const { spawnSync } = await import('node:child_process');
  const { machine } = await import('./lib.mjs');
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers ${workers}: expected a whole number ≥ 1`);
  const kind = blip ? 'blip' : 'regionclip';
  const loadBefore = os.loadavg();
  const rows = await trainerStepRows({ kind, workers, runs, batch, log: (m) => console.error(m) });
  const name = blip
    ? 'BLIP-base ITC step (blip-itm-base-coco dims, 384 px, batch 2, 35 text tokens, checkpointed encoders, host AdamW)'
    : `Region-CLIP phase-1 step at ViT-B/16 size (cached CLIP tokens 197 × 768 → 512, 8 heads, k = 3, batch ${batch}, host AdamW)`;
  // PyTorch: the same step (the fusion config of train-step.mjs, or the BLIP-like model) on one thread
  // and on as many threads as workers — PyTorch's own scaling on this machine, the reference for ours.
  const torchOn = (threads) => {
    const spec = blip
      ? { configs: [], blip: [{ name, batch: 2, text_tokens: 35, runs }], runs, threads }
      : { configs: [{ name, input_dim: 768, hidden_dim: 768, projection_dim: 512, num_heads: 8, kernel_size: 3, tokens: 197, batch }], runs, threads };
    const py = spawnSync('/usr/bin/python3', [path.join(root, 'bench/torch_train_step.py'), JSON.stringify(spec)], { encoding: 'utf8' });
    const out = py.status === 0 ? JSON.parse(py.stdout.trim().split('\n').at(-1)) : null;
    return { torch: out, step: out?.results.find((x) => x.name === name) ?? null, stderr: py.stderr ?? '' };
  };
  const torchOne = torchOn(1);
  const torchMany = torchOn(workers);
  const torch = torchMany.torch;
  const t = torchMany.step;
  const one = rows[0];
  const many = rows.find((r) => r.workers === workers) ?? one;
  console.log(`${name} on ${backend} — ${machine()}; fastest (median) of ${runs} after a warm-up; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`plain matMul [1024,768]·[768,768]: ${matmul.ms.toFixed(1)} (${matmul.median.toFixed(1)}) ms = ${matmul.gflops.toFixed(1)} GFLOP/s${torch ? `; PyTorch ${torch.torch} (${torch.threads} threads): ${torch.matmul_ms.toFixed(1)} ms` : ''}`);
  console.log('');
  console.log('| tensor workers (PyTorch threads) | engine, fastest (median) | scaling vs 1 thread | CPU ms per step (busiest thread) | CPU ms per step (whole process) | PyTorch, fastest (median) | PyTorch scaling vs 1 thread | engine / PyTorch |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const tr = r.workers === 1 ? torchOne.step : r.workers === workers ? t : null;
    const scale = tr && torchOne.step ? `${(torchOne.step.ms / tr.ms).toFixed(2)}× (${(torchOne.step.median_ms / tr.median_ms).toFixed(2)}×)` : 'n/a';
    console.log(`| ${r.workers === 1 ? '1 (in-process)' : r.workers} (${r.workers}) | ${r.ms.toFixed(0)} (${r.medianMs.toFixed(0)}) ms | ${(one.ms / r.ms).toFixed(2)}× (${(one.medianMs / r.medianMs).toFixed(2)}×) | ${r.cpuMs ?? 'n/a'} | ${r.processCpuMs?.toFixed(0) ?? 'n/a'} | ${tr ? `${tr.ms.toFixed(0)} (${tr.median_ms.toFixed(0)}) ms` : 'n/a'} | ${scale} | ${tr ? `${(r.ms / tr.ms).toFixed(2)}×` : 'n/a'} |`);
  }
  // CPU time barely depends on the machine's load: the scaling this step would reach with a free core per thread.
  if (one.cpuMs && many.freeCoresMs) console.log(`\nwith a free core per thread (CPU ms): 1 thread ${one.cpuMs} ms, ${workers} workers ${many.cpuMs} ms busiest worker + ${(many.freeCoresMs - many.cpuMs).toFixed(0)} ms serial on the engine thread → ${(one.cpuMs / many.freeCoresMs).toFixed(2)}× (wall-time scaling below this = threads waiting for a core: other load, V8's GC and compiler threads, the OS)`);
  if (!torch) console.log(`PyTorch not run: ${torchMany.stderr.trim().split('\n').slice(-2).join(' ')}`);
  console.log('');
  console.log(`goals (issue 13): scaling 1 → ${workers} workers ≥ 1.8× (here ${(one.ms / many.ms).toFixed(2)}×); engine / PyTorch ≤ 3.5× (here ${t ? (many.ms / t.ms).toFixed(2) : 'n/a'}×). Figures count only at load < 2.`);
}
