// Mask editor benchmark (issue 7): brush-stroke latency on a 4096×4096 image in Chromium, measured
// two ways — (1) from the start of the pointermove handler to the first animation frame after the
// dirty-rectangle draw (the draw happens in the handler), and (2), more conservatively, from the
// event's own timestamp to the frame after that one (pixels surely composited) — and the time to
// save a 4096×4096 mask. The probe is the benchmark's own (a capturing pointermove listener added
// before the app loads, so it runs just before the editor's handler): the app has no hook for it.
// Usage (after `tsc -b && vite build`): node bench/mask-brush.mjs [--size 4096] [--moves 300] [--json]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { seedMaskSamples } from './mask-seed.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 4096);
const MOVES = arg('moves', 300);
const JSON_OUT = process.argv.includes('--json');
const log = (...a) => !JSON_OUT && console.log(...a);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const summary = (xs) => ({ n: xs.length, p50: +pct(xs, 50).toFixed(2), p95: +pct(xs, 95).toFixed(2), max: +Math.max(...xs).toFixed(2) });

async function startServe(dataDir) {
  const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', dataDir, 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const m = /Open: (http:\/\/[^\s]+\?token=[\w-]+)/.exec(out);
    if (m) return { url: m[1], child };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`ric serve did not start:\n${out}`);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-mask-bench-'));
let server;
let browser;
try {
  let t = performance.now();
  const { sampleIds } = await seedMaskSamples(dataDir, [{ externalId: 'big', width: SIZE, height: SIZE }], 'mask-bench');
  log(`seeded a ${SIZE}×${SIZE} sample in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  server = await startServe(dataDir);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // While a stroke is measured: for each pointer move with a button down, from just before the
  // editor's handler to the first animation frame after it, and from the event's timestamp to the
  // frame after that one.
  await page.addInitScript(() => {
    const probe = { on: false, handler: [], event: [] };
    window.__brushProbe = probe;
    window.addEventListener(
      'pointermove',
      (e) => {
        if (!probe.on || e.buttons === 0) return;
        const start = performance.now();
        requestAnimationFrame(() => {
          probe.handler.push(performance.now() - start);
          requestAnimationFrame(() => probe.event.push(performance.now() - e.timeStamp));
        });
      },
      { capture: true },
    );
  });
  t = performance.now();
  await page.goto(`${server.url}#/masks/${sampleIds[0]}`);
  await page.getByTestId('mask-stage').waitFor();
  // Laid out and fitted: the stage shows its view.
  await page.waitForFunction(() => document.querySelector('[data-testid="mask-stage"]')?.getAttribute('data-scale') !== null);
  const openMs = performance.now() - t;
  log(`editor open with the ${SIZE}² image: ${openMs.toFixed(0)} ms`);
  await page.getByRole('slider', { name: 'Brush size' }).fill('64');
  await page.keyboard.press('b');
  const stage = await page.getByTestId('mask-stage').boundingBox();

  /** One zig-zag stroke of `moves` pointer events at ~125 Hz (a mouse's report rate). */
  async function stroke(label) {
    await page.evaluate(() => Object.assign(window.__brushProbe, { on: true, handler: [], event: [] }));
    const cx = stage.x + stage.width / 2, cy = stage.y + stage.height / 2;
    const rx = stage.width * 0.4, ry = stage.height * 0.4;
    await page.mouse.move(cx - rx, cy - ry);
    await page.mouse.down();
    for (let i = 1; i <= MOVES; i++) {
      const f = i / MOVES;
      await page.mouse.move(cx - rx + 2 * rx * ((f * 6) % 1), cy - ry + 2 * ry * f);
      await new Promise((r) => setTimeout(r, 8));
    }
    await page.mouse.up();
    await page.waitForTimeout(200);
    const lat = await page.evaluate(() => ({ handler: [...window.__brushProbe.handler], event: [...window.__brushProbe.event] }));
    await page.evaluate(() => (window.__brushProbe.on = false));
    const s = { handlerToNextFrame: summary(lat.handler), eventToFrameAfter: summary(lat.event) };
    log(`${label}: pointermove handler → next animation frame after the dirty-rect draw ${JSON.stringify(s.handlerToNextFrame)} ms`);
    log(`${label}: event timestamp → the frame after that ${JSON.stringify(s.eventToFrameAfter)} ms`);
    return s;
  }

  const fitStroke = await stroke('fit view (whole 4096² image on screen)');
  await page.keyboard.press('1');
  const oneToOne = await stroke('1:1 view (one image pixel per screen pixel)');
  await page.keyboard.press('0');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+Shift+z');

  async function timedSave(label) {
    const before = await page.getByTestId('mask-versions').locator('li').count();
    const t0 = performance.now();
    await page.getByTestId('mask-save').click();
    await page.getByTestId('mask-versions').locator('li').nth(before).waitFor();
    const ms = performance.now() - t0;
    log(`${label}: ${ms.toFixed(0)} ms`);
    return +ms.toFixed(0);
  }
  const saveStrokes = await timedSave(`save ${SIZE}² mask with two strokes (click → new version listed)`);
  // A dense, ragged mask: invert, then an eraser pass makes it far from a few runs.
  await page.keyboard.press('i');
  const saveInverted = await timedSave(`save ${SIZE}² inverted mask`);

  // Main-side pieces of a save in isolation.
  const { createMask, rleToBase64, strokeSegment, invertMask, growMask } = await import(pathToFileURL(path.join(root, 'dist/shared/mask/index.js')).href);
  const { encodeMaskPng } = await import(pathToFileURL(path.join(root, 'dist/main/data/masks/index.js')).href);
  const m = createMask(SIZE, SIZE);
  for (let i = 0; i < 40; i++) strokeSegment(m, { x: (i * 997) % SIZE, y: (i * 613) % SIZE }, { x: (i * 331) % SIZE, y: (i * 787) % SIZE }, { radiusFrom: 40, radiusTo: 40, hardness: 1, mode: 'paint' });
  const time = (fn) => {
    const t1 = performance.now();
    const r = fn();
    return [performance.now() - t1, r];
  };
  const [rleMs, rle] = time(() => rleToBase64(m.data));
  let t2 = performance.now();
  const png = await encodeMaskPng(m);
  const pngMs = performance.now() - t2;
  const [growMs] = time(() => growMask(m, 8));
  const [invertMs] = time(() => invertMask(m));
  const parts = { rleMs: +rleMs.toFixed(1), rleBytes: rle.length, pngMs: +pngMs.toFixed(1), pngBytes: png.length, invertMs: +invertMs.toFixed(1), grow8Ms: +growMs.toFixed(1) };
  log(`parts (node, 40 strokes of r=40): RLE+base64 ${parts.rleMs} ms (${parts.rleBytes} chars), PNG encode ${parts.pngMs} ms (${parts.pngBytes} bytes), invert ${parts.invertMs} ms, grow 8 px ${parts.grow8Ms} ms`);

  const result = { size: SIZE, moves: MOVES, cpus: os.cpus().length, openMs: +openMs.toFixed(0), fitStroke, oneToOne, saveStrokes, saveInverted, parts };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
} finally {
  await browser?.close();
  server?.child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
