// The desktop app: one window over the same App (store, dispatcher, events) that web mode uses.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { openApp, type App } from '../app.js';
import { projectRoot, resolveDataDir } from '../paths.js';
import { registerIpcTransport } from './ipc.js';
import { privilegedSchemes, registerAppProtocol } from './protocol.js';
import { utilityProcessSpawner } from './utility-host.js';
import { APP_ORIGIN, hardenSession, hardenWebContents, secureWebPreferences } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#14161a',
    title: 'RIC Studio',
    show: false,
    webPreferences: secureWebPreferences(preload),
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  return win;
}

export function runDesktop(): void {
  protocol.registerSchemesAsPrivileged(privilegedSchemes);
  const ownContents = new Set<number>();
  let ricApp: App | undefined;

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    ricApp = openApp({ dataDir: resolveDataDir({ env: process.env }), mode: 'desktop', hostSpawner: utilityProcessSpawner });
    registerAppProtocol(protocol, path.join(projectRoot(), 'dist', 'renderer'), ricApp.store.blobs);
    registerIpcTransport({
      ipcMain,
      dispatcher: ricApp.dispatcher,
      events: ricApp.events,
      ownContents,
      targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    });
    const open = () => {
      const win = createMainWindow(path.join(here, 'preload.cjs'));
      ownContents.add(win.webContents.id);
      win.on('closed', () => ownContents.delete(win.webContents.id));
      void win.loadURL(`${APP_ORIGIN}/index.html`);
    };
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
  }, (err: unknown) => {
    process.stderr.write(`RIC Studio failed to start: ${String(err)}\n`);
    app.exit(1);
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => ricApp?.close());
}

// Started by Electron (not imported by a test): run.
if (process.versions.electron !== undefined && process.env.RIC_ELECTRON_NO_AUTORUN !== '1') runDesktop();
