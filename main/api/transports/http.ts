// HTTP + WebSocket transport for web mode: `POST /api/call` or the `/ws` socket carries calls, `/ws`
// pushes events, `/blob/<sha256>` serves stored images, everything else is the built renderer.
// Everything that arrives is hostile until checked (issue 10): the request line, Host, Origin,
// cookies and body are parsed by functions that cannot throw (request-guard.ts, web-auth.ts,
// body.ts), each handler answers its own failures, and anything unexpected is logged and answered
// 400 at the edge of the handler — never thrown out of it, where it would end the server and its jobs.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { API_BOUNDS, apiCallSchema, JsonScanner, type ApiResult } from '../../../shared/api/index.js';
import type { BlobStore } from '../../store/index.js';
import type { Dispatcher } from '../dispatcher.js';
import type { EventHub } from '../../events/index.js';
import { decodeJson, readBoundedJson } from './body.js';
import { hostAllowed, hostPolicy, isApiCallRequest, localLocation, parseTarget, sameOrigin, CALL_HEADER } from './request-guard.js';
import { indexStaticFiles, streamFile } from './static-files.js';
import { generateToken, presentedToken, tokenCookieName } from './web-auth.js';

export const MAX_CALL_BYTES = API_BOUNDS.maxBytes;

/**
 * The bound on a request's head (request line and headers). Node's default, 16 KiB, is less than
 * what a browser sends once pages on other local ports have filled the cookie jar of 127.0.0.1
 * (cookies ignore ports): Chromium and Firefox keep up to 180 cookies per host of up to 4096 bytes
 * of name and value each, about 720 KiB in one Cookie header. At the default, any local page could
 * make every request answer 431 until the user cleared cookies. 1 MiB holds that jar and ordinary
 * headers, and still bounds what one connection can make the server hold before it answers.
 */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** The answer to a head over MAX_HEADER_BYTES: the browser shows it, so it says what to do. */
const HEADER_OVERFLOW_TEXT =
  `This request's headers are over ${MAX_HEADER_BYTES / 1024} KiB, more than RIC Studio reads. Most likely other pages ` +
  'on this machine filled the cookie jar of this host: clear the cookies of this site in the browser, then open the URL `ric serve` printed again.\n';

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
  /** Extra host names the browser may use to reach us (`ric serve --allow-host`), beyond loopback. */
  allowHosts?: readonly string[];
  /** Where refused and failed requests are reported (stderr by default). Never gets a token. */
  log?: (line: string) => void;
  /** Body and socket-message bound (tests); API_BOUNDS.maxBytes otherwise. */
  maxBodyBytes?: number;
}

export interface WebServer {
  readonly url: string;
  readonly urlWithToken: string;
  readonly token: string;
  readonly port: number;
  readonly host: string;
  /** The name of the cookie the token travels in (it carries the port). */
  readonly cookieName: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const TEXT = 'text/plain; charset=utf-8';

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', ...extra, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: ApiResult, extra: http.OutgoingHttpHeaders = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), extra);
}

const failure = (code: 'invalid_args' | 'too_large' | 'unauthorized', message: string): ApiResult => ({ ok: false, error: { code, message } });

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The id a socket call carries, read without parsing (for answering a message too big to parse). */
function leadingId(text: string): number | undefined {
  const m = /^\s*\{\s*"id"\s*:\s*(\d{1,15})\s*[,}]/.exec(text.slice(0, 64));
  return m ? Number(m[1]) : undefined;
}

/** Origin and Sec-Fetch-Site as they may be logged: printable, short. */
function originOf(req: IncomingMessage): string {
  const clean = (v: unknown) => String(v ?? 'none').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return `Origin ${clean(req.headers.origin)}, Sec-Fetch-Site ${clean(req.headers['sec-fetch-site'])}`;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? generateToken();
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxBodyBytes ?? API_BOUNDS.maxBytes;
  const bounds = { ...API_BOUNDS, maxBytes };
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const policy = hostPolicy(host, options.allowHosts ?? []);
  const files = indexStaticFiles(options.rendererDir);
  const sockets = new Set<WebSocket>();
  let cookieName = '';

  /** Logged with method and path only: a query may carry the token. */
  const where = (req: IncomingMessage) => `${String(req.method).slice(0, 10)} ${String(req.url ?? '').split('?')[0]!.slice(0, 200)}`;

  async function handleCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBoundedJson(req, bounds);
    if (body.kind === 'aborted') return;
    if (body.kind === 'refused') {
      // A refusal may leave the body unread; closing is the only way not to read it.
      sendJson(res, body.status, { ok: false, error: body.violation }, { Connection: 'close' });
      return;
    }
    const json = body.json;
    const call = apiCallSchema.safeParse(json);
    if (!call.success) {
      sendJson(res, 400, failure('invalid_args', 'the request body must be {"method": string, "args": ...}'));
      return;
    }
    const result = await options.dispatcher.call(call.data.method, call.data.args, { transport: 'http' });
    sendJson(res, 200, result);
  }

  function handleBlob(req: IncomingMessage, res: ServerResponse, sha: string): void {
    const blob = options.blobs.get(sha);
    if (!blob) {
      // A known hash whose file is gone is the data folder's problem, which the page says in words.
      send(res, 404, TEXT, options.blobs.known(sha) ? `stored image ${sha.slice(0, 12)} is missing from the data folder\n` : 'no such image in the blob store\n');
      return;
    }
    streamFile(
      res,
      blob.file,
      `stored image ${sha.slice(0, 12)}`,
      () => ({ ...SECURITY_HEADERS, 'Content-Type': blob.mediaType, 'Cache-Control': 'private, max-age=31536000, immutable' }),
      (f, err) => {
        log(`[web] ${where(req)}: ${f.message} (${String((err as Error | undefined)?.message ?? err)})`);
        send(res, f.status, TEXT, `${f.message}\n`);
      },
      req.method === 'HEAD',
    );
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const file = files.get(pathname);
    if (!file) {
      if (pathname === '/' && files.size === 0) {
        send(res, 503, TEXT, 'The renderer is not built (its folder is empty). Run `npm run build`.\n');
      } else {
        send(res, 404, TEXT, 'not found\n');
      }
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...SECURITY_HEADERS, 'Content-Type': file.type };
    if (file.type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
      headers['Cache-Control'] = 'no-store';
    } else {
      headers['Cache-Control'] = 'private, max-age=3600';
    }
    streamFile(
      res,
      file.file,
      `the app file ${pathname}`,
      () => headers,
      (f, err) => {
        log(`[web] ${where(req)}: ${f.message} (${String((err as Error | undefined)?.message ?? err)})`);
        send(res, f.status, TEXT, `${f.message}\n`);
      },
      req.method === 'HEAD',
    );
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = parseTarget(req.url);
    if (!url) {
      send(res, 400, TEXT, 'bad request line\n', { Connection: 'close' });
      return;
    }
    if (!hostAllowed(req, policy)) {
      send(res, 403, TEXT, 'This host name is not allowed (DNS rebinding guard). Use 127.0.0.1 or localhost, or start `ric serve --allow-host NAME`.\n');
      return;
    }
    const auth = presentedToken(req, url, token, cookieName);
    if (!auth) {
      send(
        res,
        401,
        TEXT,
        'Unauthorized: this address needs RIC Studio\'s access token. Open the full address the terminal printed when RIC Studio started ' +
          '(the "Open: http://...?token=..." line of npm start or ric serve); every start makes a new token.\n',
      );
      return;
    }
    if (auth.via === 'query' && (req.method === 'GET' || req.method === 'HEAD')) {
      // Trade the token in the address bar for a cookie, so it stays out of history and referrers.
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: localLocation(url),
        'Content-Length': 0,
      });
      res.end();
      return;
    }
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') {
        send(res, 405, TEXT, 'use POST\n', { Allow: 'POST' });
        return;
      }
      if (!sameOrigin(req)) {
        log(`[web] refused a call from another origin (${originOf(req)})`);
        sendJson(res, 403, failure('unauthorized', 'calls are accepted only from the RIC Studio page itself'), { Connection: 'close' });
        return;
      }
      // The cookie is ambient: the browser adds it to any page's request, so a cookie-borne call must
      // also carry what only our own page can send. `Authorization: Bearer` is not ambient (scripts,
      // the CLI, tests): a page on another origin cannot set it without a preflight we never approve.
      if (auth.via !== 'header' && !isApiCallRequest(req)) {
        sendJson(res, 415, failure('invalid_args', `a call is a POST with Content-Type: application/json and ${CALL_HEADER}: 1`), { Connection: 'close' });
        return;
      }
      handleCall(req, res).catch((err: unknown) => {
        log(`[web] ${where(req)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'the call failed; the server log says why' } });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, TEXT, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const blob = /^\/blob\/([^/]+)$/.exec(url.pathname);
    if (blob) {
      handleBlob(req, res, blob[1] ?? '');
      return;
    }
    handleStatic(req, res, url.pathname);
  }

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    try {
      route(req, res);
    } catch (err) {
      log(`[web] ${where(req)}: unexpected ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      send(res, 400, TEXT, 'bad request\n', { Connection: 'close' });
    }
  });
  // Requests Node's parser refuses (bad request line, header overflow, bad chunking): answer, never throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code !== 'ECONNRESET') log(`[web] refused a malformed request: ${err.code ?? err.message}`);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const overflow = err.code === 'HPE_HEADER_OVERFLOW';
    const status = overflow ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = overflow ? HEADER_OVERFLOW_TEXT : 'bad request\n';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: ${TEXT}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // The rest of an oversize head stays unread; closing now could reset the connection before the
    // client has read the answer, so the socket lives a few seconds (bounded) or until the client closes.
    setTimeout(() => socket.destroy(), 5000).unref();
  });

  async function answerSocketCall(ws: WebSocket, data: RawData): Promise<void> {
    const answer = (id: number | undefined, result: ApiResult) => {
      if (id !== undefined && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
    };
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const violation = new JsonScanner(bounds, 'the message').feed(buffer);
    if (violation) {
      answer(leadingId(buffer.subarray(0, 64).toString('latin1')), { ok: false, error: violation });
      return;
    }
    const decoded = decodeJson(buffer, 'the message');
    if (!decoded.ok) return; // Not JSON text: nothing to answer, and no id to answer to.
    const json = decoded.json;
    const call = socketCallSchema.safeParse(json);
    if (!call.success) {
      const id = typeof json === 'object' && json !== null && 'id' in json ? (json as { id: unknown }).id : undefined;
      answer(typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined, failure('invalid_args', 'a call is {"id": number, "method": string, "args": ...}'));
      return;
    }
    answer(call.data.id, await options.dispatcher.call(call.data.method, call.data.args, { transport: 'http' }));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset before we answer must not be an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
    try {
      const url = parseTarget(req.url);
      if (!url) return rejectUpgrade(socket, 400, 'Bad Request');
      if (!hostAllowed(req, policy)) return rejectUpgrade(socket, 403, 'Forbidden');
      if (!presentedToken(req, url, token, cookieName)) return rejectUpgrade(socket, 401, 'Unauthorized');
      if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'Not Found');
      if (!sameOrigin(req)) {
        log(`[web] refused a socket from another origin (${originOf(req)})`);
        return rejectUpgrade(socket, 403, 'Forbidden');
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        const unsubscribe = options.events.subscribe((event, payload) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
        });
        // Calls may also come over the socket (`{id, method, args}` -> `{id, result}`): cheaper than a
        // fetch per call in the browser. Answers carry the caller's id; order is not guaranteed.
        ws.on('message', (data) => {
          answerSocketCall(ws, data).catch((err: unknown) => log(`[web] a socket call failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
        });
        ws.on('close', () => {
          unsubscribe();
          sockets.delete(ws);
        });
        ws.on('error', () => ws.terminate());
      });
    } catch (err) {
      log(`[web] upgrade ${where(req)}: unexpected ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rejectUpgrade(socket, 400, 'Bad Request');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  cookieName = tokenCookieName(port);
  const base = `http://${formatHost(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)}:${port}/`;

  return {
    url: base,
    urlWithToken: `${base}?token=${token}`,
    token,
    port,
    host,
    cookieName,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
