// The desktop app on a data folder it cannot use (electron mocked: no Electron runtime here): a
// window says why — the file, the cause, what to do — and the app exits, instead of an unhandled
// rejection with a stack on the terminal.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/app.js';

const state = vi.hoisted(() => ({
  ready: undefined as undefined | (() => void),
  errorBoxes: [] as [string, string][],
  exitCodes: [] as number[],
}));

vi.mock('electron', () => ({
  BrowserWindow: class {
    static getAllWindows() {
      return [];
    }
  },
  app: {
    on: () => undefined,
    whenReady: () => new Promise<void>((resolve) => (state.ready = resolve)),
    quit: () => undefined,
    exit: (code: number) => state.exitCodes.push(code),
  },
  dialog: { showErrorBox: (title: string, content: string) => state.errorBoxes.push([title, content]) },
  ipcMain: { handle: () => undefined, removeHandler: () => undefined },
  session: { defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined, setDevicePermissionHandler: () => undefined } },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
}));

describe('desktop startup on a store it cannot open (electron mocked)', () => {
  const dataDir = tempDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('shows the reason in an error box and exits 1', async () => {
    fs.writeFileSync(path.join(dataDir, 'ric.sqlite'), 'not a database, a note\n');
    process.env.RIC_ELECTRON_NO_AUTORUN = '1';
    process.env.RIC_DATA = dataDir;
    const { runDesktop } = await import('../../../main/electron/main.js');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      runDesktop();
      state.ready?.();
      await vi.waitFor(() => expect(state.exitCodes).toEqual([1]));
    } finally {
      stderr.mockRestore();
    }
    expect(state.errorBoxes).toEqual([['RIC Studio cannot start', expect.stringContaining(`${path.join(dataDir, 'ric.sqlite')} is not a RIC Studio store`)]]);
    expect(state.errorBoxes[0]![1]).toContain('Move it aside');
  });
});
