// UNet2DConditionModel: the config read the diffusers way (defaults, attention_head_dim as the head
// count, unsupported options named), the state dict's names and shapes against the fixtures'
// manifests and SD 1.5's published size, a saved unet/ folder that loads back bit-identically with
// diffusers' names and dtypes, gradient checkpointing that changes memory and never the gradients,
// and an input size that is not divisible by the upsampling factor.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile, readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { applyConfigDefaults, checkPretrained, fromPretrained, resolveConfig } from '../../../../main/engine/models/registry.js';
import { UNET_DEFAULTS, parseUNetConfig, saveDiffusersUNet, unetParamShapes, type UNet2DConditionModel, type UNetConfig } from '../../../../main/engine/models/unet/index.js';
import { FIXTURES } from '../shared-dir.js';

const root = path.resolve(import.meta.dirname, '../../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-unet-'));
const MAIN = path.join(FIXTURES, 'parity/unet/main');
const CASE_B = path.join(FIXTURES, 'parity/unet/case_b');

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
const parse = (raw: Record<string, unknown>) => parseUNetConfig(applyConfigDefaults(raw, UNET_DEFAULTS, 'diffusers'), 'config.json');
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function inputs(dir: string) {
  const i = readSafetensors(path.join(dir, 'inputs.safetensors'));
  const t = (n: string) => tf.tensor(i.get(n)!.values, i.get(n)!.shape);
  return { sample: t('sample'), states: t('encoder_hidden_states'), timesteps: Array.from(i.get('timestep')!.values) };
}

describe('UNet2DConditionModel config and parameters', () => {
  it.each([MAIN, CASE_B])('%s: every parameter name and shape of the manifest, nothing else', (dir) => {
    const manifest = readJson(path.join(dir, 'README.json')) as { weights: { params: [string, number[], string][]; num_params: number } };
    const config = resolveConfig(dir).config as UNetConfig;
    const shapes = unetParamShapes(config);
    expect([...shapes.entries()]).toEqual(manifest.weights.params.map(([n, s]) => [n, s]));
    expect([...shapes.values()].reduce((a, s) => a + numel(s), 0)).toBe(manifest.weights.num_params);
    expect(checkPretrained(dir)).toMatchObject({ ok: true, unexpected: [], missing: [] });
  });

  it('attention_head_dim is the head count (diffusers issue #2011): 8 for SD 1.x, per block for SD 2.x', () => {
    const sd15 = parse(readJson(path.join(root, 'bench/configs/sd15-unet.json')));
    const shapes = unetParamShapes(sd15);
    // SD 1.5's UNet has 859,520,964 parameters with 4 input channels; InstructPix2Pix widens conv_in to 8.
    expect([...shapes.values()].reduce((a, s) => a + numel(s), 0)).toBe(859_520_964 + 320 * 4 * 9);
    const sd2 = parse({ ...readJson(path.join(root, 'bench/configs/sd15-unet.json')), attention_head_dim: [5, 10, 20, 20], cross_attention_dim: 1024, use_linear_projection: true });
    expect(unetParamShapes(sd2).get('down_blocks.0.attentions.0.proj_in.weight')).toEqual([320, 320]);
    expect(unetParamShapes(sd2).get('down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight')).toEqual([320, 1024]);
  });

  it('applies the class defaults to what config.json leaves out', () => {
    const c = parse({ _class_name: 'UNet2DConditionModel', in_channels: 8 });
    expect(c.block_out_channels).toEqual([320, 640, 1280, 1280]);
    expect(c.cross_attention_dim).toBe(1280);
    expect(c.flip_sin_to_cos).toBe(true);
  });

  it('names the field of an unsupported or inconsistent config', () => {
    expect(() => parse({ num_attention_heads: 8 })).toThrow(/config\.json: field "num_attention_heads"/);
    expect(() => parse({ class_embed_type: 'timestep' })).toThrow(/field "class_embed_type".*Stable Diffusion/);
    expect(() => parse({ down_block_types: ['SimpleCrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D', 'DownBlock2D'] })).toThrow(/field "down_block_types" is "SimpleCrossAttnDownBlock2D"/);
    expect(() => parse({ block_out_channels: [32, 64], down_block_types: ['DownBlock2D', 'DownBlock2D'], up_block_types: ['UpBlock2D', 'UpBlock2D'], norm_num_groups: 24 })).toThrow(/not divisible into norm_num_groups 24/);
    expect(() => parse({ in_channels: 'eight' })).toThrow(/field "in_channels"/);
  });
});

describe('UNet2DConditionModel weights and gradients', () => {
  it('saves a diffusers unet/ folder: config with _class_name and _diffusers_version, the state dict names/shapes/dtypes, bit-identical on reload', async () => {
    const unet = await fromPretrained<UNet2DConditionModel>(CASE_B);
    const out = path.join(tmp, 'saved', 'unet');
    await saveDiffusersUNet(unet, out);
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'diffusion_pytorch_model.safetensors']);
    const config = readJson(path.join(out, 'config.json'));
    expect(config._class_name).toBe('UNet2DConditionModel');
    expect(config._diffusers_version).toBe('0.25.0');
    expect(Object.keys(config)).toEqual(Object.keys(config).sort());
    // every key diffusers' own save wrote for this model, with the same values
    expect(config).toEqual(readJson(path.join(CASE_B, 'config.json')));
    const manifest = readJson(path.join(CASE_B, 'README.json')) as { weights: { params: [string, number[], string][] } };
    const file = SafetensorsFile.open(path.join(out, 'diffusion_pytorch_model.safetensors'));
    const stored = file.names().map((n) => [n, file.entry(n).shape, file.entry(n).dtype === 'F32' ? 'float32' : file.entry(n).dtype]);
    file.close();
    expect(stored.sort()).toEqual([...manifest.weights.params].sort());
    const again = await fromPretrained<UNet2DConditionModel>(out, { strict: true });
    const { sample, states, timesteps } = inputs(CASE_B);
    const [a, b] = [unet.forward(sample, timesteps, states), again.forward(sample, timesteps, states)];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([a, b, sample, states]);
    unet.dispose();
    again.dispose();
  });

  it('gradient checkpointing gives the same gradients for every parameter and leaks nothing', async () => {
    const unet = await fromPretrained<UNet2DConditionModel>(MAIN, { trainable: true });
    const { sample, states, timesteps } = inputs(MAIN);
    const x = tf.slice(sample, [0, 0, 0, 0], [1, -1, 8, 8]);
    const e = tf.slice(states, [0, 0, 0], [1, -1, -1]);
    const grads = async () => {
      const before = tf.memory().numTensors;
      const { value, grads: g } = tf.variableGrads(() => tf.mean(tf.square(unet.forward(x, [timesteps[0]!], e))) as tf.Scalar, unet.params.variables());
      const byId = new Map(unet.params.names().map((n) => [unet.params.get(n).name, n]));
      const out = new Map<string, Float32Array>();
      for (const [k, v] of Object.entries(g)) out.set(byId.get(k)!, (await v.data()) as Float32Array);
      tf.dispose([value, ...Object.values(g)]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const plain = await grads();
    unet.gradientCheckpointing = true;
    const ckpt = await grads();
    expect(plain.size).toBe(unet.params.size);
    expect([...ckpt.keys()].sort()).toEqual([...plain.keys()].sort());
    // A per-channel constant before a GroupNorm with one channel per group (down_blocks.0 here: 32 channels,
    // 32 groups) has a gradient of exactly zero: those parameters hold rounding noise, compared on the global scale.
    const global = Math.max(...[...plain.values()].map((g) => Math.max(...Array.from(g, Math.abs))));
    const maxAbs = (a: Float32Array) => Math.max(...Array.from(a, Math.abs));
    let zeros = 0;
    for (const [name, g] of plain) {
      const c = ckpt.get(name)!;
      if (maxAbs(g) < 1e-6 * global) {
        zeros++;
        expect(maxAbs(c), name).toBeLessThan(1e-6 * global);
        continue;
      }
      expect(Math.max(...Array.from(g, (v, i) => Math.abs(v - c[i]!))) / maxAbs(g), name).toBeLessThan(1e-5);
    }
    expect(zeros).toBeLessThan(plain.size / 10); // e.g. conv1.bias and time_emb_proj of every 32-channel resnet
    tf.dispose([sample, states, x, e]);
    unet.dispose();
  });

  it('runs a latent whose size is not divisible by 2^upsamplers (each up block upsamples to its skip size)', async () => {
    const unet = await fromPretrained<UNet2DConditionModel>(MAIN);
    const y = unet.forward(tf.ones([1, 8, 9, 6]), 10, tf.ones([1, 3, 32]));
    expect(y.shape).toEqual([1, 4, 9, 6]);
    expect(Array.from(await y.data()).every(Number.isFinite)).toBe(true);
    expect(() => unet.forward(tf.ones([1, 4, 8, 8]), 10, tf.ones([1, 3, 32]))).toThrow(/8 channels \(config in_channels\)/);
    expect(() => unet.forward(tf.ones([1, 8, 8, 8]), 10, tf.ones([1, 3, 24]))).toThrow(/cross_attention_dim is 32/);
    tf.dispose(y);
    unet.dispose();
  });
});
