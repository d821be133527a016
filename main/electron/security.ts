// The window's security settings in one place (Electron's security checklist): isolated, sandboxed,
// no Node, web security on, no insecure content, no navigation away, no new windows, no webviews,
// every permission denied, and IPC accepted only from our own top-level frame.
import type { Session, WebContents, WebFrameMain, WebPreferences } from 'electron';

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
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/**
 * The app asks for no permission (camera, notifications, clipboard, geolocation, HID, serial ...):
 * every request and every check is refused, whoever asks.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
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
