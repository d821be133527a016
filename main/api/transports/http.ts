// HTTP + WebSocket transport for web mode: `POST /api/call` or the `/ws` socket carries calls, `/ws` pushes events,
// `/blob/<sha256>` serves stored images, everything else is the built renderer. Every request and
// socket must present the per-start token.
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { apiCallSchema, type ApiResult } from '../../../shared/api/index.js';
import type { BlobStore } from '../../store/index.js';
import type { Dispatcher } from '../dispatcher.js';
import type { EventHub } from '../../events/index.js';
import { indexStaticFiles } from './static-files.js';
import { generateToken, presentedToken, TOKEN_COOKIE, tokensEqual } from './web-auth.js';

export const MAX_CALL_BYTES = 64 * 1024 * 1024;

const socketCallSchema = apiCallSchema.extend({ id: z.number().int() });

/** The renderer's Content-Security-Policy: our own scripts only, no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface WebServerOptions {
  dispatcher: Dispatcher;
  events: EventHub;
  blobs: BlobStore;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); a fresh random one otherwise. */
  token?: string;
}

export interface WebServer {
  readonly url: string;
  readonly urlWithToken: string;
  readonly token: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: ApiResult): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? generateToken();
  const host = options.host ?? '127.0.0.1';
  const files = indexStaticFiles(options.rendererDir);
  const sockets = new Set<WebSocket>();

  const authorised = (req: IncomingMessage, url: URL) => {
    const given = presentedToken(req, url);
    return given !== undefined && tokensEqual(token, given.token) ? given : undefined;
  };

  async function handleCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, MAX_CALL_BYTES);
    } catch (err) {
      sendJson(res, 413, { ok: false, error: { code: 'invalid_args', message: (err as Error).message } });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(res, 400, { ok: false, error: { code: 'invalid_args', message: 'request body is not JSON' } });
      return;
    }
    const call = apiCallSchema.safeParse(json);
    if (!call.success) {
      sendJson(res, 400, {
        ok: false,
        error: { code: 'invalid_args', message: 'request body must be {"method": string, "args": ...}' },
      });
      return;
    }
    const result = await options.dispatcher.call(call.data.method, call.data.args, { transport: 'http' });
    sendJson(res, 200, result);
  }

  function handleBlob(res: ServerResponse, sha: string): void {
    const blob = options.blobs.get(sha);
    if (!blob) {
      send(res, 404, 'text/plain; charset=utf-8', 'no such blob\n');
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': blob.mediaType,
      'Content-Length': blob.size,
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
    fs.createReadStream(blob.file).pipe(res);
  }

  function handleStatic(res: ServerResponse, pathname: string): void {
    const file = files.get(pathname);
    if (!file) {
      if (pathname === '/' && files.size === 0) {
        send(res, 503, 'text/plain; charset=utf-8', `The renderer is not built (${options.rendererDir} is empty). Run \`npm run build\`.\n`);
      } else {
        send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      }
      return;
    }
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Type': file.type };
    if (file.type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
      headers['Cache-Control'] = 'no-store';
    } else {
      headers['Cache-Control'] = 'private, max-age=3600';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file.file).pipe(res);
  }

  async function answerSocketCall(ws: WebSocket, text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // Not a call: nothing to answer, and no id to answer to.
    }
    const call = socketCallSchema.safeParse(json);
    if (!call.success) {
      const id = typeof json === 'object' && json !== null && 'id' in json ? (json as { id: unknown }).id : undefined;
      if (typeof id === 'number') {
        ws.send(JSON.stringify({ id, result: { ok: false, error: { code: 'invalid_args', message: 'a call is {"id": number, "method": string, "args": ...}' } } }));
      }
      return;
    }
    const result = await options.dispatcher.call(call.data.method, call.data.args, { transport: 'http' });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: call.data.id, result }));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const auth = authorised(req, url);
    if (!auth) {
      send(
        res,
        401,
        'text/plain; charset=utf-8',
        'Unauthorized: this address needs RIC Studio\'s access token. Open the full address the terminal printed when RIC Studio started ' +
          '(the "Open: http://...?token=..." line of npm start or ric serve); every start makes a new token.\n',
      );
      return;
    }
    if (auth.via === 'query' && req.method === 'GET') {
      // Trade the token in the address bar for a cookie, so it stays out of history and referrers.
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + (url.search.length > 1 ? url.search : ''),
      });
      res.end();
      return;
    }
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') {
        send(res, 405, 'text/plain; charset=utf-8', 'use POST\n');
        return;
      }
      handleCall(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'call failed' } });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const blob = /^\/blob\/([^/]+)$/.exec(url.pathname);
    if (blob) {
      handleBlob(res, blob[1] ?? '');
      return;
    }
    handleStatic(res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const origin = req.headers.origin;
    const sameOrigin = origin === undefined || origin === `http://${req.headers.host ?? ''}`;
    if (url.pathname !== '/ws' || !sameOrigin || !authorised(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = options.events.subscribe((event, payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
      });
      // Calls may also come over the socket (`{id, method, args}` -> `{id, result}`): cheaper than a
      // fetch per call in the browser. Answers carry the caller's id; order is not guaranteed.
      ws.on('message', (data) => {
        void answerSocketCall(ws, data.toString());
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://${formatHost(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)}:${port}/`;

  return {
    url: base,
    urlWithToken: `${base}?token=${token}`,
    token,
    port,
    host,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
