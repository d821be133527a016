// The real `ric serve` (bin/ric.js over the built dist/) as a child process, and clients that can
// send what a browser never would: raw bytes on a socket, odd headers, hostile bodies.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const projectRoot = path.resolve(import.meta.dirname, '../../../..');

export interface Serve {
  origin: string;
  port: number;
  token: string;
  cookie: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startServe(args: string[] = [], env: NodeJS.ProcessEnv = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-sec-'))): Promise<Serve> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, 'serve', '--port', '0', ...args], {
    cwd: dataDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /Open: (http:\/\/[^\s]+\?token=([\w-]+))/.exec(out);
    if (m) {
      const url = new URL(m[1]!);
      const port = Number(url.port);
      return {
        origin: url.origin,
        port,
        token: m[2]!,
        cookie: `ric_token_${port}=${m[2]!}`,
        dataDir,
        child,
        output: () => out,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
            if (child.exitCode === null) child.kill('SIGKILL');
          }
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ric serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RawResponse {
  /** The status code of the first response line, or 0 if the server closed without answering. */
  status: number;
  head: string;
  body: string;
  text: string;
}

/** Writes bytes as they are on a fresh TCP connection and reads until the server closes or `ms` pass. */
export function raw(port: number, bytes: string | Buffer, ms = 3000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, head, body, text });
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // One response is enough: stop once its body (by Content-Length) is in.
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length)) done();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(bytes);
  });
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP request with exactly these headers (nothing added but Host, unless given). */
export function request(port: number, method: string, target: string, headers: Record<string, string | string[]> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The headers the real renderer sends with a call, authorised by the cookie. */
export function callHeaders(s: Serve, extra: Record<string, string> = {}): Record<string, string> {
  return { Cookie: s.cookie, 'Content-Type': 'application/json', 'X-RIC-Call': '1', Origin: s.origin, ...extra };
}

export async function call(s: Serve, method: string, args: unknown, headers = callHeaders(s)): Promise<Answer> {
  return request(s.port, 'POST', '/api/call', headers, JSON.stringify({ method, args }));
}

/** The server is up and an authorised call works (after every attack). */
export async function alive(s: Serve): Promise<boolean> {
  if (s.child.exitCode !== null) return false;
  const r = await call(s, 'system.ping', { echo: 'still here' });
  return r.status === 200 && JSON.parse(r.body).value?.echo === 'still here';
}

/** Nothing an attacker should read back: the token, a stack trace, a saved key. */
export function leaks(text: string, s: Serve, secrets: string[] = []): string[] {
  const found: string[] = [];
  if (text.includes(s.token)) found.push('the token');
  if (/\n\s+at .+:\d+:\d+/.test(text) || /\bat [\w.<>]+ \(.*\.js:\d+/.test(text)) found.push('a stack trace');
  for (const secret of secrets) if (text.includes(secret)) found.push(`the secret ${secret.slice(0, 4)}…`);
  return found;
}
