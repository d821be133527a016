// What the Electron preload puts on `window.ric`: one call channel and one event channel, nothing
// else. The main side validates method names and arguments; the renderer wraps it in an ApiClient.
import type { ApiResult } from './contract.js';

export interface RicBridge {
  call(method: string, args: unknown): Promise<ApiResult>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}

export const IPC_CALL_CHANNEL = 'ric:call';
export const IPC_EVENT_CHANNEL = 'ric:event';
