// Small shared helpers for the benchmarks (run on the built dist/: `npm run build` first).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export function summary(values) {
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: Math.max(...values) };
}

export function machine() {
  return `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`;
}

export function tempDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-'));
}

export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** Starts `ric serve --port 0` and resolves once it printed its URL. */
export function startServe(dataDir) {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', dataDir, 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = /Open: (http:\/\/\S+\?token=([\w-]+))/.exec(out);
      if (m) resolve({ child, url: m[1], token: m[2], origin: new URL(m[1]).origin, printedMs: performance.now() - started, started });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`ric serve exited ${code}: ${out}`)));
  });
}
