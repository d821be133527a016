// Api round-trip latency per transport (goal p95 < 5 ms on loopback): in-process, HTTP from Node
// (keep-alive), HTTP from Chromium's page (the renderer's real path), and WebSocket event push.
// Electron IPC needs the Electron runtime, which cannot be installed here: not measured.
// Usage: npm run build && node bench/api-latency.mjs [calls]
import fs from 'node:fs';
import http from 'node:http';
import { chromium } from '@playwright/test';
import WebSocket from 'ws';
import { chromiumLaunch, machine, root, startServe, summary, tempDataDir } from './lib.mjs';

const calls = Number(process.argv[2] ?? 2000);
const { openApp } = await import(`${root}/dist/main/app.js`);
const { createInProcessTransport } = await import(`${root}/dist/main/api/transports/in-process.js`);
const { createApiClient } = await import(`${root}/dist/shared/api/client.js`);

async function time(fn) {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const out = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return summary(out);
}

const results = { machine: machine(), calls, method: 'system.ping {echo: "x"} and settings.get' };

// 1. In-process
{
  const dir = tempDataDir();
  const app = openApp({ dataDir: dir, mode: 'in-process' });
  const client = createApiClient(createInProcessTransport(app.dispatcher, app.events));
  results.inProcessPing = await time(() => client.call('system.ping', { echo: 'x' }));
  results.inProcessSettingsGet = await time(() => client.call('settings.get', {}));
  app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

// 2. HTTP from Node, 3. from Chromium, 4. WebSocket event push
{
  const dir = tempDataDir();
  const server = await startServe(dir);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${server.origin}/api/call`, { method: 'POST', agent, headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  const ping = JSON.stringify({ method: 'system.ping', args: { echo: 'x' } });
  const settings = JSON.stringify({ method: 'settings.get', args: {} });
  results.httpNodePing = await time(() => post(ping));
  results.httpNodeSettingsGet = await time(() => post(settings));

  const browser = await chromium.launch(chromiumLaunch);
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator('h1[data-view-title]').waitFor();
  results.httpChromiumPing = await page.evaluate(async (n) => {
    const one = () => fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body: JSON.stringify({ method: 'system.ping', args: { echo: 'x' } }) }).then((r) => r.json());
    for (let i = 0; i < 200; i++) await one();
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await one();
      out.push(performance.now() - t);
    }
    out.sort((a, b) => a - b);
    const p = (q) => out[Math.min(out.length - 1, Math.ceil(q * out.length) - 1)];
    return { n, p50: p(0.5), p95: p(0.95), p99: p(0.99), max: out[out.length - 1] };
  }, calls);
  // The renderer's default path: calls over its open WebSocket (cookie-authenticated).
  results.webSocketChromiumPing = await page.evaluate(async (n) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    await new Promise((r) => (ws.onopen = r));
    let id = 0;
    const waiting = new Map();
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.id !== undefined) waiting.get(f.id)?.(f.result);
    };
    const one = () => new Promise((resolve) => {
      const i = ++id;
      waiting.set(i, resolve);
      ws.send(JSON.stringify({ id: i, method: 'system.ping', args: { echo: 'x' } }));
    });
    for (let i = 0; i < 200; i++) await one();
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await one();
      out.push(performance.now() - t);
    }
    ws.close();
    out.sort((a, b) => a - b);
    const p = (q) => out[Math.min(out.length - 1, Math.ceil(q * out.length) - 1)];
    return { n, p50: p(0.5), p95: p(0.95), p99: p(0.99), max: out[out.length - 1] };
  }, calls);
  await browser.close();
  agent.destroy();
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}

// 4. WebSocket push: an event emitted in the main process to its arrival at a socket client.
{
  const dir = tempDataDir();
  const app = openApp({ dataDir: dir, mode: 'web' });
  const { startWebServer } = await import(`${root}/dist/main/api/transports/http.js`);
  const server = await startWebServer({ dispatcher: app.dispatcher, events: app.events, blobs: app.store.blobs, rendererDir: dir });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { Authorization: `Bearer ${server.token}` } });
  await new Promise((r) => ws.once('open', r));
  results.webSocketEventPush = await time(
    () =>
      new Promise((resolve) => {
        const sent = performance.now();
        ws.once('message', () => resolve(performance.now() - sent));
        app.events.emit('log.line', { jobId: 1, level: 'info', message: 'x', time: Date.now() });
      }),
  );
  ws.close();
  await server.close();
  app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
