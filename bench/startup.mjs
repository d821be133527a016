// Web mode cold start: from spawning `ric serve` to the first rendered view in Chromium (goal < 2 s).
// Usage: npm run build && node bench/startup.mjs [runs]
import fs from 'node:fs';
import { chromium } from '@playwright/test';
import { chromiumLaunch, machine, startServe, summary, tempDataDir } from './lib.mjs';

const runs = Number(process.argv[2] ?? 5);
const browser = await chromium.launch(chromiumLaunch);
const total = [];
const printed = [];
const pageOnly = [];
for (let i = 0; i < runs; i++) {
  const dir = tempDataDir();
  const server = await startServe(dir);
  const context = await browser.newContext();
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(server.url);
  await page.locator('h1[data-view-title]').waitFor({ state: 'visible' });
  const t1 = performance.now();
  total.push(t1 - server.started);
  printed.push(server.printedMs);
  pageOnly.push(t1 - t0);
  await context.close();
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
await browser.close();
const result = { machine: machine(), runs, spawnToFirstViewMs: summary(total), spawnToUrlPrintedMs: summary(printed), navigationToFirstViewMs: summary(pageOnly) };
console.log(JSON.stringify(result, null, 2));
