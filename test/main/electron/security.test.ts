// Electron's security checklist, verified with `electron` mocked (no Electron runtime can be
// installed here, ENVIRONMENT.md): the mock stands in for Electron's objects only; the code under
// test, the store, the files and the dispatcher are real.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN, hardenSession, hardenWebContents, secureWebPreferences } from '../../../main/electron/security.js';
import { registerAppProtocol } from '../../../main/electron/protocol.js';
import { registerIpcTransport } from '../../../main/electron/ipc.js';
import type { ApiResult } from '../../../shared/api/index.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { deepArray } from '../api/security/payloads.js';

vi.mock('electron', () => ({}));

type Listener = (...args: unknown[]) => void;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  return {
    on(event: string, fn: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
    },
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      openHandler = fn;
    },
    /** Emits `event` with a preventable event object; true if a listener prevented it. */
    prevented(event: string, ...args: unknown[]): boolean {
      let prevented = false;
      const e = { preventDefault: () => (prevented = true), url: typeof args[0] === 'string' ? args[0] : undefined };
      for (const fn of listeners.get(event) ?? []) fn(e, ...args);
      return prevented;
    },
    open: (url: string) => openHandler?.({ url }),
  };
}

describe('Electron security checklist (electron mocked)', () => {
  it('web preferences: isolated, sandboxed, web security on, no insecure content, no Node anywhere', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
    expect(secureWebPreferences('/p.cjs')).not.toHaveProperty('enableBlinkFeatures');
  });

  it('navigation of any frame away from the app, redirects, window.open and webviews are blocked', () => {
    const c = fakeContents();
    hardenWebContents(c as never);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8731/', 'file:///etc/passwd', `${APP_ORIGIN}.evil.test/`, 'javascript:alert(1)', 'ric://blob/x']) {
      expect(c.prevented('will-navigate', url), url).toBe(true);
      expect(c.prevented('will-frame-navigate', url), url).toBe(true);
      expect(c.prevented('will-redirect', url), url).toBe(true);
      expect(c.open(url)).toEqual({ action: 'deny' });
    }
    expect(c.prevented('will-navigate', `${APP_ORIGIN}/index.html#/settings`)).toBe(false);
    expect(c.prevented('will-frame-navigate', `${APP_ORIGIN}/index.html`)).toBe(false);
    expect(c.open(`${APP_ORIGIN}/index.html`)).toEqual({ action: 'deny' });
    expect(c.prevented('will-attach-webview', {}, { src: `${APP_ORIGIN}/index.html` })).toBe(true);
  });

  it('every permission request and check is denied', () => {
    const handlers: Record<string, (...a: unknown[]) => unknown> = {};
    hardenSession({
      setPermissionRequestHandler: (fn: never) => (handlers.request = fn),
      setPermissionCheckHandler: (fn: never) => (handlers.check = fn),
      setDevicePermissionHandler: (fn: never) => (handlers.device = fn),
    } as never);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'serial']) {
      const answers: boolean[] = [];
      handlers.request!({}, permission, (granted: boolean) => answers.push(granted), { requestingUrl: `${APP_ORIGIN}/index.html` });
      expect(answers, permission).toEqual([false]);
      expect(handlers.check!({}, permission, APP_ORIGIN, {}), permission).toBe(false);
    }
    expect(handlers.device!({ deviceType: 'usb' })).toBe(false);
  });

  describe('ric:// protocol', () => {
    let t: TestApp;
    let handler: (r: { url: string; method?: string }) => Promise<Response>;
    let sha = '';
    const logs: string[] = [];
    beforeAll(() => {
      t = openTestApp();
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>RIC</title>');
      fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
      sha = t.app.store.blobs.put(Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')).sha256;
      registerAppProtocol({ handle: (_s: string, fn: never) => (handler = fn) } as never, dir, t.app.store.blobs, (l) => logs.push(l));
    });
    afterAll(() => t.close());

    it('puts the CSP and nosniff on every response, errors included', async () => {
      const cases: [string, number][] = [
        ['ric://app/index.html', 200],
        ['ric://app/app.js', 200],
        [`ric://blob/${sha}`, 200],
        ['ric://app/missing.js', 404],
        ['ric://app/../ric.sqlite', 404],
        [`ric://blob/${'0'.repeat(64)}`, 404],
        ['ric://blob/..%2Fric.sqlite', 404],
        ['ric://other/index.html', 404],
      ];
      for (const [url, status] of cases) {
        const res = await handler({ url, method: 'GET' });
        expect(res.status, url).toBe(status);
        expect(res.headers.get('content-security-policy'), url).toContain("default-src 'self'");
        expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      }
      expect((await handler({ url: 'ric://app/index.html', method: 'POST' })).status).toBe(405);
    });

    it('answers a blob file that vanished or cannot be read with a status and a word, not a rejection', async () => {
      const file = t.app.store.blobs.get(sha)!.file;
      fs.rmSync(file);
      const missing = await handler({ url: `ric://blob/${sha}`, method: 'GET' });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toMatch(/no such image|missing from the data folder/);
      // Root reads through chmod 000, so "unreadable" is made a folder where the file should be.
      fs.mkdirSync(file);
      const unreadable = await handler({ url: `ric://blob/${sha}`, method: 'GET' });
      expect(unreadable.status).toBe(500);
      expect(await unreadable.text()).toMatch(/cannot be read|is a folder/);
      expect(logs.join('\n')).toMatch(/stored image/);
    });
  });

  describe('IPC', () => {
    function ipc(t: TestApp) {
      let handler: ((event: unknown, method: unknown, args: unknown) => Promise<ApiResult>) | undefined;
      registerIpcTransport({
        ipcMain: { handle: (_c: string, fn: never) => (handler = fn), removeHandler: () => undefined } as never,
        dispatcher: t.app.dispatcher,
        events: t.app.events,
        ownContents: new Set([5]),
        targets: () => [],
      });
      const own = { sender: { id: 5 }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } };
      // Electron clones arguments (structured clone); a value too deep to clone here is handed over
      // as it is — what a compromised renderer could make main deserialise.
      const clone = (v: unknown) => {
        try {
          return structuredClone(v);
        } catch {
          return v;
        }
      };
      return { call: (method: unknown, args: unknown, event: unknown = own) => handler!(event, method, clone(args)) };
    }

    it('bounds size and depth behind IPC like every transport: typed errors, never internal', async () => {
      const t = openTestApp();
      const { call } = ipc(t);
      expect(await call('jobs.start', { kind: 'evaluate', params: { a: deepArray(5000) } })).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
      expect(await call('system.ping', { echo: deepArray(100_000) })).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
      expect(await call('system.ping', { echo: new Array(300_000).fill(0) })).toMatchObject({ ok: false, error: { code: 'too_large' } });
      expect(await call('system.ping', { echo: 'x'.repeat(65 * 1024 * 1024) })).toMatchObject({ ok: false, error: { code: 'too_large' } });
      expect(await call('system.ping', { echo: new Map([[1, 2]]) })).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
      expect(await call({ deep: deepArray(10_000) }, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
      expect(await call('x'.repeat(10_000), {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
      expect(await call('system.ping', { echo: 'ok' })).toMatchObject({ ok: true, value: { echo: 'ok' } });
      t.close();
    });

    it('validates the sender of every message before anything else', async () => {
      const t = openTestApp();
      const { call } = ipc(t);
      const strangers = [
        { sender: { id: 6 }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } },
        { sender: { id: 5 }, senderFrame: { url: 'https://evil.test/', parent: null } },
        { sender: { id: 5 }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: {} } },
        { sender: { id: 5 }, senderFrame: null },
        { sender: { id: 5 }, senderFrame: { url: 'not a url', parent: null } },
      ];
      for (const event of strangers) {
        expect(await call('system.ping', { echo: deepArray(10_000) }, event)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
        expect(await call('settings.get', {}, event)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      }
      t.close();
    });
  });
});
