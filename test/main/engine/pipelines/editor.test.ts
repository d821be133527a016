// The editor an edit job uses (pipelines/preflight.ts, editor.ts, edit-rgb.ts, edit-worker.ts) on the
// tiny pipeline folder (the ip2p_pipeline fixture + a word tokenizer, test/helpers/tiny-pipeline.mjs):
// the pre-flight (parts, memory, what fits, the config hash), an edit from RGB bytes to RGB bytes that
// repeats exactly, the same pixels from a tensor worker as on this thread, previews and progress from
// the worker, and cancel between steps on both. Needs the build (the workers run dist/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditCancelled } from '../../../../main/engine/pipelines/index.js';
import { openEditor, type Editor } from '../../../../main/engine/pipelines/editor.js';
import type { EditItem } from '../../../../main/engine/pipelines/edit-rgb.js';
import { editSize, pipelineConfigHash, planEdit } from '../../../../main/engine/pipelines/preflight.js';
import { makeTinyPipeline } from '../../../helpers/tiny-pipeline.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-editor-'));
const DIR = makeTinyPipeline(path.join(tmp, 'tiny'));

function stripes(size: number): EditItem['source'] {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) data.set([(i * 7) % 256, ((i >> 3) * 13) % 256, 128], i * 3);
  return { width: size, height: size, data };
}
const item = (over: Partial<EditItem> = {}): EditItem => ({ source: stripes(32), prompt: 'make the red circle blue', seed: 3, steps: 4, guidanceScale: 7.5, imageGuidanceScale: 1.5, previewEvery: 0, ...over });

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('pre-flight', () => {
  it('checks every part, sizes the memory and hashes the configs', () => {
    const plan = planEdit(DIR, { backend: 'wasm' });
    expect(plan.problems).toEqual([]);
    expect(plan.parts.map((p) => [p.part, p.ok])).toEqual([['unet', true], ['vae', true], ['text_encoder', true], ['tokenizer', true], ['scheduler', true]]);
    // sample_size 16 × the VAE's downscale 2
    expect(plan.nativeResolution).toBe(32);
    expect(plan.memory).toMatchObject({ layout: 'resident', resident: { fits: true } });
    expect(plan.memory!.verdict).toMatch(/^fits the wasm heap at 32×32/);
    // What fits is what the estimator says fits, one step above is not; too large is refused naming the largest that fits.
    const largest = plan.memory!.largestOnDemand!;
    expect(largest).toBeGreaterThanOrEqual(plan.memory!.largestResident!);
    expect(planEdit(DIR, { resolution: plan.memory!.largestResident!, backend: 'wasm' }).memory!.layout).toBe('resident');
    const over = planEdit(DIR, { resolution: largest + 64, backend: 'wasm' }).memory!;
    expect(over.layout).toBeNull();
    expect(over.verdict).toContain(`does NOT fit the wasm heap at ${largest + 64}×${largest + 64}`);
    expect(over.verdict).toContain(`${largest}×${largest} fits with the stages on demand`);
    // On a GPU backend there is no heap verdict: the device's memory is the limit.
    expect(planEdit(DIR, { backend: 'webgpu' }).memory).toMatchObject({ layout: 'resident', largestResident: null, resident: { fits: null } });
    expect(planEdit(DIR, { backend: null }).memory!.verdict).toMatch(/checked for wasm/);
    const h = pipelineConfigHash(DIR);
    expect(h.files).toEqual(['model_index.json', 'unet/config.json', 'vae/config.json', 'text_encoder/config.json', 'scheduler/scheduler_config.json', 'tokenizer/tokenizer_config.json', 'tokenizer/tokenizer.json']);
    expect(h.weights.map((w) => w.file)).toEqual(['unet/model.safetensors', 'vae/model.safetensors', 'text_encoder/model.safetensors']);
    expect(pipelineConfigHash(DIR).sha256).toBe(h.sha256);
  });

  it('names the file of a missing part, a text-to-image UNet, and a folder that is not one', () => {
    const noVae = makeTinyPipeline(path.join(tmp, 'no-vae'), { parts: ['unet', 'text_encoder', 'tokenizer', 'scheduler'] });
    expect(planEdit(noVae, { backend: 'wasm' }).problems).toEqual([`vae: ${path.join(noVae, 'vae')}: the vae folder is missing`]);
    const t2i = makeTinyPipeline(path.join(tmp, 't2i'));
    const cfgFile = path.join(t2i, 'unet', 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.chmodSync(cfgFile, 0o644);
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, in_channels: 4 }));
    const problems = planEdit(t2i, { backend: 'wasm' }).problems.join('\n');
    expect(problems).toContain(`${cfgFile}: in_channels is 4; InstructPix2Pix needs 8`);
    expect(pipelineConfigHash(t2i).sha256).not.toBe(pipelineConfigHash(DIR).sha256);
    expect(planEdit(path.join(tmp, 'nothing'), { backend: 'wasm' }).problems[0]).toMatch(/nothing: no such folder/);
    expect(planEdit(tmp, { backend: 'wasm' }).problems[0]).toContain(path.join(tmp, 'model_index.json'));
  });

  it('keeps the aspect and floors to multiples of 8', () => {
    expect(editSize(640, 480, 512)).toEqual([384, 512]);
    expect(editSize(64, 64, 32)).toEqual([32, 32]);
    expect(editSize(100, 30, 64)).toEqual([16, 64]);
  });
});

describe('the editor', () => {
  let local: Editor;
  let pooled: Editor;
  beforeAll(async () => {
    local = await openEditor({ folder: DIR, scheduler: null, layout: 'resident', workers: 1, backend: null });
    pooled = await openEditor({ folder: DIR, scheduler: null, layout: 'resident', workers: 2, backend: 'wasm' });
  });
  afterAll(async () => {
    await local?.dispose();
    await pooled?.dispose();
  });

  it('edits RGB to RGB the same way twice, and the same on a tensor worker', async () => {
    const before = tf.memory().numTensors;
    const a = await local.edit(item());
    const b = await local.edit(item());
    expect(tf.memory().numTensors).toBe(before);
    expect(a.image.width).toBe(32);
    expect(a.image.data.length).toBe(32 * 32 * 3);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    const other = await local.edit(item({ seed: 4 }));
    expect(Buffer.from(other.image.data).equals(Buffer.from(a.image.data))).toBe(false);
    const progress: number[] = [];
    const previews: number[] = [];
    const c = await pooled.edit(item({ previewEvery: 2 }), { onProgress: (s) => void progress.push(s), onPreview: (s, _n, img) => void previews.push(s, img.width) });
    expect(Buffer.from(c.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(previews).toEqual([2, 32, 4, 32]);
    expect(pooled.concurrency).toBe(2);
  });

  it('runs two edits at once on two workers, and cancels between steps on either side', async () => {
    const [x, y] = await Promise.all([pooled.edit(item({ seed: 1 })), pooled.edit(item({ seed: 2 }))]);
    expect(Buffer.from(x.image.data).equals(Buffer.from((await local.edit(item({ seed: 1 }))).image.data))).toBe(true);
    expect(Buffer.from(y.image.data).equals(Buffer.from((await local.edit(item({ seed: 2 }))).image.data))).toBe(true);
    for (const ed of [local, pooled]) {
      const c = new AbortController();
      const run = ed.edit(item({ steps: 50 }), { signal: c.signal, onProgress: (s) => void (s === 2 && c.abort()) });
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EditCancelled);
      expect((err as EditCancelled).step).toBeLessThan(50);
      // The editor is still usable after a cancel.
      expect((await ed.edit(item({ steps: 1 }))).image.width).toBe(32);
    }
  });
});
