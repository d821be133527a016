// Issue 10, against the real `ric serve`: oversize, deep, wide and mis-encoded payloads on HTTP and
// on the WebSocket; job parameters nested thousands deep; unreadable blob files. Each is answered
// with a typed error (never `internal`), the server stays up, and nothing leaks.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openApp } from '../../../../main/app.js';
import { apiResultSchema } from '../../../../shared/api/index.js';
import { deepArrayJson, deepCallBody, wideCallBody } from './payloads.js';
import { alive, call, callHeaders, leaks, raw, request, startServe, type Serve } from './serve.js';

const MiB = 1024 * 1024;
let s: Serve;
let sha = '';
beforeAll(async () => {
  // A blob in the store before the server starts, to make unreadable later.
  const dataDir = fs.mkdtempSync('/tmp/ric-sec-payloads-');
  const app = openApp({ dataDir, mode: 'in-process', log: () => undefined });
  sha = app.store.blobs.put(Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')).sha256;
  app.close();
  s = await startServe([], {}, dataDir);
});
afterAll(async () => {
  await s.stop();
});

/** The typed error of a refused call: never `internal`. */
function errorOf(body: string): { code: string; message: string } {
  const result = apiResultSchema.parse(JSON.parse(body));
  if (result.ok) throw new Error(`expected a refusal, got ${body.slice(0, 200)}`);
  expect(result.error.code).not.toBe('internal');
  return result.error;
}

describe('HTTP bodies', () => {
  it('refuses by Content-Length before reading a byte of the body', async () => {
    const started = Date.now();
    // Headers only, the body never sent: the answer cannot have waited for it.
    const r = await raw(s.port, `POST /api/call HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nCookie: ${s.cookie}\r\nOrigin: ${s.origin}\r\nContent-Type: application/json\r\nX-RIC-Call: 1\r\nContent-Length: ${100 * MiB}\r\n\r\n`, 5000);
    expect(r.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(errorOf(r.body).code).toBe('too_large');
    expect(await alive(s)).toBe(true);
  });

  it('stops reading a chunked body at the bound: the rest is never read', async () => {
    const socket = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.on('error', () => undefined);
    let answer = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.write(`POST /api/call HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nCookie: ${s.cookie}\r\nOrigin: ${s.origin}\r\nContent-Type: application/json\r\nX-RIC-Call: 1\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(MiB, 0x20); // JSON whitespace: only the byte bound stops it
    let stalled = false;
    while (!closed && !stalled && answer === '' && socket.bytesWritten < 200 * MiB) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      if (!socket.write('\r\n')) {
        // Wait for the server to read on; if it does not within 2 s, it has stopped reading.
        const drained = await Promise.race([new Promise((r) => socket.once('drain', () => r(true))), new Promise((r) => socket.once('close', () => r(true))), new Promise((r) => setTimeout(() => r(false), 2000))]);
        stalled = !drained;
      }
    }
    for (let i = 0; i < 200 && !closed && !answer.includes('too_large'); i++) await new Promise((r) => setTimeout(r, 10));
    const written = socket.bytesWritten;
    socket.destroy();
    // The server stopped at the 64 MiB bound (plus what the kernel's socket buffers hold), not at 200.
    expect(written).toBeLessThan(100 * MiB);
    if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(await alive(s)).toBe(true);
  });

  it('answers deep, wide, mis-encoded and non-JSON bodies with typed errors', async () => {
    const cases: [string, string | Buffer, Record<string, string>, number, string][] = [
      ['100 000 levels deep', deepCallBody('system.ping', 100_000), {}, 400, 'invalid_args'],
      ['65 levels deep', deepCallBody('system.ping', 65), {}, 400, 'invalid_args'],
      ['300 000 values', wideCallBody(300_000), {}, 413, 'too_large'],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), {}, 400, 'invalid_args'],
      ['UTF-16 declared', Buffer.from(JSON.stringify({ method: 'system.ping', args: {} }), 'utf16le'), { 'Content-Type': 'application/json; charset=utf-16' }, 415, 'invalid_args'],
      ['UTF-16 undeclared', Buffer.from(JSON.stringify({ method: 'system.ping', args: {} }), 'utf16le'), {}, 400, 'invalid_args'],
      ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0]), { 'Content-Encoding': 'gzip' }, 415, 'invalid_args'],
      ['not JSON', '{method: system.ping}', {}, 400, 'invalid_args'],
      ['empty', '', {}, 400, 'invalid_args'],
      ['a bare string', '"system.ping"', {}, 400, 'invalid_args'],
      ['method not a string', '{"method":{"a":1},"args":{}}', {}, 400, 'invalid_args'],
      ['__proto__ args', '{"method":"settings.update","args":{"__proto__":{"theme":"light"}}}', {}, 200, 'invalid_args'],
      ['unterminated string', '{"method":"system.ping","args":{"echo":"\\"}}', {}, 400, 'invalid_args'],
    ];
    for (const [label, body, headers, status, code] of cases) {
      const r = await request(s.port, 'POST', '/api/call', callHeaders(s, headers), body);
      expect(r.status, label).toBe(status);
      expect(errorOf(r.body).code, label).toBe(code);
      expect(leaks(r.body, s), label).toEqual([]);
    }
    expect(JSON.parse((await call(s, 'settings.get', {})).body).value.theme).toBe('dark');
    expect(await alive(s)).toBe(true);
  });

  it('a 60 MB body of small values does not stall other callers for seconds', async () => {
    const body = wideCallBody(30 * MiB);
    let done = false;
    const pings: number[] = [];
    const pinger = (async () => {
      while (!done) {
        const t = performance.now();
        await call(s, 'system.ping', {});
        pings.push(performance.now() - t);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const r = await request(s.port, 'POST', '/api/call', callHeaders(s), body).catch((err: NodeJS.ErrnoException) => ({ status: err.code, body: '' }));
    done = true;
    await pinger;
    // Refused (413) — or the connection closed under the client, mid-write, by that refusal.
    expect([413, 'EPIPE', 'ECONNRESET']).toContain(r.status);
    // Before: the server read and parsed it all, ~8-16 s with every other caller waiting. The bound
    // is wide for a loaded 2-core machine; the measured stall is ~20 ms (bench/api-load.mjs).
    expect(Math.max(...pings)).toBeLessThan(4000);
    expect(await alive(s)).toBe(true);
  });
});

describe('job parameters', () => {
  it('refuses parameters nested thousands deep when queued, on HTTP and the socket; nothing is queued', async () => {
    const params = `{"a":${deepArrayJson(5000)}}`;
    const r = await request(s.port, 'POST', '/api/call', callHeaders(s), `{"method":"jobs.start","args":{"kind":"train-regionclip","params":${params}}}`);
    expect(errorOf(r.body).code).toBe('invalid_args');
    expect(errorOf(r.body).message).toMatch(/deeper than 64/);
    const ws = await socket();
    const answer = await socketCall(ws, `{"id":7,"method":"jobs.start","args":{"kind":"evaluate","params":${params}}}`);
    expect(answer).toMatchObject({ id: 7, result: { ok: false, error: { code: 'invalid_args' } } });
    ws.close();
    expect(JSON.parse((await call(s, 'jobs.list', {})).body).value).toEqual([]);
  });
});

async function socket(headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { Cookie: s.cookie, Origin: s.origin, ...headers } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

function socketCall(ws: WebSocket, text: string | Buffer, binary = false): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (d: WebSocket.RawData) => {
      const frame = JSON.parse(String(d)) as { id?: number };
      if (typeof frame.id === 'number') {
        ws.off('message', onMessage);
        resolve(frame);
      }
    };
    ws.on('message', onMessage);
    ws.send(text, { binary });
  });
}

describe('WebSocket frames', () => {
  it('answers deep and wide messages by id with typed errors, and ignores what is not a call', async () => {
    const ws = await socket();
    expect(await socketCall(ws, `{"id":1,"method":"system.ping","args":{"echo":${deepArrayJson(100_000)}}}`)).toMatchObject({ id: 1, result: { ok: false, error: { code: 'invalid_args' } } });
    expect(await socketCall(ws, `{"id":2,"method":"system.ping","args":{"echo":[${'0,'.repeat(300_000)}0]}}`)).toMatchObject({ id: 2, result: { ok: false, error: { code: 'too_large' } } });
    ws.send('not json');
    ws.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: true });
    ws.send(deepArrayJson(100_000));
    expect(await socketCall(ws, '{"id":3,"method":7}')).toMatchObject({ id: 3, result: { ok: false, error: { code: 'invalid_args' } } });
    expect(await socketCall(ws, '{"id":4,"method":"system.ping","args":{"echo":"ok"}}')).toMatchObject({ id: 4, result: { ok: true } });
    ws.close();
    expect(await alive(s)).toBe(true);
  });

  it('closes a socket that sends a frame over the bound (1009) and stays up', async () => {
    const ws = await socket();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(65 * MiB, 0x20));
    // 1009 (message too big) — or 1006 where the close frame is lost under the client's own writes.
    expect([1006, 1009]).toContain(await closed);
    expect(await alive(s)).toBe(true);
  });
});

describe('stored files that cannot be read', () => {
  it('answers a blob that became a folder or vanished with a status and a word; the server stays up', async () => {
    const url = `/blob/${sha}`;
    expect((await request(s.port, 'GET', url, { Cookie: s.cookie })).status).toBe(200);
    const file = fs.readdirSync(`${s.dataDir}/blobs`, { recursive: true }).map(String).find((f) => f.endsWith(sha))!;
    const full = `${s.dataDir}/blobs/${file}`;
    fs.rmSync(full);
    fs.mkdirSync(full); // root reads through chmod 000: "unreadable" is a folder where the file was
    const unreadable = await request(s.port, 'GET', url, { Cookie: s.cookie });
    expect(unreadable.status).toBe(500);
    expect(unreadable.body).toMatch(/stored image .* (cannot be read|is a folder)/);
    fs.rmdirSync(full);
    const missing = await request(s.port, 'GET', url, { Cookie: s.cookie });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/no such image|missing from the data folder/);
    expect(await alive(s)).toBe(true);
  });
});
