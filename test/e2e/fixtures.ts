// End-to-end fixtures: every test gets its own data folder and its own `ric serve` process (the
// real CLI over the built app), and a page opened with that server's token.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect } from '@playwright/test';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

export interface WebServerHandle {
  /** The printed URL, with ?token=... */
  urlWithToken: string;
  /** The origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
  output(): string;
}

export async function startServe(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<WebServerHandle> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, 'serve', '--port', '0', ...extraArgs], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /Open: (http:\/\/[^\s]+\?token=([\w-]+))/.exec(out);
    if (m) {
      const urlWithToken = m[1]!;
      return { urlWithToken, origin: new URL(urlWithToken).origin, token: m[2]!, dataDir, process: child, output: () => out };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ric serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopServe(server: WebServerHandle): Promise<void> {
  if (server.process.exitCode !== null) return;
  const exited = new Promise((r) => server.process.once('exit', r));
  server.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.process.exitCode === null) server.process.kill('SIGKILL');
}

export function tempDataDir(prefix = 'ric-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `server`: a fresh `ric serve` on its own data folder. `app`: a page opened with its token. */
export const test = base.extend<{ dataDir: string; server: WebServerHandle }>({
  dataDir: async ({}, use) => {
    const dir = tempDataDir();
    await use(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  server: async ({ dataDir }, use) => {
    const server = await startServe(dataDir);
    await use(server);
    await stopServe(server);
  },
});

export { expect };
