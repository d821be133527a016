// Soak of web mode (issue 10): `ric serve` with a Region-CLIP training job running the whole time
// and Chromium open on its live monitor. Every few seconds it samples the server (RSS, V8 heap, open
// file descriptors), the training engine host (RSS, V8 heap, tensors, descriptors) and the page (JS
// heap after a GC, DOM nodes, listeners); at the end, a robust (Theil–Sen) slope per series after
// the warm-up, projected to one hour, and a verdict: flat, or which series grows. Linux (/proc) for the
// descriptor counts. Samples go to a JSON file for plotting.
// Usage: npm run build && node bench/soak.mjs [minutes=60 | --minutes=M] [--every=10] [--warmup=10%] [--out=FILE] [--analyse=FILE]
// A smoke run: `node bench/soak.mjs --minutes=3 --every=5` (the warm-up is at least two minutes, so
// only its last minute is judged). Exit status: 0 flat, 1 a series grows, 2 too short to judge.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumLaunch, machine, startServe, tempDataDir } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const minutes = Number(opt('minutes', args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 60));
if (!(minutes > 0)) throw new Error(`soak: the duration must be a positive number of minutes (got ${minutes})`);
const everyS = Number(opt('every', 10));
const warmupFraction = Number(String(opt('warmup', '10%')).replace('%', '')) / 100;
const analyse = opt('analyse', null);
const dataDir = analyse ? null : tempDataDir();
const outFile = opt('out', analyse ?? path.join(dataDir ?? '.', 'soak-samples.json'));
const MiB = 2 ** 20;

async function soak() {
  const server = await startServe(dataDir);
  // A soak that fails half-way (the job ended, Chromium died) must not leave `ric serve` training on.
  process.once('exit', () => server.child.exitCode === null && server.child.kill('SIGTERM'));
  const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'X-RIC-Call': '1' };
  async function call(method, a = {}) {
    const res = await fetch(`${server.origin}/api/call`, { method: 'POST', headers, body: JSON.stringify({ method, args: a }) });
    const body = await res.json();
    if (!body.ok) throw new Error(`${method}: ${body.error.code}: ${body.error.message}`);
    return body.value;
  }
  async function until(what, fn, ms = 600_000) {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Resident memory and open descriptors of a process, from /proc (null elsewhere). */
  function procStats(pid) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
      return { rss, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
    } catch {
      return { rss: null, fds: null };
    }
  }

  process.stdout.write(`soak: ${minutes} min, a sample every ${everyS} s; ${machine()}\ndata folder ${dataDir}\n`);
  const { jobId: importJob, datasetId } = await call('datasets.importShapes', { count: 256, seed: 5, size: 64, name: 'soak' });
  await until('the import', async () => ['completed', 'failed'].includes((await call('jobs.get', { id: importJob })).state));

  // Long enough to outlast the soak; checkpoints (and their sample outputs) keep coming, two are kept.
  const started = await call('jobs.start', {
    kind: 'train-regionclip',
    params: { datasetId, preset: 'tiny', name: 'soak', config: { batch_size: 8, phases: [{ name: 'fusion', epochs: 100_000, lr: 1e-3 }], checkpoint_every_steps: 200, keep_checkpoints: 2 } },
  });
  const trainJob = started.id;
  await until('training to run', async () => (await call('runs.resources')).host?.runningJobs.includes(trainJob));

  const browser = await chromium.launch(chromiumLaunch);
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Training' }).click();
  await page.locator(`[data-run-row="${started.runId}"]`).getByRole('button', { name: 'soak' }).click();
  await page.getByTestId('run-step').waitFor({ timeout: 60_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');

  async function sample(t) {
    const r = await call('runs.resources');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    const job = await call('jobs.get', { id: trainJob });
    const main = procStats(server.child.pid);
    const host = r.host ? procStats(r.host.pid) : { rss: null, fds: null };
    return {
      t,
      step: job.done,
      state: job.state,
      serverRss: main.rss ?? r.main.rssBytes,
      serverHeap: r.main.heapUsedBytes,
      serverFds: main.fds,
      hostRss: r.host?.rssBytes ?? null,
      hostHeap: r.host?.heapUsedBytes ?? null,
      hostTensors: r.host?.tensors?.numTensors ?? null,
      hostFds: host.fds,
      pageHeap: heap.usedSize,
      pageNodes: dom.nodes,
      pageListeners: dom.jsEventListeners,
      // The monitor's log panel keeps its last 200 lines: DOM nodes rise until it is full.
      pageLogLines: await page.locator('.job-log li').count(),
    };
  }

  const samples = [];
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  while (Date.now() < end) {
    const s = await sample((Date.now() - t0) / 1000);
    samples.push(s);
    if (s.state !== 'running') throw new Error(`the training job is ${s.state}: the soak needs it running throughout`);
    fs.writeFileSync(outFile, JSON.stringify(samples));
    const mib = (v, digits = 0) => (typeof v === 'number' ? (v / MiB).toFixed(digits) : '?');
    process.stdout.write(
      `${s.t.toFixed(0).padStart(6)} s  step ${String(s.step).padStart(6)}  server ${mib(s.serverRss)} MiB rss ${mib(s.serverHeap, 1)} heap ${s.serverFds ?? '?'} fds` +
        `  host ${mib(s.hostRss)} rss ${mib(s.hostHeap, 1)} heap ${s.hostTensors ?? '?'} tensors ${s.hostFds ?? '?'} fds  page ${mib(s.pageHeap, 1)} MiB ${s.pageNodes} nodes ${s.pageLogLines} log lines\n`,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(everyS * 1000, end - Date.now()))));
  }

  await call('jobs.cancel', { id: trainJob });
  await browser.close();
  server.child.kill('SIGTERM');
  return samples;
}

/**
 * Theil–Sen slope of y over t (per second): the median of the pairwise slopes. A sample taken in
 * the middle of a training step (twice the tensors, a GC sawtooth at its peak) does not tilt it, as
 * it would a least-squares line.
 */
function slope(points) {
  const slopes = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (points[j].t > points[i].t) slopes.push((points[j].y - points[i].y) / (points[j].t - points[i].t));
    }
  }
  slopes.sort((a, b) => a - b);
  return slopes.length === 0 ? 0 : slopes[Math.floor(slopes.length / 2)];
}

// A soak, or (--analyse=FILE) the verdict again on the samples of an earlier one.
const samples = analyse ? JSON.parse(fs.readFileSync(analyse, 'utf8')) : await soak();
const minutesRun = analyse ? (samples.at(-1)?.t ?? 0) / 60 : minutes;

// What counts as flat: growth projected to one hour under a share of the series' median, or under
// an absolute floor (GC sawtooth on a small heap; a descriptor or two opened and closed by a request).
const series = [
  { key: 'serverRss', label: 'server RSS', unit: MiB, rel: 0.1, floor: 32 * MiB },
  { key: 'serverHeap', label: 'server V8 heap', unit: MiB, rel: 0.1, floor: 8 * MiB },
  { key: 'serverFds', label: 'server descriptors', unit: 1, rel: 0, floor: 4 },
  { key: 'hostRss', label: 'engine host RSS', unit: MiB, rel: 0.1, floor: 64 * MiB },
  { key: 'hostHeap', label: 'engine host V8 heap', unit: MiB, rel: 0.1, floor: 16 * MiB },
  { key: 'hostTensors', label: 'engine host tensors', unit: 1, rel: 0, floor: 1 },
  { key: 'hostFds', label: 'engine host descriptors', unit: 1, rel: 0, floor: 4 },
  { key: 'pageHeap', label: 'page JS heap (after GC)', unit: MiB, rel: 0.1, floor: 8 * MiB },
  { key: 'pageNodes', label: 'page DOM nodes', unit: 1, rel: 0.05, floor: 200 },
  { key: 'pageListeners', label: 'page listeners', unit: 1, rel: 0.05, floor: 50 },
];
// Warm-up: from the first step of training, the larger of the warm-up share and two minutes (the
// engine host's wasm heap grows to its working size, the page's log panel fills to its 200 lines).
const firstStep = samples.find((s) => s.step > 0)?.t ?? 0;
const warmupEnd = firstStep + Math.max(warmupFraction * minutesRun * 60, 120);
const after = samples.filter((s) => s.t >= warmupEnd);
const span = after.length > 1 ? after[after.length - 1].t - after[0].t : 0;
process.stdout.write(`\n${samples.length} samples, ${after.length} after the warm-up (from ${warmupEnd.toFixed(0)} s, ${(span / 60).toFixed(1)} min); steps ${samples[0]?.step} → ${samples.at(-1)?.step}\n`);
let leaks = 0;
for (const s of series) {
  const points = after.filter((p) => typeof p[s.key] === 'number').map((p) => ({ t: p.t, y: p[s.key] }));
  if (points.length < 3) {
    process.stdout.write(`${s.label.padEnd(26)} (not measured here)\n`);
    continue;
  }
  const ys = points.map((p) => p.y).sort((a, b) => a - b);
  const median = ys[Math.floor(ys.length / 2)];
  const perHour = slope(points) * 3600;
  const limit = Math.max(s.rel * median, s.floor);
  const flat = perHour <= limit;
  if (!flat) leaks++;
  const fmt = (v) => (s.unit === 1 ? v.toFixed(1) : `${(v / s.unit).toFixed(1)} MiB`);
  process.stdout.write(
    `${s.label.padEnd(26)} median ${fmt(median).padStart(10)}  min ${fmt(ys[0]).padStart(10)}  max ${fmt(ys.at(-1)).padStart(10)}  slope ${fmt(perHour).padStart(10)}/h  ${flat ? 'flat' : `GROWS (limit ${fmt(limit)}/h)`}\n`,
  );
}
const logLines = samples.at(-1)?.pageLogLines;
if (typeof logLines === 'number' && logLines < 200) {
  process.stdout.write(`(the page's log panel held ${logLines} of its 200 lines at the end: its DOM nodes were still filling it)\n`);
}
process.stdout.write(
  `\nverdict: ${after.length < 3 ? 'none — too short to judge after the warm-up' : leaks === 0 ? 'flat — no series grows beyond its limit' : `${leaks} series grow`}` +
    `${minutesRun < 30 ? ` (a ${minutesRun.toFixed(0)}-minute run projects a short window to an hour: only the full hour is a verdict)` : ''}\nsamples: ${outFile}\n`,
);
process.exit(after.length < 3 ? 2 : leaks === 0 ? 0 : 1);
