import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VlmAborted, VlmClient, VlmError } from '../../../main/captions/vlm-client.js';
import { backoffMs, retryAfterMs } from '../../../main/captions/retry.js';
import { imageUrlOf, promptOf, startTestServer, type TestServer } from './vlm-test-server.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const client = (extra: Partial<ConstructorParameters<typeof VlmClient>[0]> = {}) =>
  new VlmClient({ baseUrl: server.url, model: 'deepseek-vl2-tiny', backoffBaseMs: 10, timeoutMs: 2000, ...extra });
const ask = (c: VlmClient, signal?: AbortSignal) => c.describe({ image: PNG, mediaType: 'image/png', prompt: 'describe it', signal });

describe('VlmClient against an OpenAI-compatible server', () => {
  it('sends the image as a data URI image_url part, greedy, 520 tokens, and reads the answer', async () => {
    server.script.push({ kind: 'ok', text: '  A red circle on grey.  ', model: 'deepseek-ai/deepseek-vl2-tiny' });
    const r = await client({ apiKey: 'sk-test' }).describe({ image: PNG, mediaType: 'image/png', prompt: 'describe it' });
    expect(r.text).toBe('A red circle on grey.');
    expect(r.endpointModel).toBe('deepseek-ai/deepseek-vl2-tiny');
    expect(r.attempts).toBe(1);
    expect(r.sampling).toEqual({ temperature: 0, max_tokens: 520 });
    const req = server.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('deepseek-vl2-tiny');
    expect(req.body.temperature).toBe(0);
    expect(req.body.max_tokens).toBe(520);
    expect(promptOf(req)).toBe('describe it');
    expect(req.body.messages[0]!.content[0]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` } });
  });

  it('leaves no listener on a job signal shared by many requests (no MaxListenersExceededWarning)', async () => {
    const job = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const c = client();
      for (let i = 0; i < 15; i++) await ask(c, job.signal);
      await new Promise((r) => setImmediate(r));
      expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('sends image_url as a plain string when asked to', async () => {
    await client({ imageUrlForm: 'string' }).describe({ image: PNG, mediaType: 'image/png', prompt: 'p' });
    expect(server.requests[0]!.body.messages[0]!.content[0]).toEqual({ type: 'image_url', image_url: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` });
  });

  it('falls back to the plain-string form once when a server rejects the object form, and keeps it', async () => {
    server.respond = (req) =>
      typeof (req.body.messages[0]!.content[0] as { image_url: unknown }).image_url === 'string'
        ? { kind: 'ok', text: 'ok' }
        : { kind: 'status', status: 422, body: { detail: 'messages.0.content.0.image_url: Input should be a valid string' } };
    const c = client();
    expect((await ask(c)).text).toBe('ok');
    expect(c.imageUrlForm).toBe('string');
    await ask(c);
    expect(server.requests.map((r) => typeof imageUrlOf(r))).toEqual(['string', 'string', 'string']);
    expect(server.requests).toHaveLength(3); // object (422), string, then string directly
  });

  it('goes back to the object form and names both refusals when the string form is refused too', async () => {
    server.respond = () => ({ kind: 'status', status: 400, body: { object: 'error', message: 'max_tokens is too large for this content' } });
    const c = client();
    await expect(ask(c)).rejects.toThrow(/HTTP 400: max_tokens is too large.*plain-string image_url form was refused too/);
    expect(c.imageUrlForm).toBe('object');
    expect(server.requests.map((r) => typeof (r.body.messages[0]!.content[0] as { image_url: unknown }).image_url)).toEqual(['object', 'string']);
  });

  it('does not switch form in "object" mode: the 400 is the sample\'s failure', async () => {
    server.script.push({ kind: 'status', status: 400, body: { error: { message: 'image_url must be a string' } } });
    await expect(ask(client({ imageUrlForm: 'object' }))).rejects.toThrow(/HTTP 400.*image_url must be a string/);
  });

  it('honours Retry-After (seconds) on 429 and retry-after-ms on 503', async () => {
    server.script.push({ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'status', status: 503, headers: { 'retry-after-ms': '300' } });
    const r = await ask(client());
    expect(r.attempts).toBe(3);
    const [a, b, c] = server.requests.map((q) => q.at);
    expect(b! - a!).toBeGreaterThanOrEqual(950);
    expect(c! - b!).toBeGreaterThanOrEqual(280);
    expect(c! - b!).toBeLessThan(950);
  });

  it('gives up with the reason when a server asks to wait longer than the cap', async () => {
    server.script.push({ kind: 'status', status: 429, headers: { 'retry-after': '3600' } });
    await expect(ask(client({ maxRetryAfterMs: 5000 }))).rejects.toThrow(/HTTP 429.*asked to wait 3600 s/);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 with backoff and succeeds; stops after maxRetries', async () => {
    server.script.push({ kind: 'status', status: 500 });
    expect((await ask(client())).attempts).toBe(2);
    server.requests.length = 0;
    server.script.push(...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 500 })));
    await expect(ask(client({ maxRetries: 2 }))).rejects.toThrow(/HTTP 500.*after 3 attempts/);
    expect(server.requests).toHaveLength(3);
  });

  it('names garbage answers and does not retry them', async () => {
    for (const [kind, message] of [
      ['malformed', /malformed JSON/],
      ['non-json', /non-JSON: "<html>502 Bad Gateway/],
      ['empty', /empty description/],
      ['wrong-schema', /not a chat completion \(choices:/],
    ] as const) {
      server.requests.length = 0;
      server.script.push({ kind });
      const err = await ask(client()).catch((e: unknown) => e);
      expect(err, kind).toBeInstanceOf(VlmError);
      expect((err as Error).message, kind).toMatch(message);
      expect(server.requests, kind).toHaveLength(1);
    }
  });

  it('retries a dropped connection, and reports it when it keeps dropping', async () => {
    server.script.push({ kind: 'drop' });
    expect((await ask(client())).attempts).toBe(2);
    server.requests.length = 0;
    server.respond = () => ({ kind: 'drop' });
    await expect(ask(client({ maxRetries: 1 }))).rejects.toThrow(/connection (failed|dropped).*after 2 attempts/);
  });

  it('times out a slow server per request', async () => {
    server.respond = () => ({ kind: 'hang' });
    const t0 = Date.now();
    await expect(ask(client({ timeoutMs: 300, maxRetries: 1 }))).rejects.toThrow(/no answer within 300 ms.*after 2 attempts/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('stops at once when aborted, also while waiting for Retry-After', async () => {
    server.script.push({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const t0 = Date.now();
    await expect(ask(client(), controller.signal)).rejects.toBeInstanceOf(VlmAborted);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('reports a server that is down as a connection failure', async () => {
    const down = client({ baseUrl: 'http://127.0.0.1:1/v1', maxRetries: 1 });
    await expect(ask(down)).rejects.toThrow(/connection failed.*after 2 attempts/);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds, HTTP date or milliseconds', () => {
    const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(h({}))).toBeUndefined();
  });
  it('backs off exponentially within [half, full] of base·2^n, capped', () => {
    expect(backoffMs(0, 100, 30_000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 30_000, () => 0)).toBe(400);
    expect(backoffMs(20, 100, 5000, () => 1)).toBe(5000);
  });
});
