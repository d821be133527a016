// Issue 10 in a real browser: Chromium with the user logged in to `ric serve` (cookie set), then a
// page served by a second local HTTP server on another port of 127.0.0.1 — "same site", so the
// browser attaches the cookie — tries every way a page can: a no-cors text/plain POST, a CORS fetch
// with the right headers, a text/plain form post shaped as JSON, a WebSocket, planted malformed
// cookies, an image of a stored blob. And DNS rebinding: a name the attacker controls resolving to
// 127.0.0.1 (Chromium's host-resolver rules stand in for the attacker's DNS). Afterwards nothing
// changed, nothing was read, the server is up, and the app itself still works.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type WebServerHandle } from './fixtures.js';

const REBOUND = 'rebind.attacker.test';

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`],
  },
});

async function api(server: WebServerHandle, method: string, args: unknown): Promise<{ ok: boolean; value?: unknown }> {
  const res = await fetch(`${server.origin}/api/call`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ method, args }) });
  return (await res.json()) as { ok: boolean; value?: unknown };
}

/** The attacker's page: every attempt, each outcome written to window.results. */
function attackerPage(target: string, port: number): string {
  const call = JSON.stringify({ method: 'settings.update', args: { theme: 'light' } });
  const formName = '{"method":"settings.update","args":{"theme":"light"},"pad":"';
  return `<!doctype html><meta charset="utf-8"><title>attacker</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" action="${target}/api/call" target="sink"><input name='${formName}' value='"}'></form>
<script>
window.results = {};
const call = ${JSON.stringify(call)};
(async () => {
  // Malformed cookies for the server's host (cookies ignore ports): must not stop it.
  document.cookie = 'ric_token_${port}=%ZZ; path=/api';
  document.cookie = 'ric_token=%E0%A4%A; path=/';
  document.cookie = 'ric_token_${port}=' + '%'.repeat(2000) + '; path=/ws';
  try {
    const r = await fetch('${target}/api/call', { mode: 'no-cors', method: 'POST', credentials: 'include', body: call });
    results.noCors = 'sent:' + r.type;
  } catch (e) { results.noCors = 'error'; }
  try {
    const r = await fetch('${target}/api/call', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body: call });
    results.cors = 'read:' + (await r.text());
  } catch (e) { results.cors = 'blocked'; }
  try {
    const r = await fetch('${target}/', { credentials: 'include' });
    results.readPage = 'read:' + (await r.text()).slice(0, 40);
  } catch (e) { results.readPage = 'blocked'; }
  document.getElementById('f').submit();
  results.ws = await new Promise((resolve) => {
    const ws = new WebSocket('${target.replace('http', 'ws')}/ws');
    ws.onopen = () => { ws.send(JSON.stringify({ id: 1, method: 'settings.update', args: { theme: 'light' } })); resolve('open'); };
    ws.onerror = () => resolve('refused');
  });
  results.img = await new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve('loaded');
    img.onerror = () => resolve('blocked');
    img.src = '${target}/index.html';
  });
  results.done = true;
})();
</script>`;
}

test('a page on another port of 127.0.0.1 cannot act with, or read through, the logged-in cookie', async ({ page, server }) => {
  await page.goto(server.urlWithToken);
  await expect(page.getByTestId('status-connection')).toContainText('connected');
  const port = Number(new URL(server.origin).port);

  const attacker = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(attackerPage(server.origin, port));
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  const attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  try {
    const evil = await page.context().newPage();
    await evil.goto(`${attackerOrigin}/`);
    await evil.waitForFunction(() => (window as unknown as { results: { done?: boolean } }).results.done === true, undefined, { timeout: 20_000 });
    await evil.waitForTimeout(500); // the form's post lands in its iframe
    const results = await evil.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
    // Sent (the server logged its refusal), and unreadable: CORP same-origin fails even the opaque response.
    expect(['sent:opaque', 'error']).toContain(results.noCors);
    expect(server.output()).toContain(`refused a call from another origin (Origin ${attackerOrigin}`);
    expect(server.output()).toContain(`refused a socket from another origin (Origin ${attackerOrigin}`);
    expect(results.cors).toBe('blocked');
    expect(results.readPage).toBe('blocked');
    expect(results.ws).toBe('refused');
    expect(results.img).toBe('blocked');
    const sink = evil.frame({ name: 'sink' });
    const sinkText = (await sink?.locator('body').textContent().catch(() => '')) ?? '';
    expect(sinkText).not.toContain(server.token);

    // Nothing changed; the server is up; the app works, planted cookies and all.
    expect(await api(server, 'settings.get', {})).toMatchObject({ ok: true, value: { theme: 'dark' } });
    await page.reload();
    await expect(page.getByTestId('status-connection')).toContainText('connected');
    const own = await page.evaluate(async () => {
      const r = await fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body: JSON.stringify({ method: 'system.ping', args: { echo: 'mine' } }) });
      return r.json();
    });
    expect(own).toMatchObject({ ok: true, value: { echo: 'mine' } });
    expect(server.output()).not.toMatch(/\n\s+at /); // no stack trace: nothing threw
  } finally {
    await new Promise((r) => attacker.close(r));
  }
});

test('DNS rebinding: a name that resolves to 127.0.0.1 is refused, token or not', async ({ page, server }) => {
  const port = new URL(server.origin).port;
  const rebound = `http://${REBOUND}:${port}`;
  const first = await page.goto(`${rebound}/?token=${server.token}`);
  expect(first?.status()).toBe(403);
  await expect(page.locator('body')).toContainText('not allowed');
  // Same origin as the server in the browser's eyes now, yet every call and socket is refused.
  const tries = await page.evaluate(async () => {
    const call = await fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body: JSON.stringify({ method: 'settings.update', args: { theme: 'light' } }) });
    const ws = await new Promise((resolve) => {
      const s = new WebSocket(`ws://${location.host}/ws`);
      s.onopen = () => resolve('open');
      s.onerror = () => resolve('refused');
    });
    return { call: call.status, ws };
  });
  expect(tries).toEqual({ call: 403, ws: 'refused' });
  expect(await api(server, 'settings.get', {})).toMatchObject({ ok: true, value: { theme: 'dark' } });
  // The loopback name keeps working.
  await page.goto(server.urlWithToken);
  await expect(page.getByTestId('status-connection')).toContainText('connected');
});
