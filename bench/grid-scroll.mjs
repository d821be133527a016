// Grid scroll frame time in Chromium at 100 000 samples (issue 3 goal: p95 < 16 ms).
// Seeds a data folder straight into the store, serves it with `ric serve`, opens the dataset's grid,
// and scrolls it programmatically from inside the page, one step per animation frame, recording
// requestAnimationFrame deltas. Two Chromium runs:
//   - "unthrottled": --disable-frame-rate-limit --disable-gpu-vsync, so a frame takes as long as its
//     work (script + React render + style + layout + paint); its p95 is the number against the goal.
//   - "vsync": the normal 60 Hz pacing, reported as the share of frames that missed a vsync.
// Both also report the renderer main thread's CPU time per frame from a Chromium trace, which a
// busy machine does not inflate the way it inflates wall-clock deltas.
// Usage: npx tsc -b && npx vite build && node bench/grid-scroll.mjs [samples=100000] [frames=600]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunch, machine, root, startServe, summary, tempDataDir } from './lib.mjs';

const { seedSyntheticDataset } = await import(pathToFileURL(path.join(root, 'test/e2e/seed-synthetic.mjs')).href);

const count = Number(process.argv[2] ?? 100_000);
const frames = Number(process.argv[3] ?? 600);
const dir = tempDataDir();
const t0 = performance.now();
const { datasetId } = await seedSyntheticDataset(dir, { count, name: 'bench-grid' });
const seedSeconds = (performance.now() - t0) / 1000;
const server = await startServe(dir);

/** Scrolls the grid `frames` frames in the given pattern and returns the rAF deltas (ms). */
async function scrollRun(page, pattern, n) {
  return page.evaluate(
    ({ pattern, n }) =>
      new Promise((resolve) => {
        const grid = document.querySelector('[data-testid="sample-grid"]');
        const deltas = [];
        let last = performance.now();
        let i = 0;
        const max = () => grid.scrollHeight - grid.clientHeight;
        const step = (now) => {
          if (i > 0) deltas.push(now - last);
          last = now;
          if (i++ >= n) return resolve(deltas);
          if (pattern === 'steady') grid.scrollTop = Math.min(max(), grid.scrollTop + 40); // 2 400 px/s at 60 Hz: a fast flick
          else if (pattern === 'fast') grid.scrollTop = Math.min(max(), grid.scrollTop + 450); // three rows a frame: a dragged scrollbar
          else grid.scrollTop = Math.random() * max(); // jumps anywhere (scrollbar clicks, End/Home)
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    { pattern, n },
  );
}

/**
 * The renderer main thread's CPU time per frame, from a Chromium trace: the thread time (`tdur`)
 * of its top-level tasks, bucketed by the main thread's frame commits. Unlike wall-clock frame deltas it does not
 * count time the thread spent descheduled, so it stays meaningful on a loaded 2-core machine.
 */
function mainThreadCpuPerFrame(trace) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = new Set();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') main.add(`${e.pid}:${e.tid}`);
  const onMain = events.filter((e) => main.has(`${e.pid}:${e.tid}`) && e.ph === 'X');
  // One main-thread commit per produced frame; the work between two commits belongs to the later frame.
  const frames = onMain.filter((e) => e.name === 'Commit').map((e) => e.ts).sort((a, b) => a - b);
  const tasks = onMain.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts);
  const out = new Array(Math.max(0, frames.length - 1)).fill(0);
  let f = 0;
  for (const t of tasks) {
    while (f < frames.length - 1 && t.ts >= frames[f + 1]) f++;
    if (f < out.length && t.ts >= frames[0]) out[f] += (t.tdur ?? t.dur ?? 0) / 1000;
  }
  return out;
}

async function measure(label, extraArgs) {
  const browser = await chromium.launch({ ...chromiumLaunch, args: [...chromiumLaunch.args, ...extraArgs] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(120_000);
    const res = await page.goto(server.url);
    if (!res?.ok()) throw new Error(`the page did not load: HTTP ${res?.status()} (server exited: ${server.child.exitCode})`);
    await page.getByRole('link', { name: 'bench-grid' }).click().catch(async (err) => {
      await page.screenshot({ path: '/tmp/h3-bench-fail2.png' });
      throw err;
    });
    await page.getByTestId('match-count').filter({ hasText: count.toLocaleString('en-US') }).waitFor().catch(async (err) => {
      await page.screenshot({ path: '/tmp/h3-bench-fail.png' });
      throw err;
    });
    await page.locator('[data-sample-id]').first().waitFor();
    const cells = await page.locator('.vgrid-cell').count();
    const results = {};
    for (const pattern of ['steady', 'fast', 'jump']) {
      await page.evaluate(() => (document.querySelector('[data-testid="sample-grid"]').scrollTop = 0));
      await page.waitForTimeout(300);
      const traceFile = path.join(dir, `trace-${label}-${pattern}.json`);
      await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      const deltas = await scrollRun(page, pattern, frames);
      await browser.stopTracing();
      const cpu = mainThreadCpuPerFrame(JSON.parse(fs.readFileSync(traceFile, 'utf8')));
      results[pattern] = {
        ...summary(deltas),
        over16: deltas.filter((d) => d > 16).length,
        missedVsync: deltas.filter((d) => d > 16.7 * 1.5).length,
        cpu: summary(cpu),
      };
    }
    return { label, cellsInDom: cells, results };
  } finally {
    await browser.close();
  }
}

try {
  const runs = [await measure('unthrottled', ['--disable-frame-rate-limit', '--disable-gpu-vsync']), await measure('vsync', [])];
  const fmt = (v) => v.toFixed(2);
  console.log(`grid scroll at ${count.toLocaleString('en-US')} samples, ${frames} frames per pattern (seed ${seedSeconds.toFixed(1)} s)`);
  console.log(`machine: ${machine()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const run of runs) {
    console.log(`\n${run.label} (cells in the DOM at rest: ${run.cellsInDom})`);
    console.log('pattern   p50 ms   p95 ms   p99 ms   max ms   >16 ms   missed vsync   main-thread CPU/frame p50 p95 ms');
    for (const [pattern, r] of Object.entries(run.results)) {
      console.log(
        `${pattern.padEnd(8)} ${fmt(r.p50).padStart(7)} ${fmt(r.p95).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.max).padStart(8)} ${String(r.over16).padStart(8)} ${String(r.missedVsync).padStart(14)}` +
          `   ${fmt(r.cpu.p50).padStart(16)} ${fmt(r.cpu.p95).padStart(6)}`,
      );
    }
  }
  const json = process.env.BENCH_JSON;
  if (json) fs.writeFileSync(json, JSON.stringify({ count, frames, seedSeconds, machine: machine(), runs }, null, 2));
} finally {
  server.child.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
