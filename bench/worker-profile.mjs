// Where the 1 → 2 worker scaling goes (issue 13): the Region-CLIP phase-1 compute (the gated fusion
// module at ViT-B/16 size, Eq. 12–16, on cached CLIP tokens [rows, 197, 768]) — forward + backward
// and the read-back of its gradients, as a tensor worker runs it — timed and profiled kernel by kernel
// (tf.profile) in four settings on the same rows:
//   main     this thread alone (the in-process trainer)
//   worker   one worker_thread alone (its own tfjs + wasm, as the pool starts it)
//   2 workers two worker_threads at once, started together on shared memory (the data-parallel step)
//   2 procs  two separate Node processes at once (no shared address space: the machine's own ceiling)
// A kernel slower in "worker" than in "main" is the thread's cost; slower in "2 workers" than in
// "worker" but equally in "2 procs", the memory system's. Needs a quiet machine (load < 2) to mean much.
// Usage: npx tsc -b && node bench/worker-profile.mjs [rows=8] [runs=4] [--top=12]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows = Number(positional[0] ?? 8);
const runs = Number(positional[1] ?? 4);
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 12);

/**
 * This thread's CPU time (user + system) from /proc/thread-self/stat, in ms (10 ms ticks): unlike the
 * wall time it barely depends on what else the machine runs, so a worker's CPU ms per step against the
 * main thread's says whether the same work costs more there (memory stalls count as CPU time).
 */
function threadCpuMs() {
  try {
    const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const after = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(after[11]) + Number(after[12])) * 10; // utime, stime: fields 14, 15 of stat
  } catch {
    return NaN;
  }
}

/** Builds the fusion module and tokens, waits for `start` (if given), then times and profiles the step. */
async function measure({ rows, runs, start }) {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import(path.join(root, 'dist/main/engine/backend.js'));
  const { GatedRegionContextFusion } = await import(path.join(root, 'dist/main/engine/models/fusion/index.js'));
  await initBackend({ prefer: 'wasm' });
  const fusion = GatedRegionContextFusion.random({ input_dim: 768, hidden_dim: 768, projection_dim: 512, num_heads: 8, kernel_size: 3 }, 1);
  const eR = tf.randomNormal([rows, 197, 768], 0, 1, 'float32', 2);
  const eF = tf.randomNormal([rows, 197, 768], 0, 1, 'float32', 3);
  const gZ = tf.randomNormal([rows, 512], 0, 1, 'float32', 4);
  const variables = fusion.params.names().map((n) => fusion.params.get(n)).filter((v) => v.trainable);
  const parts = { fwdBwd: [], read: [], cpu: [] };
  const step = async () => {
    const c0 = threadCpuMs();
    const t0 = performance.now();
    // Stage 3 of gradient caching: Σ f_r ⊙ ∂L/∂f_r differentiated (what contrastive-worker.ts holds on its tape).
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(fusion.forward(eR, eF, { constantInputs: true }).regionEmbedding, gZ)), variables);
    const t1 = performance.now();
    for (const g of Object.values(grads)) await g.data(); // read back as accumulate() does
    const t2 = performance.now();
    tf.dispose([value, ...Object.values(grads)]);
    parts.fwdBwd.push(t1 - t0);
    parts.read.push(t2 - t1);
    parts.cpu.push(threadCpuMs() - c0);
    return t2 - t0;
  };
  await step(); // warm-up (wasm code paths, allocations)
  parts.fwdBwd.length = 0;
  parts.read.length = 0;
  parts.cpu.length = 0;
  if (start) {
    // Both workers leave the barrier together.
    const flag = new Int32Array(start);
    Atomics.add(flag, 1, 1);
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 50);
  }
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await step());
  const profile = await tf.profile(async () => {
    await step();
  });
  const byKernel = new Map();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
  const sorted = (a) => [...a].sort((x, y) => x - y);
  const med = (a) => sorted(a)[Math.floor(a.length / 2)];
  const out = { min: sorted(times)[0], median: med(times), fwdBwd: med(parts.fwdBwd), read: med(parts.read), cpu: med(parts.cpu), kernels: Object.fromEntries(byKernel), heap: process.memoryUsage().heapUsed };
  tf.dispose([eR, eF, gZ]);
  fusion.dispose();
  return out;
}

if (!isMainThread) {
  // A worker of this bench: measure, post, end.
  measure(workerData).then((r) => parentPort.postMessage(r), (err) => parentPort.postMessage({ error: String(err?.stack ?? err) }));
} else if (process.argv.includes('--child')) {
  // One of the "2 procs": measure in this process, print JSON.
  const r = await measure({ rows, runs, start: null });
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const inWorkers = (n) =>
    new Promise((resolve, reject) => {
      const start = new SharedArrayBuffer(8);
      const flag = new Int32Array(start);
      const results = [];
      for (let i = 0; i < n; i++) {
        const w = new Worker(here, { workerData: { rows, runs, start } });
        w.once('message', (m) => {
          if (m.error) reject(new Error(m.error));
          results.push(m);
          if (results.length === n) resolve(results);
        });
        w.once('error', reject);
      }
      // Release them together once each is warm.
      const poll = setInterval(() => {
        if (Atomics.load(flag, 1) === n) {
          clearInterval(poll);
          Atomics.store(flag, 0, 1);
          Atomics.notify(flag, 0);
        }
      }, 5);
    });
  const inProcs = (n) =>
    Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise((resolve, reject) => {
            const p = spawn(process.execPath, [here, String(rows), String(runs), '--child'], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            p.stdout.on('data', (d) => (out += d));
            p.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`child exited ${code}`))));
          }),
      ),
    );
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`fusion phase-1 forward + backward, ViT-B/16 dims, ${rows} rows; fastest (median) of ${runs}; ${os.cpus().length} cores; load before ${load()}`);
  const settings = [];
  settings.push(['main', [await measure({ rows, runs, start: null })]]);
  settings.push(['worker', await inWorkers(1)]);
  settings.push(['2 workers', await inWorkers(2)]);
  settings.push(['2 procs', await inProcs(2)]);
  console.log(`load after ${load()}\n`);
  console.log('| setting | step ms, fastest (median) | forward+backward ms | gradient read-back ms | thread CPU ms per step |');
  console.log('|---|---|---|---|---|');
  for (const [name, rs] of settings) {
    for (const r of rs) console.log(`| ${name} | ${r.min.toFixed(0)} (${r.median.toFixed(0)}) | ${r.fwdBwd.toFixed(0)} | ${r.read.toFixed(1)} | ${r.cpu.toFixed(0)} |`);
  }
  // Kernels by their time in "main", with each setting's time relative to it (the slowest of a pair).
  const base = settings[0][1][0].kernels;
  const names = Object.keys(base).sort((a, b) => base[b] - base[a]).slice(0, top);
  console.log(`\n| kernel | main ms | ${settings.slice(1).map(([n]) => `${n} ×`).join(' | ')} |`);
  console.log(`|---|---|${settings.slice(1).map(() => '---').join('|')}|`);
  for (const k of names) {
    const cells = settings.slice(1).map(([, rs]) => (Math.max(...rs.map((r) => r.kernels[k] ?? 0)) / base[k]).toFixed(2));
    console.log(`| ${k} | ${base[k].toFixed(1)} | ${cells.join(' | ')} |`);
  }
  const total = (r) => Object.values(r.kernels).reduce((a, b) => a + b, 0);
  console.log(`| (all kernels) | ${total(settings[0][1][0]).toFixed(0)} | ${settings.slice(1).map(([, rs]) => (Math.max(...rs.map(total)) / total(settings[0][1][0])).toFixed(2)).join(' | ')} |`);
}
