// The window's security settings in one place: isolated, sandboxed, no Node, no navigation away,
// no new windows, and IPC accepted only from our own top-level frame.
import type { WebContents, WebFrameMain, WebPreferences } from 'electron';

export const APP_SCHEME = 'ric';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** True only for our own window's top frame showing our own origin. */
export function isTrustedSender(frame: WebFrameMain | null, ownContents: ReadonlySet<number>, contentsId: number): boolean {
  if (frame === null || !ownContents.has(contentsId)) return false;
  if (frame.parent !== null) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN || frame.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}
