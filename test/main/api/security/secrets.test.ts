// Issue 10: the saved VLM API key goes only to the endpoint it was saved for. Two real local
// OpenAI-compatible servers (test/main/captions/vlm-test-server.ts) record every Authorization
// header; caption jobs run in a real engine host over a real store. The key never appears in an
// Api result.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../../shared/api/client.js';
import { openApp, type App } from '../../../../main/app.js';
import { normaliseEndpoint, vlmApiKeyFor } from '../../../../main/settings/index.js';
import { createInProcessTransport } from '../../../../main/api/transports/in-process.js';
import { seededStore } from '../../captions/fixtures.js';
import { startTestServer, type TestServer } from '../../captions/vlm-test-server.js';

const KEY = 'sk-saved-for-the-first-server';
let app: App | undefined;
const servers: TestServer[] = [];
afterEach(async () => {
  await app?.context.jobs.close();
  app?.close();
  app = undefined;
  for (const s of servers.splice(0)) await s.close();
});

async function setup(): Promise<{ api: ApiClient; datasetId: number; saved: TestServer; other: TestServer; dir: string }> {
  const { store, dir, datasetId } = await seededStore(1);
  store.close();
  app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
  const api = createApiClient(createInProcessTransport(app.dispatcher, app.events));
  const saved = await startTestServer();
  const other = await startTestServer();
  servers.push(saved, other);
  await api.call('settings.update', { vlm: { baseUrl: `${saved.url}/`, model: 'served', apiKey: KEY } });
  return { api, datasetId, saved, other, dir };
}

async function finished(api: ApiClient, jobId: number): Promise<string> {
  for (let i = 0; i < 1500; i++) {
    const state = (await api.call('captions.job', { jobId })).job.state;
    if (!['queued', 'running'].includes(state)) return state;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`caption job ${jobId} did not finish`);
}

describe('the saved VLM key', () => {
  it('is sent to the saved endpoint only: another endpoint gets no Authorization header at all', async () => {
    const { api, datasetId, saved, other } = await setup();
    // captions.generate naming another server: the attack of the issue.
    const toOther = await api.call('captions.generate', { datasetId, kind: 'scene', endpoint: other.url, model: 'served', concurrency: 1 });
    await finished(api, toOther.jobId);
    expect(other.requests.length).toBeGreaterThan(0);
    for (const r of other.requests) expect(r.authorization).toBeUndefined();
    // The saved endpoint, spelled differently (scheme case, trailing slashes): the same endpoint, so it gets the key
    // (another model name, so the sample is described again rather than skipped as done).
    const spelled = saved.url.replace('http://', 'HTTP://');
    const toSaved = await api.call('captions.generate', { datasetId, kind: 'scene', endpoint: `${spelled}//`, model: 'served-again', concurrency: 1 });
    await finished(api, toSaved.jobId);
    expect(saved.requests.length).toBeGreaterThan(0);
    for (const r of saved.requests) expect(r.authorization).toBe(`Bearer ${KEY}`);
    // No Api result carries it.
    const results = JSON.stringify([await api.call('settings.get', {}), await api.call('captions.job', { jobId: toOther.jobId }), await api.call('jobs.get', { id: toOther.jobId })]);
    expect(results).not.toContain(KEY);
  });

  it('stays pinned to its endpoint when the base URL changes, until a new key is saved with it', async () => {
    const { api, datasetId, saved, other } = await setup();
    expect((await api.call('settings.get', {})).vlm.apiKeySet).toBe(true);
    await api.call('settings.update', { vlm: { baseUrl: other.url } });
    // The key belongs to the first server: not offered to the new base URL.
    expect((await api.call('settings.get', {})).vlm.apiKeySet).toBe(false);
    const job = await api.call('captions.generate', { datasetId, kind: 'scene', concurrency: 1 });
    await finished(api, job.jobId);
    expect(other.requests.length).toBeGreaterThan(0);
    for (const r of other.requests) expect(r.authorization).toBeUndefined();
    expect(saved.requests).toHaveLength(0);
    // Back to the first server: its key is still there for it.
    await api.call('settings.update', { vlm: { baseUrl: saved.url } });
    expect((await api.call('settings.get', {})).vlm.apiKeySet).toBe(true);
    // A new key saved with the new URL belongs to that URL.
    await api.call('settings.update', { vlm: { baseUrl: other.url, apiKey: 'sk-second' } });
    expect(vlmApiKeyFor(app!.store.settings, other.url, {})).toBe('sk-second');
    expect(vlmApiKeyFor(app!.store.settings, saved.url, {})).toBeUndefined();
  });

  it('a key stored before keys had an endpoint belongs to the base URL saved beside it', async () => {
    const { dir, saved, other } = await setup();
    app!.store.settings.putMany({ 'vlm.apiKey': 'sk-legacy' });
    expect(vlmApiKeyFor(app!.store.settings, saved.url, {})).toBe('sk-legacy');
    expect(vlmApiKeyFor(app!.store.settings, other.url, {})).toBeUndefined();
    const api = createApiClient(createInProcessTransport(app!.dispatcher, app!.events));
    await api.call('settings.update', { vlm: { baseUrl: other.url } });
    expect(vlmApiKeyFor(app!.store.settings, other.url, {})).toBeUndefined();
    expect(vlmApiKeyFor(app!.store.settings, saved.url, {})).toBe('sk-legacy');
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('$RIC_VLM_API_KEY goes only to $RIC_VLM_BASE_URL (else the saved base URL)', async () => {
    const { saved, other } = await setup();
    const repo = app!.store.settings;
    expect(vlmApiKeyFor(repo, other.url, { RIC_VLM_API_KEY: 'sk-env' })).toBeUndefined();
    expect(vlmApiKeyFor(repo, saved.url, { RIC_VLM_API_KEY: 'sk-env' })).toBe('sk-env');
    expect(vlmApiKeyFor(repo, other.url, { RIC_VLM_API_KEY: 'sk-env', RIC_VLM_BASE_URL: other.url })).toBe('sk-env');
    expect(vlmApiKeyFor(repo, saved.url, { RIC_VLM_API_KEY: 'sk-env', RIC_VLM_BASE_URL: other.url })).toBe(KEY);
  });

  it('compares endpoints by scheme, host, port and path, not by spelling', () => {
    expect(normaliseEndpoint('HTTP://LocalHost:80/v1/')).toBe('http://localhost/v1');
    expect(normaliseEndpoint('http://127.0.0.1:8000/v1')).not.toBe(normaliseEndpoint('http://127.0.0.1:8001/v1'));
    expect(normaliseEndpoint('http://127.0.0.1:8000/v1')).not.toBe(normaliseEndpoint('https://127.0.0.1:8000/v1'));
    expect(normaliseEndpoint('http://a.test/v1')).not.toBe(normaliseEndpoint('http://a.test.evil/v1'));
    expect(normaliseEndpoint('http://a.test/v1')).not.toBe(normaliseEndpoint('http://a.test/v1/../v2'));
    for (const bad of ['', 'ftp://a', 'not a url', 'file:///etc/passwd', null, 7]) expect(normaliseEndpoint(bad)).toBeNull();
  });
});
