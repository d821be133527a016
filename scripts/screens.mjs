#!/usr/bin/env node
// Screenshots of every view at 1440×900 and 1024×768, in the light and the dark theme, into
// docs/screens/ (issue 17), so a reviewer sees the product without running it. Run after a build
// (`npx tsc -b && npx vite build`): `node scripts/screens.mjs [OUT_DIR]`.
//
// It seeds a data folder of its own through the real CLI and Api — a ShapesEdit dataset with
// template captions (some approved), a folder import that fails, two tiny Region-CLIP runs — serves
// it with `ric serve`, and drives Debian's Chromium with Playwright, waiting on what each view
// shows, never on time. PNGs are stored with a 256-colour palette (sharp) to keep the folder small.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'screens'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-screens-'));
const ricBin = path.join(root, 'bin', 'ric.js');

function ric(...args) {
  const r = spawnSync(process.execPath, [ricBin, '--data', dataDir, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`ric ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

async function serve() {
  const child = spawn(process.execPath, [ricBin, '--data', dataDir, 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  for (const end = Date.now() + 30_000; Date.now() < end; ) {
    const m = /Open: (http:\/\/[^\s]+\?token=([\w-]+))/.exec(out);
    if (m) return { child, url: m[1], origin: new URL(m[1]).origin, token: m[2] };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`ric serve did not start:\n${out}`);
}

async function call(server, method, args) {
  const res = await fetch(`${server.origin}/api/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method, args }),
  });
  const body = await res.json();
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.value;
}

async function until(what, fn, timeoutMs = 60_000) {
  for (const end = Date.now() + timeoutMs; ; ) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// 1. The data: what a newcomer has after an afternoon.
ric('import', 'shapes', '--count', '60', '--seed', '7', '--size', '64', '--name', 'shapes-demo', '--no-progress');
ric('caption', '--dataset', 'shapes-demo', '--kind', 'region', '--template');
ric('caption', '--dataset', 'shapes-demo', '--kind', 'scene', '--template');
const config = path.join(dataDir, 'tiny.json');
fs.writeFileSync(config, JSON.stringify({ phases: [{ name: 'fusion', epochs: 3, lr: 0.003 }], batch_size: 8, checkpoint_every_steps: 6 }));
ric('train', 'regionclip', '--dataset', 'shapes-demo', '--preset', 'tiny', '--config', config, '--name', 'fusion-lr3e-3', '--no-progress');
fs.writeFileSync(config, JSON.stringify({ phases: [{ name: 'fusion', epochs: 3, lr: 0.001 }], batch_size: 8, checkpoint_every_steps: 6 }));
ric('train', 'regionclip', '--dataset', 'shapes-demo', '--preset', 'tiny', '--config', config, '--name', 'fusion-lr1e-3', '--seed', '1', '--no-progress');
const noSource = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-screens-folder-'));
fs.writeFileSync(path.join(noSource, 'instructions.jsonl'), '{"id":"a","instruction":"make it blue"}\n');

const server = await serve();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const shapes = (await call(server, 'datasets.resolve', { ref: 'shapes-demo' })).id;
  const approved = await call(server, 'captions.queue', { datasetId: shapes, kind: 'region', limit: 20 });
  for (const item of approved.items.slice(0, 20)) await call(server, 'captions.review', { captionId: item.captionId, action: 'approve' });
  const failed = await call(server, 'datasets.import', { format: 'folder', path: noSource, name: 'my-folder (no source/)' });
  await until('the failing import to end', async () => (await call(server, 'jobs.get', { id: failed.jobId })).state === 'failed');
  const samples = await call(server, 'samples.query', { datasetId: shapes, limit: 3 });
  const sample = samples.items[2].id;
  const runs = await call(server, 'runs.list', {});

  // 2. The views, each with what proves it has rendered.
  const shots = [
    { name: 'datasets', url: '/datasets', ready: (p) => p.getByRole('link', { name: 'shapes-demo' }).waitFor() },
    { name: 'dataset-grid', url: `/datasets/${shapes}`, ready: (p) => p.locator('[data-sample-id] img').first().waitFor() },
    { name: 'dataset-failed', url: `/datasets/${failed.datasetId}`, ready: (p) => p.getByTestId('dataset-status').waitFor() },
    { name: 'sample', url: `/datasets/${shapes}/samples/${sample}?i=2`, ready: (p) => p.getByTestId('figure-source').locator('img').waitFor() },
    {
      name: 'import-dialog',
      url: '/datasets',
      ready: async (p) => {
        await p.getByRole('button', { name: 'Import…' }).click();
        await p.getByRole('dialog', { name: 'Import a dataset' }).getByLabel('Folder').check();
        await p.getByLabel('Path on the engine machine').fill(noSource);
        await p.getByTestId('mask-preview-error').waitFor();
      },
    },
    {
      name: 'captions',
      url: `/captions?dataset=${shapes}&kind=region`,
      ready: async (p) => {
        await p.getByTestId('caption-status').waitFor();
        await p.locator('.budget').first().waitFor();
      },
    },
    { name: 'masks', url: `/masks/${sample}`, ready: (p) => p.locator('.mask-stage canvas').first().waitFor() },
    {
      name: 'masks-import-export',
      url: `/masks/${sample}`,
      ready: async (p) => {
        await p.locator('.mask-stage canvas').first().waitFor();
        await p.getByLabel('Export folder').scrollIntoViewIfNeeded();
      },
    },
    { name: 'training', url: `/training?run=${runs[0].id}`, ready: (p) => p.locator('figure[data-chart] .chart-canvas canvas').first().waitFor() },
    { name: 'training-new-run', url: '/training?new=1', ready: (p) => p.getByRole('button', { name: 'Start training' }).waitFor() },
    { name: 'training-compare', url: `/training?compare=${runs.map((r) => r.id).join(',')}&view=compare`, ready: (p) => p.locator('.compare-runs .chart-canvas canvas').first().waitFor() },
    { name: 'compare', url: '/compare', ready: (p) => p.getByRole('checkbox').first().waitFor() },
    { name: 'settings', url: '/settings', ready: (p) => p.getByRole('button', { name: 'Save settings' }).waitFor() },
    { name: 'not-found', url: '/masks/99999', ready: (p) => p.getByTestId('not-found').waitFor() },
    {
      name: 'command-palette',
      url: `/datasets/${shapes}`,
      ready: async (p) => {
        await p.locator('[data-sample-id]').first().waitFor();
        await p.keyboard.press('Control+k');
        await p.getByRole('textbox', { name: 'Command' }).fill('dataset');
      },
    },
  ];
  fs.mkdirSync(outDir, { recursive: true });
  let bytes = 0;
  for (const theme of ['dark', 'light']) {
    await call(server, 'settings.update', { theme });
    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
    ]) {
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
      for (const s of shots) {
        await page.goto(`${server.origin}/#${s.url}`);
        await page.locator('h1').first().waitFor();
        await s.ready(page);
        // Images decoded and fonts settled before the shot.
        await page.evaluate(async () => {
          await document.fonts.ready;
          await Promise.all([...document.images].map((img) => (img.complete ? null : img.decode().catch(() => null))));
        });
        const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
        const file = path.join(outDir, `${s.name}-${width}x${height}-${theme}.png`);
        const small = await sharp(png).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toBuffer();
        fs.writeFileSync(file, small);
        bytes += small.byteLength;
        await page.keyboard.press('Escape').catch(() => undefined);
      }
      await context.close();
    }
  }
  process.stdout.write(`${shots.length * 4} screenshots, ${(bytes / 1e6).toFixed(1)} MB, in ${path.relative(root, outDir) || outDir}\n`);
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(noSource, { recursive: true, force: true });
}
