// Sandboxed preload: CommonJS, no Node, and it exposes only the Api bridge — never ipcRenderer.
// Channel names are repeated here because a sandboxed preload cannot require our other files;
// test/main/electron checks they equal shared/api/bridge.ts.
import electron = require('electron');
import type { RicBridge } from '../../shared/api/bridge.js' with { 'resolution-mode': 'import' };

const { contextBridge, ipcRenderer } = electron;
type IpcRendererEvent = electron.IpcRendererEvent;

const CALL = 'ric:call';
const EVENT = 'ric:event';

const bridge = {
  call: (method: string, args: unknown) => ipcRenderer.invoke(CALL, String(method), args),
  onEvent: (listener: (event: string, payload: unknown) => void) => {
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown) => listener(event, payload);
    ipcRenderer.on(EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT, wrapped);
    };
  },
} satisfies RicBridge;

contextBridge.exposeInMainWorld('ric', bridge);
