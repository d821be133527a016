// Issue 6 benchmark: (1) metric ingest through the batched writer (points + latest_metrics +
// rollups, one transaction per batch; goal >= 200 000 points/s), (2) the decimated query of a
// 1 000 000-point series (goal < 50 ms), (3) main's event-loop delay p99 while a tiny Region-CLIP
// training job runs in the engine host and the main side relays its metric batches, progress and
// log and answers runs.series calls like the Training view does (goal < 20 ms).
// Usage: npx tsc -b && node bench/metrics.mjs [points=1000000] [trainSteps=200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { machine, percentile, root, summary, tempDataDir } from './lib.mjs';

const { openStore } = await import(path.join(root, 'dist/main/store/index.js'));
const { openApp } = await import(path.join(root, 'dist/main/app.js'));

const N = Number(process.argv[2] ?? 1_000_000);
const trainSteps = Number(process.argv[3] ?? 200);
const out = { machine: machine(), points: N };

// 1. Ingest.
{
  const dir = tempDataDir();
  const store = openStore(dir);
  const runId = store.runs.create({ jobId: null, kind: 'regionclip', name: 'bench', datasetId: null, config: {}, seed: 0, codeVersion: 'bench' });
  let flushes = 0;
  const writer = store.runs.metricWriter(() => flushes++);
  const t0 = performance.now();
  for (let s = 1; s <= N; s++) writer.add(runId, 'loss', s, 2 * Math.exp(-s / 200_000) + 0.1 * Math.sin(s * 0.37), s);
  writer.close();
  const seconds = (performance.now() - t0) / 1000;
  out.ingest = { pointsPerSecond: Math.round(N / seconds), seconds: +seconds.toFixed(2), transactions: flushes };

  // 2. Decimated query of the whole series, and of a zoomed window, at typical chart widths.
  const reader = store.runs;
  const time = (fn, reps = 30) => {
    fn();
    const ms = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      fn();
      ms.push(performance.now() - t);
    }
    return { p50: +percentile(ms, 50).toFixed(2), p95: +percentile(ms, 95).toFixed(2), max: +Math.max(...ms).toFixed(2) };
  };
  let len = 0;
  out.query = {
    full_w800: time(() => (len = reader.series(runId, 'loss', 800).steps.length)),
    full_w2000: time(() => reader.series(runId, 'loss', 2000)),
    zoom_100k_w800: time(() => reader.series(runId, 'loss', 800, 400_001, 500_000)),
    zoom_1k_w800: time(() => reader.series(runId, 'loss', 800, 700_001, 701_000)),
    pointsReturnedFullW800: len,
  };
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

// 3. Event-loop delay of main while training runs in the host.
{
  const dir = tempDataDir();
  const app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
  const jobs = app.context.jobs;
  let events = 0;
  let points = 0;
  app.events.subscribe((e, p) => {
    events++;
    if (e === 'metric.batch') points += p.points.length;
  });
  const finished = (id) =>
    new Promise((resolve) => {
      const check = () => {
        const r = app.store.jobs.get(id);
        if (['completed', 'failed', 'cancelled', 'interrupted'].includes(r.state)) resolve(r);
        else setTimeout(check, 100);
      };
      check();
    });
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 5000));
  idle.disable();
  out.idleBaseline = { seconds: 5, delayMs: { p50: +(idle.percentile(50) / 1e6).toFixed(2), p99: +(idle.percentile(99) / 1e6).toFixed(2), max: +(idle.max / 1e6).toFixed(2) }, loadavg: os.loadavg().map((x) => +x.toFixed(2)) };
  const imp = jobs.start('import', { format: 'shapes', count: 64, seed: 3, size: 64, name: 'bench' });
  const datasetId = (await finished(imp.id)).result.datasetId;
  const { id, runId } = jobs.start('train-regionclip', {
    datasetId,
    preset: 'tiny',
    config: { batch_size: 8, keep_checkpoints: 2, checkpoint_every_steps: 20, max_steps: trainSteps, phases: [{ name: 'fusion', epochs: 100, lr: 3e-3 }] },
  });
  // Wait for the first step (backend start-up is not the steady state), then measure.
  // (The idle baseline below runs first: on a shared 2-core machine, scheduling alone costs delay.)
  while (!app.store.runs.latestMetrics(runId).some((m) => m.key === 'loss')) await new Promise((r) => setTimeout(r, 50));
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const seriesMs = [];
  const poll = setInterval(async () => {
    const t = performance.now();
    await app.dispatcher.call('runs.series', { runId, keys: ['loss', 'lr', 'grad_norm', 'step_time_ms'], width: 800 }, { transport: 'in-process' });
    seriesMs.push(performance.now() - t);
  }, 250);
  const t0 = performance.now();
  const result = await finished(id);
  clearInterval(poll);
  h.disable();
  out.eventLoop = {
    job: result.state,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
    steps: trainSteps,
    delayMs: { p50: +(h.percentile(50) / 1e6).toFixed(2), p99: +(h.percentile(99) / 1e6).toFixed(2), max: +(h.max / 1e6).toFixed(2) },
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    eventsRelayed: events,
    metricPointsRelayed: points,
    runsSeriesCallMs: summary(seriesMs),
  };
  await jobs.close();
  app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(JSON.stringify(out, null, 2));
