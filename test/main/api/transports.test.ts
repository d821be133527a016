// Each transport carries the same calls and events: in-process, HTTP + WebSocket, Electron IPC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiTransport } from '../../../shared/api/client.js';
import { apiResultSchema, type ApiResult } from '../../../shared/api/index.js';
import { createInProcessTransport } from '../../../main/api/transports/in-process.js';
import { startWebServer, type WebServer } from '../../../main/api/transports/http.js';
import { registerIpcTransport } from '../../../main/electron/ipc.js';
import { APP_ORIGIN } from '../../../main/electron/security.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';

const progress = { jobId: 1, state: 'running' as const, done: 3, total: 10, rate: 1.5, etaSeconds: 4.7 };

async function roundTrip(transport: ApiTransport, emit: () => void): Promise<void> {
  const client = createApiClient(transport);
  expect(await client.call('system.ping', { echo: 'över ✓' })).toMatchObject({ echo: 'över ✓' });
  const info = await client.call('system.info', {});
  expect(info.schemaVersion).toBeGreaterThanOrEqual(2);
  const saved = await client.call('settings.update', { theme: 'light', vlm: { model: 'deepseek-vl2-tiny' } });
  expect(saved.theme).toBe('light');
  expect((await client.call('settings.get', {})).vlm.model).toBe('deepseek-vl2-tiny');
  await expect(client.call('settings.update', { theme: 'purple' } as never)).rejects.toMatchObject({ code: 'invalid_args' });
  const got = new Promise((resolve) => {
    const off = client.on('job.progress', (p) => {
      off();
      resolve(p);
    });
  });
  emit();
  expect(await got).toEqual(progress);
}

describe('transports', () => {
  let t: TestApp;
  beforeAll(() => {
    t = openTestApp();
  });
  afterAll(() => t.close());

  it('in-process', async () => {
    await roundTrip(createInProcessTransport(t.app.dispatcher, t.app.events), () => t.app.events.emit('job.progress', progress));
  });

  describe('HTTP + WebSocket', () => {
    let server: WebServer;
    beforeAll(async () => {
      server = await startWebServer({ dispatcher: t.app.dispatcher, events: t.app.events, blobs: t.app.store.blobs, rendererDir: tempDir() });
    });
    afterAll(() => server.close());

    it('round-trips calls over POST /api/call and events over /ws', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { Authorization: `Bearer ${server.token}` } });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const listeners = new Set<(e: string, p: unknown) => void>();
      ws.on('message', (data) => {
        const { event, payload } = JSON.parse(String(data)) as { event: string; payload: unknown };
        for (const l of listeners) l(event, payload);
      });
      const transport: ApiTransport = {
        async call(method, args) {
          const res = await fetch(`${server.url}api/call`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'X-RIC-Call': '1' },
            body: JSON.stringify({ method, args }),
          });
          return (await res.json()) as ApiResult;
        },
        subscribe(l) {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      };
      await roundTrip(transport, () => t.app.events.emit('job.progress', progress));
      ws.close();
    });

    it('answers a body that is not a call with a typed error, not a crash', async () => {
      const post = (body: string) =>
        fetch(`${server.url}api/call`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'X-RIC-Call': '1' }, body });
      for (const body of ['{not json', '[]', '{"args":{}}', '{"method":7}']) {
        const res = await post(body);
        expect(res.status).toBe(400);
        expect(apiResultSchema.parse(await res.json())).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
      }
      const res = await post(JSON.stringify({ method: 'no.such', args: {} }));
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    });
  });

  describe('Electron IPC (electron mocked: no runtime here)', () => {
    // A stand-in for ipcMain/ipcRenderer: invoke() runs the registered handler like Electron does.
    function fakeIpc() {
      const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
      return {
        ipcMain: {
          handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, fn),
          removeHandler: (channel: string) => handlers.delete(channel),
        },
        invoke: (sender: { id: number; url: string; parent?: unknown }, channel: string, ...args: unknown[]) => {
          const fn = handlers.get(channel);
          if (!fn) throw new Error(`no handler for ${channel}`);
          const event = { sender: { id: sender.id }, senderFrame: { url: sender.url, parent: sender.parent ?? null } };
          // Electron serialises with the structured clone algorithm.
          return Promise.resolve(fn(event, ...structuredClone(args))).then((r) => structuredClone(r) as ApiResult);
        },
        handlers,
      };
    }

    it('round-trips calls and events for our own window, and refuses other senders', async () => {
      const ipc = fakeIpc();
      const sent: unknown[][] = [];
      const contents = { id: 7, isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) };
      const dispose = registerIpcTransport({
        ipcMain: ipc.ipcMain as never,
        dispatcher: t.app.dispatcher,
        events: t.app.events,
        ownContents: new Set([7]),
        targets: () => [contents as never],
      });
      const listeners = new Set<(e: string, p: unknown) => void>();
      const own = { id: 7, url: `${APP_ORIGIN}/index.html` };
      const transport: ApiTransport = {
        call: (method, args) => ipc.invoke(own, 'ric:call', method, args),
        subscribe(l) {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      };
      await roundTrip(transport, () => {
        t.app.events.emit('job.progress', progress);
        for (const [channel, event, payload] of sent.splice(0)) {
          expect(channel).toBe('ric:event');
          for (const l of listeners) l(event as string, payload);
        }
      });

      for (const stranger of [
        { id: 8, url: `${APP_ORIGIN}/index.html` },
        { id: 7, url: 'https://evil.example/' },
        { id: 7, url: `${APP_ORIGIN}/index.html`, parent: {} },
      ]) {
        expect(await ipc.invoke(stranger, 'ric:call', 'system.ping', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      }
      dispose();
      expect(ipc.handlers.size).toBe(0);
    });
  });
});

