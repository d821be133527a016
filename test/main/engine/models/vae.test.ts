// AutoencoderKL beyond the parity case: the posterior's mode and seeded or injected samples, legacy
// mid-block attention names (query/key/value/proj_attn) loading to the same model, the decoder
// differentiable with frozen weights (issue 15 back-propagates through decode(x̂0)) and checkpointed
// without changing the gradient, and errors that name what is wrong with the input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../../../main/engine/io/safetensors.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import type { AutoencoderKL } from '../../../../main/engine/models/vae/index.js';
import { SeededRandom } from '../../../../main/engine/random.js';
import { FIXTURES } from '../shared-dir.js';

const DIR = path.join(FIXTURES, 'parity/vae');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-vae-'));
let vae: AutoencoderKL;
let image: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('wasm');
  vae = await fromPretrained<AutoencoderKL>(DIR);
  const i = readSafetensors(path.join(DIR, 'inputs.safetensors')).get('image')!;
  image = tf.tensor(i.values, i.shape);
});
afterAll(() => {
  vae.dispose();
  image.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function maxDiff(a: tf.Tensor, b: tf.Tensor | (() => tf.Tensor)): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, typeof b === 'function' ? b() : b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

describe('AutoencoderKL', () => {
  it('posterior: mode is the mean, sample is mean + std·noise (injected or seeded), deterministic per seed', async () => {
    const before = tf.memory().numTensors;
    const post = vae.encode(image);
    const noise = tf.randomNormal(post.mean.shape, 0, 1, 'float32', 7);
    const sampled = post.sample(noise);
    expect(await maxDiff(sampled, () => tf.add(post.mean, tf.mul(post.std, noise)))).toBe(0);
    const [a, b, c] = [post.sample(new SeededRandom(3)), post.sample(new SeededRandom(3)), post.sample(new SeededRandom(4))];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(await maxDiff(a, c)).toBeGreaterThan(0.01);
    const mode = post.mode();
    expect(await maxDiff(mode, post.mean)).toBe(0);
    expect(vae.scalingFactor).toBe(0.18215);
    tf.dispose([noise, sampled, a, b, c, mode]);
    post.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads the mid-block attention under its pre-0.14 names (query/key/value/proj_attn) to the same model', async () => {
    const legacy = path.join(tmp, 'legacy');
    fs.mkdirSync(legacy);
    fs.copyFileSync(path.join(DIR, 'config.json'), path.join(legacy, 'config.json'));
    const old: Record<string, string> = { to_q: 'query', to_k: 'key', to_v: 'value', 'to_out.0': 'proj_attn' };
    const renamed = new Map([...readSafetensors(path.join(DIR, 'model.safetensors'))].map(([n, t]) => [n.replace(/(mid_block\.attentions\.0)\.(to_q|to_k|to_v|to_out\.0)\./, (_m, p: string, k: string) => `${p}.${old[k]}.`), t]));
    expect([...renamed.keys()].some((n) => n.endsWith('attentions.0.proj_attn.weight'))).toBe(true);
    writeSafetensors(path.join(legacy, 'diffusion_pytorch_model.safetensors'), renamed);
    const again = await fromPretrained<AutoencoderKL>(legacy, { strict: true });
    const z = tf.randomNormal([1, 4, 8, 8], 0, 1, 'float32', 1);
    expect(await maxDiff(vae.decode(z), () => again.decode(z))).toBe(0);
    again.dispose();
    z.dispose();
  });

  it('decode is differentiable with the VAE frozen, and checkpointing its blocks leaves the gradient unchanged', async () => {
    const z = tf.randomNormal([1, 4, 8, 8], 0, 1, 'float32', 2);
    const grad = async () => {
      const before = tf.memory().numTensors;
      const g = tf.grad((l: tf.Tensor) => tf.mean(tf.square(vae.decode(l))))(z);
      const out = (await g.data()) as Float32Array;
      g.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const plain = await grad();
    vae.gradientCheckpointing = true;
    const ckpt = await grad();
    vae.gradientCheckpointing = false;
    const scale = Math.max(...Array.from(plain, Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(Math.max(...Array.from(plain, (v, i) => Math.abs(v - ckpt[i]!))) / scale).toBeLessThan(1e-5);
    z.dispose();
  });

  it('names the problem with the input', () => {
    expect(() => vae.encode(tf.zeros([1, 4, 32, 32]))).toThrow(/\[B, 3, H, W\] in \[-1, 1\], got \[1, 4, 32, 32\]/);
    expect(() => vae.encode(tf.zeros([1, 3, 31, 32]))).toThrow(/31×32 is not a multiple of 2/);
    expect(() => vae.decode(tf.zeros([1, 3, 8, 8]))).toThrow(/latents must be \[B, 4, h, w\]/);
  });
});
