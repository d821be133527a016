// Electron IPC transport: one `invoke` channel for calls, one `send` channel for events.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/api/bridge.js';
import type { ApiResult } from '../../shared/api/index.js';
import type { Dispatcher } from '../api/dispatcher.js';
import type { EventHub } from '../events/index.js';
import { isTrustedSender } from './security.js';

export interface IpcTransportOptions {
  ipcMain: IpcMain;
  dispatcher: Dispatcher;
  events: EventHub;
  /** The WebContents ids of our own windows. */
  ownContents: ReadonlySet<number>;
  /** Where events go: our windows' live WebContents. */
  targets(): Iterable<WebContents>;
}

export function registerIpcTransport(options: IpcTransportOptions): () => void {
  options.ipcMain.handle(IPC_CALL_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<ApiResult> => {
    if (!isTrustedSender(event.senderFrame, options.ownContents, event.sender.id)) {
      return { ok: false, error: { code: 'unauthorized', message: 'calls are accepted only from the RIC Studio window' } };
    }
    return options.dispatcher.call(method, args, { transport: 'ipc' });
  });
  const unsubscribe = options.events.subscribe((event, payload) => {
    for (const contents of options.targets()) {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event, payload);
    }
  });
  return () => {
    unsubscribe();
    options.ipcMain.removeHandler(IPC_CALL_CHANNEL);
  };
}
