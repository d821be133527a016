// runDesktop() with electron mocked: on ready it opens the store, serves the renderer and blobs
// over ric://, wires IPC to the same dispatcher, and loads the app origin.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/app.js';

type Handler = (request: { url: string }) => Response | Promise<Response>;
const state = vi.hoisted(() => ({
  privileged: [] as unknown[],
  protocolHandler: undefined as undefined | ((request: { url: string }) => Response | Promise<Response>),
  ipcHandlers: new Map<string, (...a: unknown[]) => unknown>(),
  loaded: [] as string[],
  appEvents: new Map<string, (...a: unknown[]) => void>(),
  ready: undefined as undefined | (() => void),
  permissions: [] as string[],
}));

vi.mock('electron', () => {
  class WebContents {
    id = 11;
    on() {
      return this;
    }
    setWindowOpenHandler() {}
    isDestroyed() {
      return false;
    }
    send() {}
  }
  class BrowserWindow {
    webContents = new WebContents();
    constructor(public options: unknown) {}
    once() {}
    on() {}
    show() {}
    loadURL(url: string) {
      state.loaded.push(url);
      return Promise.resolve();
    }
    static getAllWindows() {
      return [];
    }
  }
  return {
    BrowserWindow,
    app: {
      on: (event: string, fn: (...a: unknown[]) => void) => state.appEvents.set(event, fn),
      whenReady: () => new Promise<void>((resolve) => (state.ready = resolve)),
      quit: () => undefined,
      exit: () => undefined,
    },
    ipcMain: {
      handle: (channel: string, fn: (...a: unknown[]) => unknown) => state.ipcHandlers.set(channel, fn),
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => state.permissions.push('request'),
        setPermissionCheckHandler: () => state.permissions.push('check'),
        setDevicePermissionHandler: () => state.permissions.push('device'),
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => state.privileged.push(...schemes),
      handle: (_scheme: string, fn: Handler) => (state.protocolHandler = fn),
    },
  };
});

describe('desktop startup (electron mocked)', () => {
  const dataDir = tempDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('wires store, ric:// protocol and IPC on ready, then loads the app', async () => {
    process.env.RIC_ELECTRON_NO_AUTORUN = '1';
    process.env.RIC_DATA = dataDir;
    const { runDesktop } = await import('../../../main/electron/main.js');
    runDesktop();
    expect(state.privileged).toEqual([{ scheme: 'ric', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    state.ready?.();
    await new Promise((r) => setTimeout(r, 20));

    expect(fs.existsSync(path.join(dataDir, 'ric.sqlite'))).toBe(true);
    expect(state.loaded).toEqual(['ric://app/index.html']);
    expect(state.permissions.sort()).toEqual(['check', 'device', 'request']);
    expect([...state.ipcHandlers.keys()]).toEqual(['ric:call']);

    const page = await state.protocolHandler!({ url: 'ric://app/index.html' });
    // npm test builds the renderer (dist/renderer) before vitest runs.
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await state.protocolHandler!({ url: 'ric://app/../ric.sqlite' })).status).toBe(404);
    expect((await state.protocolHandler!({ url: `ric://blob/${'0'.repeat(64)}` })).status).toBe(404);
    expect((await state.protocolHandler!({ url: 'ric://blob/..%2Fric.sqlite' })).status).toBe(404);

    const call = state.ipcHandlers.get('ric:call')!;
    const stranger = await call({ sender: { id: 99 }, senderFrame: { url: 'ric://app/index.html', parent: null } }, 'system.ping', {});
    expect(stranger).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    state.appEvents.get('will-quit')?.();
  });
});
