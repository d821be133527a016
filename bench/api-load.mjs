// Api under load (issue 10): 10 clients calling at once over HTTP (keep-alive) and over the
// WebSocket, calls/s and p95, optionally while an import writes; then how long one hostile body
// (60 MB of JSON) stalls everybody else: the worst ping latency seen while the server reads it.
// Runs against the built dist/ of whatever branch is checked out, so "before" and "after" are the
// same command on two checkouts.
// Usage: npm run build && node bench/api-load.mjs [callsPerClient=500] [--clients=10] [--import] [--body-mb=60]
import fs from 'node:fs';
import http from 'node:http';

import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { machine, root, startServe, summary, tempDataDir } from './lib.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const perClient = Number(args.find((a) => /^\d+$/.test(a)) ?? 500);
const clients = flag('clients', 10);
const bodyMb = flag('body-mb', 60);
const withImport = args.includes('--import');

const dir = tempDataDir();
const server = await startServe(dir);
const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'X-RIC-Call': '1' };
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });

function post(body) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(`${server.origin}/api/call`, { method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ ms: performance.now() - t, status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const calls = [
  JSON.stringify({ method: 'system.ping', args: { echo: 'x' } }),
  JSON.stringify({ method: 'settings.get', args: {} }),
  JSON.stringify({ method: 'datasets.list', args: {} }),
  JSON.stringify({ method: 'jobs.list', args: {} }),
];

async function httpLoad() {
  const times = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const r = await post(calls[(c + i) % calls.length]);
        if (r.status !== 200 || !r.body.startsWith('{"ok":true')) failed++;
        times.push(r.ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { callsPerSecond: Math.round(times.length / seconds), failed, ms: summary(times) };
}

async function socketLoad() {
  const sockets = await Promise.all(
    Array.from({ length: clients }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws`, { headers: { Authorization: headers.Authorization, Origin: server.origin } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    })),
  );
  const times = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    sockets.map(async (ws, c) => {
      const pending = new Map();
      ws.on('message', (d) => {
        const frame = JSON.parse(String(d));
        if (typeof frame.id === 'number') pending.get(frame.id)?.(frame.result);
      });
      for (let i = 0; i < perClient; i++) {
        const t = performance.now();
        const result = await new Promise((resolve) => {
          pending.set(i, resolve);
          const call = JSON.parse(calls[(c + i) % calls.length]);
          ws.send(JSON.stringify({ id: i, ...call }));
        });
        pending.delete(i);
        if (!result?.ok) failed++;
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.close();
  return { callsPerSecond: Math.round(times.length / seconds), failed, ms: summary(times) };
}

/**
 * The worst ping round trip while one client posts `body`: how long the server's event loop stalled.
 * The pinger runs in a worker thread, so building and writing the big body here does not delay it.
 */
async function stallDuring(body) {
  const pinger = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const http = require('node:http');
     const agent = new http.Agent({ keepAlive: true });
     let done = false; const pings = [];
     parentPort.on('message', () => { done = true; });
     const ping = () => new Promise((resolve) => {
       const t = performance.now();
       const req = http.request(workerData.url, { method: 'POST', agent, headers: workerData.headers }, (res) => { res.resume(); res.on('end', () => resolve(performance.now() - t)); });
       req.on('error', () => resolve(performance.now() - t));
       req.end(workerData.body);
     });
     (async () => { while (!done) pings.push(await ping()); parentPort.postMessage(pings); })();`,
    { eval: true, workerData: { url: `${server.origin}/api/call`, headers, body: calls[0] } },
  );
  await new Promise((r) => setTimeout(r, 300));
  const t = performance.now();
  const r = await post(body).catch((err) => ({ status: String(err.code ?? err), body: '', ms: performance.now() - t }));
  await new Promise((r) => setTimeout(r, 300));
  const pings = await new Promise((resolve) => {
    pinger.once('message', resolve);
    pinger.postMessage('stop');
  });
  await pinger.terminate();
  return { status: r.status, answer: r.body.slice(0, 120), bodyMs: Math.round(r.ms), worstPingMs: Math.round(Math.max(...pings)), pings: pings.length };
}

function bodies(mb) {
  const n = mb * 1024 * 1024;
  // Many small values: the costly shape for a parser (each value is an allocation).
  const numbers = Math.floor(n / 2);
  const wide = `{"method":"jobs.start","args":{"kind":"evaluate","params":{"a":[${'1,'.repeat(numbers - 1)}1]}}}`;
  const keys = Math.floor(n / 12);
  const parts = new Array(keys);
  for (let i = 0; i < keys; i++) parts[i] = `"k${String(i).padStart(7, '0')}":0`;
  const manyKeys = `{"method":"jobs.start","args":{"kind":"evaluate","params":{${parts.join(',')}}}}`;
  return { wideArray: wide, manyKeys };
}

const results = { machine: machine(), clients, perClient, import: withImport };
let importJob;
if (withImport) {
  // A synthetic ShapesEdit import writing the store (blobs + rows) while the clients call.
  const r = await post(JSON.stringify({ method: 'datasets.importShapes', args: { count: 2000, size: 64 } }));
  importJob = r.body;
}
results.http = await httpLoad();
results.socket = await socketLoad();
if (importJob) results.importStarted = importJob.slice(0, 120);
if (bodyMb > 0) {
  results.stall = {};
  for (const [name, body] of Object.entries(bodies(bodyMb))) results.stall[name] = { mb: +(body.length / 2 ** 20).toFixed(1), ...(await stallDuring(body)) };
}
const alive = await post(calls[0]);
results.aliveAfter = alive.status === 200 && alive.body.startsWith('{"ok":true');
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
server.child.kill('SIGTERM');
agent.destroy();
await new Promise((r) => setTimeout(r, 300));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);

