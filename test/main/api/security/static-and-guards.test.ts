// A built asset that vanished or cannot be read after the server indexed it is answered with a
// status and a plain word, and the server stays up (the read stream has its error path); and the
// request guards' parsing, case by case.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../../../main/api/transports/http.js';
import { hostAllowed, hostName, hostPolicy, localLocation, parseTarget, sameOrigin } from '../../../../main/api/transports/request-guard.js';
import { cookieValues } from '../../../../main/api/transports/web-auth.js';
import { openTestApp, tempDir, type TestApp } from '../../../helpers/app.js';
import { request } from './serve.js';

describe('built assets that cannot be read', () => {
  let t: TestApp;
  let server: WebServer;
  let dir: string;
  const logs: string[] = [];
  beforeAll(async () => {
    t = openTestApp();
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>RIC</title>');
    fs.mkdirSync(path.join(dir, 'assets'));
    for (const f of ['gone.js', 'folder.js', 'ok.js']) fs.writeFileSync(path.join(dir, 'assets', f), 'console.log(1)');
    server = await startWebServer({ dispatcher: t.app.dispatcher, events: t.app.events, blobs: t.app.store.blobs, rendererDir: dir, log: (l) => logs.push(l) });
  });
  afterAll(async () => {
    await server.close();
    t.close();
  });

  it('answers 404 or 500 with a word, logs it, and keeps serving', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    fs.rmSync(path.join(dir, 'assets', 'gone.js'));
    fs.rmSync(path.join(dir, 'assets', 'folder.js'));
    fs.mkdirSync(path.join(dir, 'assets', 'folder.js')); // root reads through chmod 000
    const gone = await request(server.port, 'GET', '/assets/gone.js', auth);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatch(/app file \/assets\/gone\.js is missing/);
    const folder = await request(server.port, 'GET', '/assets/folder.js', auth);
    expect(folder.status).toBe(500);
    expect(folder.body).toMatch(/cannot be read|is a folder/);
    expect((await request(server.port, 'HEAD', '/assets/ok.js', auth)).status).toBe(200);
    expect((await request(server.port, 'GET', '/assets/ok.js', auth)).body).toBe('console.log(1)');
    expect(logs.join('\n')).toMatch(/gone\.js/);
    expect(logs.join('\n')).not.toContain(server.token);
  });
});

const req = (headers: Record<string, string | undefined>) => ({ headers }) as unknown as IncomingMessage;

describe('request guards', () => {
  it('reads host names strictly', () => {
    expect(hostName('LocalHost:8731')).toBe('localhost');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('[::1')).toBeUndefined();
    expect(hostName('a@b')).toBeUndefined();
    expect(hostName('a b')).toBeUndefined();
    expect(hostName('x:99999999')).toBeUndefined();
    expect(hostName('')).toBeUndefined();
    expect(hostName('h'.repeat(301))).toBeUndefined();
  });

  it('allows loopback, the bound host and --allow-host names; IP literals only on a wildcard bind', () => {
    const loopback = hostPolicy('127.0.0.1');
    const wildcard = hostPolicy('0.0.0.0', ['Box.Example']);
    const ok = (p: typeof loopback, host: string) => hostAllowed(req({ host }), p);
    expect(ok(loopback, 'localhost:1')).toBe(true);
    expect(ok(loopback, 'localhost.:1')).toBe(true);
    expect(ok(loopback, '192.168.1.5:1')).toBe(false);
    expect(ok(loopback, 'evil.test')).toBe(false);
    expect(ok(wildcard, '192.168.1.5:1')).toBe(true);
    expect(ok(wildcard, '[fe80::1]:1')).toBe(true);
    expect(ok(wildcard, 'box.example:1')).toBe(true);
    expect(ok(wildcard, 'evil.test:1')).toBe(false);
    expect(ok(hostPolicy('gpu.lan'), 'gpu.lan:8731')).toBe(true);
  });

  it('same origin means the Origin names the host the request was sent to', () => {
    expect(sameOrigin(req({ host: '127.0.0.1:1' }))).toBe(true);
    expect(sameOrigin(req({ host: '127.0.0.1:1', origin: 'http://127.0.0.1:1' }))).toBe(true);
    expect(sameOrigin(req({ host: '127.0.0.1:1', origin: 'http://127.0.0.1:2' }))).toBe(false);
    expect(sameOrigin(req({ host: '127.0.0.1:1', origin: 'null' }))).toBe(false);
    expect(sameOrigin(req({ host: '127.0.0.1:1', origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }))).toBe(false);
    expect(sameOrigin(req({ host: '127.0.0.1:1', 'sec-fetch-site': 'none' }))).toBe(true);
  });

  it('parses request targets without throwing, and redirects only to a local path', () => {
    for (const t of ['//[', '/%ZZ', '/\\\\x', '/a b']) expect(parseTarget(t), t).toBeInstanceOf(URL);
    for (const t of ['', '*', 'http://x/', 'x', undefined, '/'.repeat(9000)]) expect(parseTarget(t as string), String(t)).toBeUndefined();
    for (const t of ['/.//evil/', '//evil/', '/\\evil/', '/./\\/evil']) expect(localLocation(parseTarget(t)!)).toMatch(/^\/(?![/\\])/);
  });

  it('reads every value of the cookie, accepting only token-shaped ones', () => {
    expect(cookieValues('a=1; t=%ZZ; t=abc_-1; t="q"; t=', 't')).toEqual(['abc_-1', 'q']);
    expect(cookieValues(undefined, 't')).toEqual([]);
    expect(cookieValues(';;;=;t', 't')).toEqual([]);
    expect(cookieValues(Array.from({ length: 40 }, () => 't=a').join('; '), 't')).toHaveLength(16);
  });
});
