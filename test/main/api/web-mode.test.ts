// Web mode's guard: a token on every request and socket, images by known hash only.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../main/api/transports/http.js';
import { tokensEqual } from '../../../main/api/transports/web-auth.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';

/** A raw GET, so paths like /blob/../x reach the server unnormalised. */
function rawGet(port: number, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socketOutcome(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('web mode', () => {
  let t: TestApp;
  let server: WebServer;
  let rendererDir: string;
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  let knownSha: string;

  beforeAll(async () => {
    t = openTestApp();
    rendererDir = tempDir();
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>RIC</title>');
    fs.mkdirSync(path.join(rendererDir, 'assets'));
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(t.dataDir, 'secret.txt'), 'do not serve');
    knownSha = t.app.store.blobs.put(png).sha256;
    server = await startWebServer({ dispatcher: t.app.dispatcher, events: t.app.events, blobs: t.app.store.blobs, rendererDir });
  });
  afterAll(async () => {
    await server.close();
    t.close();
  });

  const bearer = () => ({ Authorization: `Bearer ${server.token}` });

  it('listens on loopback with a fresh random token in the printed URL', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.urlWithToken).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
    const other = await startWebServer({ dispatcher: t.app.dispatcher, events: t.app.events, blobs: t.app.store.blobs, rendererDir });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('compares tokens in constant time without leaking length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('abc', '')).toBe(false);
  });

  it('answers 401 without a token or with a wrong one, on every route', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/api/call', `/blob/${knownSha}`, '/nope']) {
      expect((await rawGet(server.port, p)).status, p).toBe(401);
      expect((await rawGet(server.port, p, { Authorization: 'Bearer wrong' })).status, p).toBe(401);
      expect((await rawGet(server.port, `${p}?token=wrong`)).status, p).toBe(401);
      expect((await rawGet(server.port, p, { Cookie: `${server.cookieName}=wrong` })).status, p).toBe(401);
    }
    const res = await fetch(`${server.url}api/call`, { method: 'POST', body: JSON.stringify({ method: 'system.ping', args: {} }) });
    expect(res.status).toBe(401);
  });

  it('trades the URL token for an HttpOnly SameSite cookie and redirects it out of the address bar', async () => {
    const first = await rawGet(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await rawGet(server.port, '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses sockets without the token, with a wrong one, or from another origin', async () => {
    const ws = `ws://127.0.0.1:${server.port}/ws`;
    expect(await socketOutcome(ws)).toBe(401);
    expect(await socketOutcome(`${ws}?token=wrong`)).toBe(401);
    expect(await socketOutcome(ws, { Cookie: `${server.cookieName}=wrong` })).toBe(401);
    expect(await socketOutcome(ws, { ...bearer(), Origin: 'http://evil.example' })).toBe(403);
    expect(await socketOutcome(`ws://127.0.0.1:${server.port}/other`, bearer())).toBe(404);
    expect(await socketOutcome(`${ws}?token=${server.token}`)).toBe('open');
    expect(await socketOutcome(ws, { ...bearer(), Origin: `http://127.0.0.1:${server.port}` })).toBe('open');
  });

  it('serves a blob by known hash and nothing else', async () => {
    const ok = await rawGet(server.port, `/blob/${knownSha}`, bearer());
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    expect(ok.body.equals(png)).toBe(true);
    const refused = [
      `/blob/${'0'.repeat(64)}`,
      `/blob/${knownSha.toUpperCase()}`,
      `/blob/${knownSha.slice(0, 63)}`,
      `/blob/${knownSha}/x`,
      '/blob/..%2Fsecret.txt',
      '/blob/../secret.txt',
      '/blob/%2e%2e%2f%2e%2e%2fric.sqlite',
      `/blob/${knownSha.slice(0, 2)}/${knownSha}`,
      '/blob/',
    ];
    for (const p of refused) {
      const res = await rawGet(server.port, p, bearer());
      expect(res.status, p).toBe(404);
      expect(res.body.includes('do not serve')).toBe(false);
    }
  });

  it('serves only files of the built renderer: no client path reaches the disk', async () => {
    expect((await rawGet(server.port, '/assets/app.js', bearer())).status).toBe(200);
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/ric.sqlite', '/etc/passwd', '//etc/passwd']) {
      const res = await rawGet(server.port, p, bearer());
      expect(res.status, p).toBe(404);
    }
  });
});

describe('calls over the web socket', () => {
  it('answers {id, method, args} with {id, result}, and a malformed call with a typed error', async () => {
    const t = openTestApp();
    const server = await startWebServer({ dispatcher: t.app.dispatcher, events: t.app.events, blobs: t.app.store.blobs, rendererDir: tempDir() });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const answers = new Map<number, unknown>();
    ws.on('message', (d) => {
      const frame = JSON.parse(String(d)) as { id?: number; result?: unknown };
      if (frame.id !== undefined) answers.set(frame.id, frame.result);
    });
    ws.send(JSON.stringify({ id: 1, method: 'system.ping', args: { echo: 'ws' } }));
    ws.send(JSON.stringify({ id: 2, method: 'settings.update', args: { theme: 'nope' } }));
    ws.send(JSON.stringify({ id: 3, method: 42 }));
    ws.send('not json at all');
    const deadline = Date.now() + 5000;
    while (answers.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(answers.get(1)).toMatchObject({ ok: true, value: { echo: 'ws' } });
    expect(answers.get(2)).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    expect(answers.get(3)).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    ws.close();
    await server.close();
    t.close();
  });
});
