// End-to-end fixtures: every test gets its own data folder and its own `ric serve` process (the
// real CLI over the built app), and a page opened with that server's token.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { internalNames } from '../helpers/internal-names.js';
import type * as StoreLib from '../../main/store/index.js';

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

/** Every server started in this worker: the message scan reads what each printed. */
const started: WebServerHandle[] = [];

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
      const handle = { urlWithToken, origin: new URL(urlWithToken).origin, token: m[2]!, dataDir, process: child, output: () => out };
      started.push(handle);
      return handle;
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

declare global {
  interface Window {
    __ricShown?: (text: string) => void;
    __ricFlush?: () => void;
  }
}

/**
 * Collects every text the page shows: the body once loaded, then the visible text of every element
 * added or changed, through a binding (so it survives navigations and reloads).
 */
function watchShownText(): void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0 || !window.__ricShown) return;
    const text = pending.join('\n');
    pending = [];
    window.__ricShown(text);
  };
  window.__ricFlush = flush;
  const textOf = (n: Node | null): string => {
    const el = n instanceof Element ? n : n?.parentElement;
    if (!el || el.closest('script, style')) return '';
    return el instanceof HTMLElement ? el.innerText : (el.textContent ?? '');
  };
  // Sent at once per batch of changes: a text shown just before a navigation must not be lost.
  const start = () => {
    pending.push(document.body?.innerText ?? '');
    flush();
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'characterData') pending.push(textOf(r.target));
        else r.addedNodes.forEach((n) => pending.push(textOf(n)));
      }
      flush();
    }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

/**
 * `server`: a fresh `ric serve` on its own data folder. Every test also gets the message scan
 * (issue 17): after it, nothing the page showed and nothing a server printed may carry an internal
 * name (test/helpers/internal-names.ts).
 */
export const test = base.extend<{ dataDir: string; server: WebServerHandle; messageScan: void }>({
  messageScan: [
    async ({ page }, use) => {
      const shown: string[] = [];
      await page.exposeBinding('__ricShown', (_source, text: string) => void shown.push(text));
      await page.addInitScript(watchShownText);
      const before = started.length;
      await use();
      await page.evaluate(() => window.__ricFlush?.()).catch(() => undefined);
      const found = internalNames(shown.join('\n')).map((f) => ({ ...f, where: 'page' }));
      for (const s of started.slice(before)) found.push(...internalNames(s.output()).map((f) => ({ ...f, where: 'ric serve output' })));
      expect(found, 'internal names shown to a person').toEqual([]);
    },
    { auto: true },
  ],
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

/** The built store (dist/, what `ric serve` runs), open on a data folder while `fill` seeds it. */
export async function seedStore(dataDir: string, fill: (store: StoreLib.Store) => Promise<void> | void): Promise<void> {
  const { openStore } = (await import(pathToFileURL(path.join(projectRoot, 'dist/main/store/index.js')).href)) as typeof StoreLib;
  const store = openStore(dataDir);
  try {
    await fill(store);
  } finally {
    store.close();
  }
}

/** `test` whose `server` is a `ric serve` started on a data folder that `seed` filled first. */
export function withSeededServer(seed: (dataDir: string) => Promise<void>) {
  return test.extend<{ server: WebServerHandle }>({
    server: async ({ dataDir }, use) => {
      await seed(dataDir);
      const server = await startServe(dataDir);
      await use(server);
      await stopServe(server);
    },
  });
}

/** One Api call from the page, as web mode's renderer makes it; a refused call throws with its error. */
export async function apiCall<T>(page: Page, method: string, args: unknown): Promise<T> {
  const r = await page.evaluate(
    async ([m, a]) => (await fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body: JSON.stringify({ method: m, args: a }) })).json(),
    [method, args] as const,
  );
  if (!r.ok) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
  return r.value as T;
}
