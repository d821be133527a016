// Issue 10, against the real `ric serve`: requests no browser sends (malformed cookies, request
// lines and headers, on plain HTTP and on the socket upgrade), DNS-rebinding Host names, cross-
// origin and cross-port state changes, the open redirect. After each: the server answered, is up
// (an authorised call works), and leaked nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, call, callHeaders, leaks, raw, request, startServe, type Serve } from './serve.js';

let s: Serve;
beforeAll(async () => {
  s = await startServe();
});
afterAll(async () => {
  await s.stop();
});

const get = (target: string, headers: string[] = []) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
const upgrade = (target: string, headers: string[] = [], host = `127.0.0.1:${s.port}`) =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

async function expectAnsweredAndAlive(bytes: string | Buffer, allowed: number[], label: string) {
  const r = await raw(s.port, bytes);
  expect(allowed, `${label}: got ${r.status}\n${r.head}`).toContain(r.status);
  // A request that presents the token may get it back in the cookie of the token trade; no other may.
  const presented = bytes.toString().includes(s.token);
  expect(leaks(presented ? r.text.replace(new RegExp(`Set-Cookie: ric_token_${s.port}=${s.token}`, 'g'), '') : r.text, s), label).toEqual([]);
  expect(await alive(s), `${label}: server still up`).toBe(true);
}

describe('malformed cookies never stop the server (HTTP and socket upgrade)', () => {
  const name = () => `ric_token_${s.port}`;
  const cookies = () => [
    `${name()}=%ZZ`,
    `${name()}=%E0%A4%A`,
    `${name()}=%`,
    `ric_token=%ZZ; ${name()}=%C0%80`,
    `${name()}`,
    `=%ZZ`,
    `${name()}=a; ${name()}=b; ${name()}=%%%`,
    `${name()}="unterminated`,
    `${name()}=${'%'.repeat(8000)}`,
    `${name()}=\u00ff\u00fe`,
    Array.from({ length: 300 }, (_, i) => `c${i}=%ZZ`).join('; '),
  ];

  it('answers 401 to each, on every route, then serves the next authorised call', async () => {
    for (const cookie of cookies()) {
      for (const target of ['/', '/api/call', '/blob/x', '/assets/x.js']) await expectAnsweredAndAlive(get(target, [`Cookie: ${cookie}`]), [401], `cookie ${cookie.slice(0, 40)} on ${target}`);
      await expectAnsweredAndAlive(upgrade('/ws', [`Cookie: ${cookie}`]), [401], `cookie ${cookie.slice(0, 40)} on upgrade`);
    }
  });

  it('a planted cookie does not shadow the real one, and a cookie header over 16 KiB is answered 431', async () => {
    // A page on another port can set ric_token_<port>=junk with a longer Path: it is sent first.
    const r = await request(s.port, 'GET', '/', { Cookie: `${name()}=junk; ${name()}=%ZZ; ${s.cookie}` });
    expect(r.status).toBe(200);
    await expectAnsweredAndAlive(get('/', [`Cookie: ${s.cookie}; pad=${'x'.repeat(20_000)}`]), [431], 'huge cookie');
  });
});

describe('request lines and headers new URL() or the parser refuse', () => {
  it('answers 4xx/5xx to each malformed request line, with or without the token, and stays up', async () => {
    const lines = ['//[', '//[?token=T', '/%ZZ', 'http://[::1', 'http://evil.test/', '*', '//evil.test/x', '/\\evil', '/a\u00ffb', '', '/' + 'a'.repeat(9000)];
    for (const line of lines) {
      const target = line.replace('T', s.token);
      for (const headers of [[], [`Authorization: Bearer ${s.token}`]]) {
        // "//[?token=..." is a path here, not a host: the token trade redirects it to "/[".
        await expectAnsweredAndAlive(Buffer.from(get(target, headers), 'latin1'), [302, 400, 401, 404, 414, 431], `GET ${target.slice(0, 40)}`);
        await expectAnsweredAndAlive(Buffer.from(upgrade(target, headers), 'latin1'), [400, 401, 404, 431], `upgrade ${target.slice(0, 40)}`);
      }
    }
    for (const bytes of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nX: \u0000\r\n\r\n', '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000']) {
      await expectAnsweredAndAlive(Buffer.from(bytes, 'latin1'), [0, 400, 403, 505], JSON.stringify(bytes.slice(0, 30)));
    }
  });

  it('odd and duplicate headers are refused or read strictly', async () => {
    const base = callHeaders(s);
    const ping = JSON.stringify({ method: 'system.ping', args: {} });
    // Duplicates of Origin and X-RIC-Call are joined by Node ("a, b"): neither matches, both refused.
    expect((await request(s.port, 'POST', '/api/call', { ...base, Origin: [s.origin, 'http://evil.test'] }, ping)).status).toBe(403);
    expect((await request(s.port, 'POST', '/api/call', { ...base, 'X-RIC-Call': ['1', '1'] }, ping)).status).toBe(415);
    expect((await request(s.port, 'POST', '/api/call', { ...base, 'Content-Type': 'application/json, text/plain' }, ping)).status).toBe(415);
    expect((await request(s.port, 'POST', '/api/call', { ...base, 'Content-Length': 'abc' } as never, ping).catch(() => ({ status: 400 }))).status).toBe(400);
    await expectAnsweredAndAlive(`GET / HTTP/1.0\r\nCookie: ${s.cookie}\r\n\r\n`, [403], 'no Host');
    await expectAnsweredAndAlive(`GET / HTTP/1.1\r\nHost: evil@127.0.0.1:${s.port}\r\nCookie: ${s.cookie}\r\nConnection: close\r\n\r\n`, [403], 'Host with userinfo');
    await expectAnsweredAndAlive(`GET / HTTP/1.1\r\nHost: [::1\r\nCookie: ${s.cookie}\r\nConnection: close\r\n\r\n`, [403], 'Host with a broken v6 literal');
  });
});

describe('Host allow-list (DNS rebinding) on every request and socket', () => {
  const rebound = ['evil.test', 'attacker.example', '127.0.0.1.nip.io', 'localhost.evil.test', 'xn--80ak6aa92e.com', '0x7f000001', '2130706433', 'LOCALHOST.EVIL'];

  it('refuses a rebound name with 403 even with the right token, and accepts loopback names', async () => {
    for (const name of rebound) {
      const host = `${name}:${s.port}`;
      expect((await request(s.port, 'GET', '/', { Host: host, Cookie: s.cookie })).status, name).toBe(403);
      expect((await request(s.port, 'GET', `/?token=${s.token}`, { Host: host })).status, name).toBe(403);
      expect((await call(s, 'settings.update', { theme: 'light' }, callHeaders(s, { Host: host, Origin: `http://${host}` }))).status, name).toBe(403);
      await expectAnsweredAndAlive(upgrade('/ws', [`Cookie: ${s.cookie}`, `Origin: http://${host}`], host), [403], `socket via ${name}`);
    }
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`, 'localhost', `LOCALHOST:${s.port}`]) {
      expect((await request(s.port, 'GET', '/', { Host: host, Cookie: s.cookie })).status, host).toBe(200);
    }
    expect(JSON.parse((await call(s, 'settings.get', {})).body).value.theme).toBe('dark');
  });

  it('--allow-host adds a name (a proxy or an SSH alias), and only that name', async () => {
    const other = await startServe(['--allow-host', 'box.example', '--allow-host', 'gpu-01']);
    try {
      for (const name of ['box.example', 'gpu-01', 'BOX.EXAMPLE']) expect((await request(other.port, 'GET', '/', { Host: `${name}:${other.port}`, Cookie: other.cookie })).status, name).toBe(200);
      expect((await request(other.port, 'GET', '/', { Host: `evil.box.example:${other.port}`, Cookie: other.cookie })).status).toBe(403);
    } finally {
      await other.stop();
    }
  });
});

describe('a state change must be one no other origin can send', () => {
  const theme = async () => JSON.parse((await call(s, 'settings.get', {})).body).value.theme as string;
  const update = JSON.stringify({ method: 'settings.update', args: { theme: 'light' } });

  it('refuses what a page on another port, a form or a no-cors fetch can send, even with the cookie', async () => {
    const otherPort = `http://127.0.0.1:${s.port + 1}`;
    const attempts: [string, Record<string, string>, number][] = [
      // fetch(..., {mode: 'no-cors', method: 'POST', body}) from another port: text/plain, cookie attached.
      ['no-cors text/plain from another port', { Cookie: s.cookie, 'Content-Type': 'text/plain;charset=UTF-8', Origin: otherPort, 'Sec-Fetch-Site': 'same-site' }, 403],
      ['no-cors text/plain, no Origin', { Cookie: s.cookie, 'Content-Type': 'text/plain;charset=UTF-8' }, 415],
      ['form post', { Cookie: s.cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
      ['multipart form post', { Cookie: s.cookie, 'Content-Type': 'multipart/form-data; boundary=x' }, 415],
      ['JSON without the call header', { Cookie: s.cookie, 'Content-Type': 'application/json' }, 415],
      ['call header without JSON', { Cookie: s.cookie, 'X-RIC-Call': '1', 'Content-Type': 'text/plain' }, 415],
      ['everything but from another port', callHeaders(s, { Origin: otherPort }), 403],
      ['everything but Origin null', callHeaders(s, { Origin: 'null' }), 403],
      ['everything but Sec-Fetch-Site same-site', callHeaders(s, { 'Sec-Fetch-Site': 'same-site' }), 403],
      ['everything but Sec-Fetch-Site cross-site', callHeaders(s, { 'Sec-Fetch-Site': 'cross-site' }), 403],
      ['https origin of another host', callHeaders(s, { Origin: 'https://evil.test' }), 403],
    ];
    for (const [label, headers, status] of attempts) {
      const r = await request(s.port, 'POST', '/api/call', headers, update);
      expect(r.status, label).toBe(status);
      expect(leaks(r.body, s), label).toEqual([]);
    }
    expect(await theme()).toBe('dark');
    // GET and other methods never run a call.
    expect((await request(s.port, 'GET', `/api/call?method=settings.update`, { Cookie: s.cookie })).status).toBe(405);
    expect((await request(s.port, 'OPTIONS', '/api/call', { Cookie: s.cookie, Origin: otherPort, 'Access-Control-Request-Method': 'POST' })).status).toBe(405);
    expect(await theme()).toBe('dark');
    // A bearer-authorised call (scripts, the CLI) needs no call header: no page can set Authorization.
    expect((await request(s.port, 'POST', '/api/call', { Authorization: `Bearer ${s.token}` }, JSON.stringify({ method: 'system.ping', args: {} }))).status).toBe(200);
    // ... but it is still refused from another origin.
    expect((await request(s.port, 'POST', '/api/call', { Authorization: `Bearer ${s.token}`, Origin: otherPort }, update)).status).toBe(403);
    expect(await theme()).toBe('dark');
    // The renderer's own request passes.
    expect((await request(s.port, 'POST', '/api/call', callHeaders(s), update)).status).toBe(200);
    expect(await theme()).toBe('light');
  });

  it('refuses sockets opened from another origin, with the cookie', async () => {
    for (const origin of [`http://127.0.0.1:${s.port + 1}`, 'http://evil.test', 'null', `http://localhost:${s.port}`]) {
      await expectAnsweredAndAlive(upgrade('/ws', [`Cookie: ${s.cookie}`, `Origin: ${origin}`]), [403], `socket from ${origin}`);
    }
    await expectAnsweredAndAlive(upgrade('/ws', [`Cookie: ${s.cookie}`, `Origin: ${s.origin}`, 'Sec-Fetch-Site: same-site']), [403], 'socket same-site');
    const ok = await raw(s.port, upgrade('/ws', [`Cookie: ${s.cookie}`, `Origin: ${s.origin}`]), 500);
    expect(ok.status).toBe(101);
  });
});

describe('the token trade redirects only inside this server', () => {
  it('never answers a protocol-relative or backslash Location', async () => {
    for (const target of ['/.//evil.test/', '//evil.test/', '/\\evil.test/', '/./\\/evil.test', '/%2F%2Fevil.test/', '/..//evil.test/']) {
      const r = await request(s.port, 'GET', `${target}?token=${s.token}&x=1`, {});
      expect(r.status, target).toBe(302);
      const location = String(r.headers.location);
      expect(location.startsWith('/'), `${target} -> ${location}`).toBe(true);
      expect(/^\/[/\\]/.test(location), `${target} -> ${location}`).toBe(false);
      expect(location).not.toContain(s.token);
      expect(String(r.headers['set-cookie'])).toMatch(new RegExp(`^ric_token_${s.port}=[\\w-]+; HttpOnly; SameSite=Strict; Path=/$`));
    }
  });
});

it('logs refusals without the token and stays up through all of it', async () => {
  expect(await alive(s)).toBe(true);
  // The token appears once in the output: in the printed URL.
  expect(s.output().split(s.token).length - 1).toBe(1);
});
