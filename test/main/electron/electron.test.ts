// The desktop shell with `electron` mocked (no Electron runtime can be installed here): window
// security settings, navigation and pop-up blocking, the preload's surface, and startup wiring.
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../../shared/api/bridge.js';

type Listener = (...args: unknown[]) => void;

class FakeContents {
  static nextId = 1;
  id = FakeContents.nextId++;
  listeners = new Map<string, Listener[]>();
  openHandler: ((details: { url: string }) => { action: string }) | undefined;
  on(event: string, fn: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }) {
    this.openHandler = fn;
  }
  isDestroyed() {
    return false;
  }
  send() {}
}

const created: { options: Record<string, unknown>; webContents: FakeContents; loaded?: string }[] = [];

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = new FakeContents();
    private handlers = new Map<string, Listener>();
    constructor(public options: Record<string, unknown>) {
      created.push(this as never);
    }
    once(event: string, fn: Listener) {
      this.handlers.set(event, fn);
    }
    on(event: string, fn: Listener) {
      this.handlers.set(event, fn);
    }
    show() {}
    loadURL(url: string) {
      (this as unknown as { loaded: string }).loaded = url;
      return Promise.resolve();
    }
    static getAllWindows() {
      return created;
    }
  }
  return { BrowserWindow, app: {}, ipcMain: {}, protocol: {} };
});

describe('Electron main (electron mocked)', () => {
  beforeEach(() => {
    created.length = 0;
  });

  it('creates the window isolated, sandboxed, without Node, with our preload', async () => {
    process.env.RIC_ELECTRON_NO_AUTORUN = '1';
    const { createMainWindow } = await import('../../../main/electron/main.js');
    createMainWindow('/app/preload.cjs');
    const prefs = created[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('blocks navigation away from the app, webviews and every new window', async () => {
    const { hardenWebContents, APP_ORIGIN } = await import('../../../main/electron/security.js');
    const contents = new FakeContents();
    hardenWebContents(contents as never);
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(`${APP_ORIGIN}.evil.com/`)).toBe(true);
    expect(navigate(`${APP_ORIGIN}/index.html#/settings`)).toBe(false);
    let webviewBlocked = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewBlocked = true) });
    expect(webviewBlocked).toBe(true);
    expect(contents.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('trusts only our own top-level frame', async () => {
    const { isTrustedSender, APP_ORIGIN } = await import('../../../main/electron/security.js');
    const own = new Set([3]);
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html`, parent: null } as never, own, 3)).toBe(true);
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html`, parent: null } as never, own, 4)).toBe(false);
    expect(isTrustedSender({ url: 'https://x.test/', parent: null } as never, own, 3)).toBe(false);
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html`, parent: {} } as never, own, 3)).toBe(false);
    expect(isTrustedSender(null, own, 3)).toBe(false);
  });

  it('the preload exposes only { call, onEvent } on window.ric, over the contract channels', () => {
    // The compiled preload is CommonJS; run it with a fake electron module to see what it exposes.
    const preload = path.resolve(import.meta.dirname, '../../../dist/main/electron/preload.cjs');
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const ipcListeners = new Map<string, Listener>();
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: (...a: unknown[]) => {
          invoked.push(a);
          return Promise.resolve({ ok: true, value: null });
        },
        on: (channel: string, fn: Listener) => ipcListeners.set(channel, fn),
        removeListener: (channel: string) => ipcListeners.delete(channel),
      },
    };
    const req = createRequire(preload);
    const Module = req('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = Module._load;
    Module._load = (request: string, ...rest: unknown[]) => (request === 'electron' ? fakeElectron : original(request, ...rest));
    try {
      delete req.cache[preload];
      req(preload);
    } finally {
      Module._load = original;
    }
    expect(Object.keys(exposed)).toEqual(['ric']);
    const bridge = exposed.ric as { call: (m: string, a: unknown) => Promise<unknown>; onEvent: (l: Listener) => () => void };
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent']);
    void bridge.call('system.ping', { echo: 'x' });
    expect(invoked).toEqual([[IPC_CALL_CHANNEL, 'system.ping', { echo: 'x' }]]);
    const events: unknown[] = [];
    const off = bridge.onEvent((e, p) => events.push([e, p]));
    ipcListeners.get(IPC_EVENT_CHANNEL)?.({}, 'job.progress', { jobId: 1 });
    expect(events).toEqual([['job.progress', { jobId: 1 }]]);
    off();
    expect(ipcListeners.has(IPC_EVENT_CHANNEL)).toBe(false);
  });
});
