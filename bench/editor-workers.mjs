// The editor trainer's own step (issue 13: training/editor/trainer.ts, the step_time_ms it reports) on
// one thread and on N tensor workers in the same run: the tiny preset's pixel-space UNet at 32², batch
// 16, the full loss of Eq. 10 with random tiny Region-CLIP / BLIP towers, ShapesEdit pairs. Each run
// trains warm-up + `runs` steps with no validation and no checkpoint in between; the fastest and median
// step times after the warm-up are compared. Prints a Markdown table with the load before and after.
// Usage: npx tsc -b && node bench/editor-workers.mjs [runs=6] [--workers=2] [--batch=16] [--micro=N] [--size=32]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine, root } from './lib.mjs';

const dist = (p) => import(path.join(root, 'dist/main', p));
const { initBackend } = await dist('engine/backend.js');
const { shapesEditorPairs } = await dist('data/shapes-pairs.js');
const { RegionClip } = await dist('engine/models/fusion/region-clip.js');
const { BlipForImageTextRetrieval } = await dist('engine/models/blip/index.js');
const { tinyBlipConfig, tinyClipConfig, mergeConfig } = await dist('engine/training/index.js');
const { writeWordTokenizer } = await dist('engine/training/text.js');
const { editorPreset, parseEditorConfig, trainEditor } = await dist('engine/training/editor/index.js');
const { threadCpuMs } = await dist('engine/parallel/cpu.js');

const argv = process.argv.slice(2);
const arg = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const runs = Number(argv.find((a) => !a.startsWith('--')) ?? 6);
const workers = Number(arg('workers', 2));
const batch = Number(arg('batch', 16));
const size = Number(arg('size', 32));
const micro = arg('micro') ? Number(arg('micro')) : null;
const warmup = 2;

const report = await initBackend({ prefer: 'wasm' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-editor-workers-'));
const pairs = shapesEditorPairs({ seed: 5, count: Math.max(batch, 8), size }).map((p) => ({ ...p, split: 'train' }));
const texts = pairs.flatMap((p) => [p.regionText, p.sceneText]);
const regionclip = path.join(tmp, 'regionclip');
const blip = path.join(tmp, 'blip');
const { vocabSize } = writeWordTokenizer(path.join(regionclip, 'clip'), texts, 32);
const rc = RegionClip.random(tinyClipConfig(vocabSize), {}, 3);
await rc.save(regionclip);
rc.dispose();
writeWordTokenizer(blip, texts, 64);
const b = BlipForImageTextRetrieval.random(tinyBlipConfig(vocabSize), 4);
await b.save(blip);
b.dispose();

const config = (w) =>
  parseEditorConfig(
    mergeConfig(editorPreset('tiny'), {
      resolution: size,
      batch_size: batch,
      micro_batch_size: micro,
      steps: warmup + runs,
      checkpoint_every: 1_000_000,
      keep_checkpoints: 1,
      validation: { samples: 0, metric_samples: 0, loss_samples: 0 },
      regionclip,
      blip,
      workers: w,
    }),
  );

const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);

/** w workers (1: in-process); `pool1`: the whole batch on ONE tensor worker (the worker's own cost, no second thread beside it). */
async function timeRun(w, pool1 = false) {
  const times = [];
  // CPU ms per step: this thread's (one thread: the whole step); the busiest worker's and this thread's serial parts (workers).
  const cpu = [];
  const serial = [];
  const proc = [];
  let lastCpu = threadCpuMs();
  let lastProc = process.cpuUsage();
  const result = await trainEditor({
    config: config(w),
    pairs,
    outputDir: path.join(tmp, `run-${w}`),
    workers: w === 1 ? { workers: 1, reason: 'bench: one thread', backend: null } : { workers: w, reason: 'bench', backend: 'wasm' },
    pool: pool1 ? onePool : undefined,
    callbacks: {
      onMetrics: (step, v) => {
        if (typeof v.step_time_ms !== 'number') return;
        const now = threadCpuMs();
        const p = process.cpuUsage(lastProc);
        lastProc = process.cpuUsage();
        if (step > warmup) {
          // Every thread of the process: this one, the workers, V8's GC and compiler threads.
          proc.push((p.user + p.system) / 1000);
          times.push(v.step_time_ms);
          // This thread's CPU: the whole step on one thread; with workers, the serial parts only (it waits meanwhile).
          if (now !== null && lastCpu !== null) (w === 1 && !pool1 ? cpu : serial).push(now - lastCpu);
        }
        lastCpu = now;
      },
      onWorkerTimings: (step, _timings, workerCpu) => {
        if (step <= warmup || workerCpu.some((c) => c === null)) return;
        cpu.push(Math.max(...workerCpu));
      },
      onLog: (_l, m) => /tensor workers/.test(m) && console.error(m),
    },
  });
  times.sort((x, y) => x - y);
  return { min: times[0], median: times[Math.floor(times.length / 2)], lastLoss: result.losses.at(-1), cpu: median(cpu), serial: median(serial), proc: median(proc) };
}

const { TensorPool } = await dist('engine/parallel/index.js');
const loadBefore = os.loadavg();
const one = await timeRun(1);
const onePool = await TensorPool.start({ workers: 1, backend: 'wasm' });
const inWorker = await timeRun(1, true);
await onePool.dispose();
const many = await timeRun(workers);
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`editor trainer step (tiny preset UNet, ${size}², batch ${batch}${micro ? `, micro-batch ${micro}` : ''}, full loss, random tiny towers) on ${report.active} — ${machine()}; fastest (median) of ${runs} after ${warmup} warm-up steps; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('');
console.log('| tensor workers | step, fastest (median) | scaling vs 1 thread | CPU ms per step (busiest thread) | CPU ms per step (whole process) | last loss |');
console.log('|---|---|---|---|---|---|');
console.log(`| 1 (in-process) | ${one.min.toFixed(0)} (${one.median.toFixed(0)}) ms | 1.00× | ${one.cpu ?? 'n/a'} | ${one.proc?.toFixed(0) ?? 'n/a'} | ${one.lastLoss.toFixed(6)} |`);
console.log(`| 1 tensor worker (the whole batch) | ${inWorker.min.toFixed(0)} (${inWorker.median.toFixed(0)}) ms | ${(one.min / inWorker.min).toFixed(2)}× | ${inWorker.cpu ?? 'n/a'} | ${inWorker.proc?.toFixed(0) ?? 'n/a'} | ${inWorker.lastLoss.toFixed(6)} |`);
console.log(`| ${workers} | ${many.min.toFixed(0)} (${many.median.toFixed(0)}) ms | ${(one.min / many.min).toFixed(2)}× | ${many.cpu ?? 'n/a'} | ${many.proc?.toFixed(0) ?? 'n/a'} | ${many.lastLoss.toFixed(6)} |`);
console.log('');
// The engine thread also runs the step's serial parts (images in, the host AdamW, the weights out): with a core per thread the step is about the busiest worker's CPU plus them.
if (one.cpu && many.cpu !== null && many.serial !== null) console.log(`with a free core per thread (CPU ms): 1 thread ${one.cpu} ms; ${workers} workers ${many.cpu} ms busiest worker + ${many.serial.toFixed(0)} ms serial on this thread (images, AdamW, publish) → ${(one.cpu / (many.cpu + many.serial)).toFixed(2)}×`);
console.log(`goal (issue 13): scaling 1 → ${workers} workers ≥ 1.8× (here ${(one.min / many.min).toFixed(2)}×); the last losses agree to float32 summation order. Figures count only at load < 2.`);
