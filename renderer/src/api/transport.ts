// Picks the transport: the Electron preload's bridge when present, else HTTP + WebSocket to the
// web-mode server that served this page (the token travels as an HttpOnly cookie).
import type { RicBridge } from '../../../shared/api/bridge';
import type { ApiTransport } from '../../../shared/api/client';
import type { ApiResult } from '../../../shared/api/contract';

export type ConnectionState = 'connected' | 'connecting' | 'disconnected';

const UNREACHABLE = 'Cannot reach the RIC Studio server. If it has stopped, start it again (npm start, or ric serve) and open the address it prints.';
const TOKEN_REFUSED =
  'This page’s access token was refused: RIC Studio was started again, and every start makes a new token. Open the address the terminal printed when it started (npm start or ric serve).';

export interface RendererTransport extends ApiTransport {
  readonly kind: 'ipc' | 'http';
  /** Where the renderer loads a stored image (blob store, by content hash). */
  blobUrl(sha256: string): string;
  connection(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}

declare global {
  interface Window {
    ric?: RicBridge;
  }
}

function ipcTransport(bridge: RicBridge): RendererTransport {
  return {
    kind: 'ipc',
    blobUrl: (sha256) => `ric://blob/${sha256}`,
    call: (method, args) => bridge.call(method, args),
    subscribe: (listener) => bridge.onEvent(listener),
    connection: () => 'connected',
    onConnectionChange: () => () => undefined,
  };
}

function httpTransport(): RendererTransport {
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let retryMs = 500;
  let socket: WebSocket | undefined;
  let nextId = 1;
  const pending = new Map<number, (result: ApiResult) => void>();

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(state);
  };

  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    ws.onopen = () => {
      retryMs = 500;
      socket = ws;
      setState('connected');
    };
    ws.onmessage = (message) => {
      let frame: { event?: string; payload?: unknown; id?: number; result?: ApiResult };
      try {
        frame = JSON.parse(String(message.data)) as typeof frame;
      } catch {
        return; // A frame we cannot read is dropped; the next one may be fine.
      }
      if (typeof frame.id === 'number' && frame.result) {
        pending.get(frame.id)?.(frame.result);
        pending.delete(frame.id);
      } else if (typeof frame.event === 'string') {
        for (const l of listeners) l(frame.event, frame.payload);
      }
    };
    ws.onclose = () => {
      if (socket === ws) socket = undefined;
      // Calls in flight on a dead socket may or may not have run: say so rather than retrying them.
      for (const resolve of pending.values()) {
        resolve({ ok: false, error: { code: 'unavailable', message: 'The connection to the RIC Studio server was lost during this action; it may or may not have been carried out. Check, then try again.' } });
      }
      pending.clear();
      setState('disconnected');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  connect();

  return {
    kind: 'http',
    blobUrl: (sha256) => `/blob/${sha256}`,
    async call(method, args): Promise<ApiResult> {
      // Over the open socket when there is one (far cheaper per call in a browser), else HTTP.
      if (socket && socket.readyState === WebSocket.OPEN) {
        const id = nextId++;
        const ws = socket;
        return new Promise<ApiResult>((resolve) => {
          pending.set(id, resolve);
          ws.send(JSON.stringify({ id, method, args }));
        });
      }
      let res: Response;
      try {
        res = await fetch('/api/call', {
          method: 'POST',
          credentials: 'same-origin',
          // Both headers are required by the server: a page on another origin (another port of
          // this host included) cannot send them without a CORS preflight, which it never approves.
          headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' },
          body: JSON.stringify({ method, args }),
        });
      } catch {
        // fetch says only "Failed to fetch": the server is down or unreachable.
        setState('disconnected');
        return { ok: false, error: { code: 'unavailable', message: UNREACHABLE } };
      }
      if (res.status === 401) return { ok: false, error: { code: 'unauthorized', message: TOKEN_REFUSED } };
      try {
        return (await res.json()) as ApiResult;
      } catch {
        return { ok: false, error: { code: 'unavailable', message: `The RIC Studio server answered something other than an Api result (HTTP ${res.status}). Reload the page.` } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connection: () => state,
    onConnectionChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}

export function createRendererTransport(): RendererTransport {
  return window.ric ? ipcTransport(window.ric) : httpTransport();
}
