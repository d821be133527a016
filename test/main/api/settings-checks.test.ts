// Settings are checked when saved (issue 17): model folders through the engine's checkPretrained
// (the reference fixtures are real Hugging Face folders), and "Test connection" against a local
// OpenAI-compatible server (a stand-in for a VLM, which cannot run here).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError, describeError } from '../../../shared/api/index.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { startTestServer, type TestServer } from '../captions/vlm-test-server.js';
import { FIXTURES } from '../engine/shared-dir.js';

const CLIP = path.join(FIXTURES, 'parity/clip/case_a');
const BLIP = path.join(FIXTURES, 'parity/blip_itr');
const DINO = path.join(FIXTURES, 'metrics/vit/dino_a');
const IP2P = path.join(FIXTURES, 'parity/ip2p_pipeline/a');

/**
 * A pipeline folder laid out as timbrooks/instruct-pix2pix ships (the fixture keeps its schedulers
 * as scheduler_* and has no tokenizer folder): the fixture's unet, vae and text_encoder, its Euler
 * scheduler as scheduler/, and tokenizer files (only their presence is checked before loading).
 */
function pipelineFolder(parts: readonly string[] = ['unet', 'vae', 'text_encoder']): string {
  const dir = tempDir('ric-pipeline-');
  fs.copyFileSync(path.join(IP2P, 'model_index.json'), path.join(dir, 'model_index.json'));
  for (const part of parts) fs.symlinkSync(path.join(IP2P, part), path.join(dir, part));
  fs.mkdirSync(path.join(dir, 'scheduler'));
  fs.copyFileSync(path.join(IP2P, 'scheduler_euler/scheduler_config.json'), path.join(dir, 'scheduler/scheduler_config.json'));
  fs.mkdirSync(path.join(dir, 'tokenizer'));
  fs.writeFileSync(path.join(dir, 'tokenizer/vocab.json'), '{}');
  fs.writeFileSync(path.join(dir, 'tokenizer/merges.txt'), '');
  return dir;
}

let t: TestApp | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  t?.close();
  t = undefined;
  await server?.close();
  server = undefined;
});

const refusal = async (p: Promise<unknown>): Promise<ApiCallError> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiCallError);
  return err as ApiCallError;
};

describe('model folders are checked when saved', () => {
  it('accepts folders that hold their model, refuses the rest with the reason and the field', async () => {
    t = openTestApp();
    const api = t.client;
    const PIPELINE = pipelineFolder();
    const saved = await api.call('settings.update', { modelFolders: { clip: CLIP, blip: BLIP, dino: DINO, editor: PIPELINE } });
    expect(saved.modelFolders).toMatchObject({ clip: CLIP, blip: BLIP, dino: DINO, editor: PIPELINE });

    const missing = await refusal(api.call('settings.update', { modelFolders: { clip: '/no/such/clip' } }));
    expect(missing.code).toBe('invalid_args');
    expect(missing.issues).toEqual([{ path: ['modelFolders', 'clip'], message: '/no/such/clip does not exist on the machine running RIC Studio' }]);
    expect(describeError(missing)).toBe('CLIP model folder: /no/such/clip does not exist on the machine running RIC Studio');

    const wrong = await refusal(api.call('settings.update', { modelFolders: { clip: BLIP } }));
    expect(wrong.issues?.[0]?.message).toMatch(/holds a BlipForImageTextRetrieval \(model_type "blip"\), not a CLIP model/);

    const empty = tempDir('ric-empty-model-');
    const noConfig = await refusal(api.call('settings.update', { modelFolders: { dino: empty } }));
    expect(noConfig.issues?.[0]?.message).toMatch(/does not hold a model RIC Studio can read \(config\.json: not found\).*ric model check/);

    // A folder whose weights do not fit its config: the tensors are named.
    const broken = tempDir('ric-broken-model-');
    fs.copyFileSync(path.join(CLIP, 'model.safetensors'), path.join(broken, 'model.safetensors'));
    const config = JSON.parse(fs.readFileSync(path.join(CLIP, 'config.json'), 'utf8')) as { projection_dim?: number };
    fs.writeFileSync(path.join(broken, 'config.json'), JSON.stringify({ ...config, projection_dim: (config.projection_dim ?? 8) * 2 }));
    const misfit = await refusal(api.call('settings.update', { modelFolders: { clip: broken } }));
    expect(misfit.issues?.[0]?.message).toMatch(/the weights do not fit .*misshapen tensors/);

    const notPipeline = await refusal(api.call('settings.update', { modelFolders: { editor: CLIP } }));
    expect(notPipeline.issues?.[0]?.message).toMatch(/model_index\.json: not found: is this a diffusers pipeline folder.*instruct-pix2pix/);
    const noVae = pipelineFolder(['unet', 'text_encoder']);
    const partMissing = await refusal(api.call('settings.update', { modelFolders: { editor: noVae } }));
    expect(partMissing.issues?.[0]?.message).toMatch(/is not a usable editing pipeline: vae: .*the vae folder is missing/);

    // Nothing refused was stored; an unchanged folder is not checked again.
    expect((await api.call('settings.get', {})).modelFolders.clip).toBe(CLIP);
    await api.call('settings.update', { modelFolders: { clip: CLIP }, theme: 'light' });
    expect(await api.call('settings.checkModelFolder', { kind: 'blip', path: BLIP })).toEqual({ ok: true, message: 'The folder holds the expected model.' });
    for (const dir of [empty, broken, PIPELINE, noVae]) fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('tensor workers (issue 13)', () => {
  it('saves auto or a whole number 1–256, refuses anything else naming the field, and keeps the rest', async () => {
    t = openTestApp();
    const api = t.client;
    expect((await api.call('settings.get', {})).tensorWorkers).toBe('auto');
    expect((await api.call('settings.update', { tensorWorkers: 3, theme: 'light' })).tensorWorkers).toBe(3);
    for (const bad of [0, 257, 1.5, 'all'] as unknown as number[]) {
      const err = await refusal(api.call('settings.update', { tensorWorkers: bad }));
      expect(err.code).toBe('invalid_args');
      expect(err.issues?.[0]?.path).toEqual(['tensorWorkers']);
    }
    expect(await api.call('settings.get', {})).toMatchObject({ tensorWorkers: 3, theme: 'light' });
    // A stored value no longer valid reads as auto without resetting the other settings.
    t.app.store.settings.putMany({ 'engine.workers': 'many' });
    expect(await api.call('settings.get', {})).toMatchObject({ tensorWorkers: 'auto', theme: 'light' });
    expect((await api.call('settings.update', { tensorWorkers: 'auto' })).tensorWorkers).toBe('auto');
  });
});

describe('Test connection', () => {
  it('sends one tiny request and says what came back, or why nothing usable did', async () => {
    t = openTestApp();
    const api = t.client;
    server = await startTestServer(() => ({ kind: 'ok', text: 'Red.', model: 'served/tiny-vlm' }));
    const ok = await api.call('settings.testVlm', { baseUrl: server.url, model: 'tiny-vlm' });
    expect(ok).toMatchObject({ ok: true, answer: 'Red.', endpointModel: 'served/tiny-vlm' });
    expect(ok.message).toMatch(/^tiny-vlm \(the server says it is served\/tiny-vlm\) answered in \d+ ms: "Red\."$/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.max_tokens).toBeLessThanOrEqual(16);

    server.script.push({ kind: 'status', status: 401, body: { error: { message: 'invalid api key' } } });
    const denied = await api.call('settings.testVlm', { baseUrl: server.url, model: 'tiny-vlm' });
    expect(denied).toMatchObject({ ok: false, answer: null });
    expect(denied.message).toMatch(/HTTP 401: invalid api key.*Check the API key\.$/);

    server.script.push({ kind: 'wrong-schema' });
    expect((await api.call('settings.testVlm', { baseUrl: server.url, model: 'm' })).message).toMatch(/not a chat completion/);

    const closed = `http://127.0.0.1:${await freePort()}/v1`;
    const refused = await api.call('settings.testVlm', { baseUrl: closed, model: 'm' });
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/connection failed: .*ECONNREFUSED/);
  });

  it('sends the saved API key only to the saved endpoint', async () => {
    t = openTestApp();
    const api = t.client;
    server = await startTestServer(() => ({ kind: 'ok', text: 'ok' }));
    await api.call('settings.update', { vlm: { baseUrl: server.url, model: 'm', apiKey: 'sk-saved' } });
    await api.call('settings.testVlm', { baseUrl: server.url, model: 'm' });
    expect(server.requests.at(-1)!.authorization).toBe('Bearer sk-saved');
    // The same server under another address counts as another endpoint: no saved key goes there.
    const other = server.url.replace('127.0.0.1', 'localhost');
    await api.call('settings.testVlm', { baseUrl: other, model: 'm' });
    expect(server.requests.at(-1)!.authorization).not.toBe('Bearer sk-saved');
    await api.call('settings.testVlm', { baseUrl: other, model: 'm', apiKey: 'sk-typed' });
    expect(server.requests.at(-1)!.authorization).toBe('Bearer sk-typed');
  });
});

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
