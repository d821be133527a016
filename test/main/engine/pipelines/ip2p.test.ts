// The InstructPix2Pix pipeline: diffusers' end-to-end reference (DDIM, Euler, DPM-Solver++ 2M, the
// latents after every step and the final image) through the parity runner; a seeded run that repeats
// bit for bit (Euler ancestral: its step noise comes from the same seed); previews, progress,
// cancellation and split guidance branches; and the folder, UNet and image errors that name the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { EditCancelled, loadInstructPix2Pix, type InstructPix2PixPipeline } from '../../../../main/engine/pipelines/index.js';
import { FIXTURES } from '../shared-dir.js';

const DIR = path.join(FIXTURES, 'parity/ip2p_pipeline/a');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-ip2p-'));
let pipe: InstructPix2PixPipeline;
let ids: tf.Tensor;
let uncond: tf.Tensor;
let image: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('wasm');
  pipe = (await loadInstructPix2Pix(DIR, { tokenizer: false, schedulerDir: 'scheduler_euler', scheduler: 'euler_ancestral' })).pipeline;
  const i = readSafetensors(path.join(DIR, 'inputs.safetensors'));
  const t = (n: string) => tf.tensor(i.get(n)!.values, i.get(n)!.shape, i.get(n)!.dtype);
  ids = t('input_ids');
  uncond = t('uncond_input_ids');
  // a 32×32 crop keeps these runs quick (16×16 latents)
  image = tf.slice(t('image'), [0, 0, 0, 0], [1, 3, 32, 32]);
});
afterAll(() => {
  pipe.dispose();
  tf.dispose([ids, uncond, image]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const edit = (extra: Partial<Parameters<InstructPix2PixPipeline['edit']>[0]> = {}) => pipe.edit({ image, prompt: ids, negativePromptIds: uncond, steps: 3, seed: 5, ...extra });

describe('InstructPix2Pix pipeline', () => {
  it('reproduces diffusers end to end: embeds, image latents, every step of DDIM, Euler and DPM-Solver++, the image', async () => {
    const results = await runParity([path.join(FIXTURES, 'parity/ip2p_pipeline')]);
    const table = formatParityTable(results);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), table).toEqual(['ip2p_pipeline/a pass']);
    expect(results[0]!.tensors).toHaveLength(12);
    for (const t of results[0]!.tensors) expect(t.maxRel, `${t.tensor}\n${table}`).toBeLessThan(2e-4);
  }, 120_000);

  it('a seeded run is deterministic (initial latents and Euler-ancestral noise), another seed differs, nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const a = await edit();
    const b = await edit();
    const c = await edit({ seed: 6 });
    const [va, vb, vc] = await Promise.all([a.image.data(), b.image.data(), c.image.data()]);
    expect(Array.from(va)).toEqual(Array.from(vb));
    expect(Math.max(...Array.from(va, (v, i) => Math.abs(v - vc[i]!)))).toBeGreaterThan(1e-3);
    expect(a.image.shape).toEqual([1, 3, 32, 32]);
    expect(Math.min(...va) >= 0 && Math.max(...va) <= 1).toBe(true);
    tf.dispose([a.image, a.latents, b.image, b.latents, c.image, c.latents]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('previews x̂0 every k steps, reports progress, and splitting the guidance branches changes nothing', async () => {
    const previews: { step: number; shape: number[]; max: number }[] = [];
    const progress: number[] = [];
    const r = await edit({
      steps: 4,
      previewEvery: 2,
      onPreview: async (step, img) => void previews.push({ step, shape: img.shape, max: Math.max(...(await img.data())) }),
      onProgress: (p) => void progress.push(p.step),
    });
    expect(previews.map((p) => p.step)).toEqual([2, 4]);
    expect(previews[0]!.shape).toEqual([1, 3, 32, 32]);
    expect(previews.every((p) => p.max <= 1)).toBe(true);
    expect(progress).toEqual([1, 2, 3, 4]);
    const s = await edit({ steps: 4, separateBranches: true });
    const [x, y] = [await r.latents.data(), await s.latents.data()];
    expect(Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)))).toBeLessThan(1e-4);
    tf.dispose([r.image, r.latents, s.image, s.latents]);
  }, 60_000);

  it('an on-demand text encoder, VAE and UNet (each loaded for its stage, then freed) give the same edit as resident ones', async () => {
    const lazy = (await loadInstructPix2Pix(DIR, { tokenizer: false, schedulerDir: 'scheduler_euler', scheduler: 'euler_ancestral', textEncoder: 'on-demand', vae: 'on-demand', unet: 'on-demand' })).pipeline;
    const before = tf.memory().numTensors;
    const [a, b] = [await edit(), await lazy.edit({ image, prompt: ids, negativePromptIds: uncond, steps: 3, seed: 5 })];
    expect(Array.from(await a.latents.data())).toEqual(Array.from(await b.latents.data()));
    tf.dispose([a.image, a.latents, b.image, b.latents]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(lazy.edit({ image, prompt: ids, negativePromptIds: uncond, steps: 2, previewEvery: 1, onPreview: () => undefined })).rejects.toThrow(/previews decode inside the loop/);
    lazy.dispose();
  }, 60_000);

  it('stops between steps when cancelled, freeing everything', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = edit({ steps: 5, onProgress: (p) => (p.step === 2 ? controller.abort() : undefined), signal: controller.signal });
    await expect(run).rejects.toThrow(EditCancelled);
    await expect(run).rejects.toMatchObject({ step: 2 });
    let calls = 0;
    await expect(edit({ shouldStop: () => ++calls > 1 })).rejects.toThrow(/cancelled after 1 steps/);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('names the missing part, the UNet that is not InstructPix2Pix and the image that is not RGB', async () => {
    const broken = path.join(tmp, 'no-vae');
    fs.cpSync(DIR, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'vae'), { recursive: true });
    await expect(loadInstructPix2Pix(broken, { tokenizer: false, schedulerDir: 'scheduler_ddim' })).rejects.toThrow(/vae: .*no-vae\/vae: the vae folder is missing/);
    await expect(loadInstructPix2Pix(broken, { schedulerDir: 'scheduler_ddim' })).rejects.toThrow(/tokenizer: .*no-vae\/tokenizer: the tokenizer folder is missing/);
    await expect(loadInstructPix2Pix(path.join(tmp, 'nowhere'))).rejects.toThrow(/nowhere\/model_index\.json: not found/);
    const t2i = path.join(tmp, 't2i');
    fs.cpSync(DIR, t2i, { recursive: true });
    fs.rmSync(path.join(t2i, 'unet'), { recursive: true });
    fs.cpSync(path.join(FIXTURES, 'parity/unet/case_b'), path.join(t2i, 'unet'), { recursive: true });
    await expect(loadInstructPix2Pix(t2i, { tokenizer: false, schedulerDir: 'scheduler_ddim' })).rejects.toThrow(/t2i\/unet\/config\.json: in_channels is 4; InstructPix2Pix needs 8/);
    await expect(edit({ image: tf.zeros([1, 4, 32, 32]) })).rejects.toThrow(/must be RGB as \[B, 3, H, W\].*\(4 channels\)/);
    await expect(edit({ image: tf.zeros([1, 3, 31, 32]) })).rejects.toThrow(/32×31 image is not a multiple of 2 pixels/);
  }, 60_000);
});
