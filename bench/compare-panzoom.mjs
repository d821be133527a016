// Compare view pan/zoom benchmark (issue 16: goal p95 < 16 ms of main-thread work per frame with 6
// panes at 1024²): one 1024² sample, four result sets at 1024² (6 panes with source and ground
// truth), the view open on all four; then wheel zooms and a drag pan in one pane. For each event
// the probe (a capturing listener added before the app loads, so it runs just before the view's
// handler) measures from the start of the handler to the next animation frame: the handler, React's
// render of every pane's transform, style and layout — the main-thread work of that frame.
// Usage (after `tsc -b && vite build`): node bench/compare-panzoom.mjs [--size 1024] [--events 200] [--json]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { chromiumLaunch, machine, root, startServe, summary, tempDataDir } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 1024);
const EVENTS = arg('events', 200);
const JSON_OUT = process.argv.includes('--json');
const log = (...a) => !JSON_OUT && console.log(...a);

/** A noisy card (so the PNG is not trivially small): gradient + per-set tint + hash noise. */
async function cardPng(tint) {
  const px = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 3;
      const n = ((x * 73856093) ^ (y * 19349663) ^ tint) & 31;
      px[i] = ((x * 255) / SIZE + n + tint * 40) & 255;
      px[i + 1] = ((y * 255) / SIZE + n) & 255;
      px[i + 2] = (128 + n * 3) & 255;
    }
  return sharp(px, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

const dataDir = tempDataDir();
let server;
let browser;
try {
  const { openStore } = await import(pathToFileURL(path.join(root, 'dist/main/store/index.js')).href);
  const store = openStore(dataDir);
  const put = async (tint) => {
    const blob = store.blobs.put(await cardPng(tint), 'image/png');
    return { sha256: blob.sha256, width: SIZE, height: SIZE, channels: 3, format: 'png', thumbSha256: null, size: blob.size };
  };
  const datasetId = store.datasets.create({ name: 'panzoom', format: 'folder', sourcePath: null, options: {} });
  const src = await put(0);
  const tgt = await put(1);
  store.samples.insertMany(datasetId, [{ externalId: 'big', sessionId: null, turnIndex: null, split: 'test', editType: null, instruction: 'bench', regionDescription: null, sceneDescription: null, inputCaption: null, outputCaption: null, source: src, target: tgt, mask: null, meta: {} }]);
  store.datasets.setStatus(datasetId, 'ready');
  const sampleId = store.results.editTargets(datasetId)[0].id;
  for (let k = 0; k < 4; k++) {
    const id = store.results.create({ datasetId, name: `set${k}`, method: `Method ${k}`, origin: 'import', jobId: null, provenance: { kind: 'import' } });
    const img = await put(2 + k);
    store.results.putImage(id, { sampleId, status: 'done', image: img, size: img.size, seconds: null, seed: null, jobId: null });
  }
  store.close();

  server = await startServe(dataDir);
  browser = await chromium.launch(chromiumLaunch);
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.addInitScript(() => {
    const probe = { on: false, frames: [] };
    window.__panProbe = probe;
    const measure = () => {
      if (!probe.on) return;
      const start = performance.now();
      requestAnimationFrame(() => probe.frames.push(performance.now() - start));
    };
    window.addEventListener('wheel', measure, { capture: true });
    window.addEventListener('pointermove', (e) => e.buttons !== 0 && measure(), { capture: true });
  });
  await page.goto(`${server.url}#/compare`);
  for (let k = 0; k < 4; k++) await page.getByRole('checkbox', { name: new RegExp(`^Method ${k}`) }).check();
  await page.getByTestId('pane-content').nth(5).locator('img').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('.pane-content img')].every((i) => i.complete && i.naturalWidth > 0));
  const vp = await page.locator('.pane-viewport').nth(2).boundingBox();
  const cx = vp.x + vp.width / 2;
  const cy = vp.y + vp.height / 2;
  await page.evaluate(() => Object.assign(window.__panProbe, { on: true, frames: [] }));
  await page.mouse.move(cx, cy);
  for (let i = 0; i < EVENTS / 2; i++) {
    await page.mouse.wheel(0, i % 8 < 4 ? -60 : 60);
    await new Promise((r) => setTimeout(r, 16));
  }
  await page.mouse.down();
  for (let i = 0; i < EVENTS / 2; i++) {
    await page.mouse.move(cx + 60 * Math.sin(i / 8), cy + 40 * Math.cos(i / 8));
    await new Promise((r) => setTimeout(r, 8));
  }
  await page.mouse.up();
  await page.waitForTimeout(200);
  const frames = await page.evaluate(() => window.__panProbe.frames);
  const transforms = await page.getByTestId('pane-content').evaluateAll((els) => new Set(els.map((e) => e.style.transform)).size);
  const s = summary(frames);
  const result = { size: SIZE, panes: 6, events: EVENTS, frameMs: { n: s.n, p50: +s.p50.toFixed(2), p95: +s.p95.toFixed(2), p99: +s.p99.toFixed(2), max: +s.max.toFixed(2) }, goalP95Ms: 16, allPanesSameTransform: transforms === 1, machine: machine() };
  if (JSON_OUT) console.log(JSON.stringify(result));
  else log(`6 panes at ${SIZE}², ${frames.length} wheel/drag events: handler → next frame ${JSON.stringify(result.frameMs)} ms (goal p95 < 16); panes in sync: ${result.allPanesSameTransform}`);
} finally {
  await browser?.close();
  server?.child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
