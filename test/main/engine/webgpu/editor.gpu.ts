// The editor's models on WebGPU (SwiftShader): the UNet, VAE and scheduler fixtures through the parity
// runner, a UNet gradient against the cpu backend, and a short InstructPix2Pix edit against wasm. (The layer ops and their gradients — conv2d,
// group norm, upsampling, per-head attention — are in engine.gpu.ts's grad-case comparison.)
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendOptionsFromEnv, initBackend } from '../../../../main/engine/backend.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import type { UNet2DConditionModel } from '../../../../main/engine/models/unet/index.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { readSafetensors } from '../../../../main/engine/io/safetensors.js';
import { loadInstructPix2Pix } from '../../../../main/engine/pipelines/index.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  const report = await initBackend(backendOptionsFromEnv());
  expect(report.active).toBe('webgpu');
});

describe('editor on WebGPU (SwiftShader)', () => {
  it('parity: UNet main, VAE, DDIM/DDPM/Euler-ancestral sequences', { timeout: 300_000 }, async () => {
    const t0 = performance.now();
    const results = await runParity([path.join(FIXTURES, 'parity/unet/main'), path.join(FIXTURES, 'parity/vae'), path.join(FIXTURES, 'parity/schedulers')]);
    const table = formatParityTable(results);
    console.log(`${table}\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), table).toEqual([
      'unet/main pass', 'vae/main pass', 'schedulers/ddim pass', 'schedulers/ddpm pass', 'schedulers/euler_ancestral pass',
    ]);
  });

  it('UNet parameter gradients match the cpu backend', async () => {
    const dir = path.join(FIXTURES, 'parity/unet/main');
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const unet = await fromPretrained<UNet2DConditionModel>(dir, { trainable: true });
      unet.gradientCheckpointing = backend === 'webgpu';
      const x = tf.tensor(Array.from({ length: 8 * 6 * 6 }, (_, i) => Math.sin(i)), [1, 8, 6, 6]);
      const e = tf.tensor(Array.from({ length: 3 * 32 }, (_, i) => Math.cos(i)), [1, 3, 32]);
      const { value, grads: g } = tf.variableGrads(() => tf.mean(tf.square(unet.forward(x, [321], e))) as tf.Scalar, unet.params.variables());
      const byId = new Map(unet.params.names().map((n) => [unet.params.get(n).name, n]));
      const out = new Map<string, Float32Array>();
      for (const [k, v] of Object.entries(g)) out.set(byId.get(k)!, (await v.data()) as Float32Array);
      tf.dispose([value, x, e, ...Object.values(g)]);
      unet.dispose();
      return out;
    };
    const gpu = await grads('webgpu');
    const cpu = await grads('cpu');
    await tf.setBackend('webgpu');
    expect(gpu.size).toBe(208);
    const global = Math.max(...[...cpu.values()].map((g) => Math.max(...Array.from(g, Math.abs))));
    const maxAbs = (a: Float32Array) => Math.max(...Array.from(a, Math.abs));
    for (const [name, g] of cpu) {
      const w = gpu.get(name)!;
      // exactly-zero gradients (a per-channel constant before a one-channel-per-group GroupNorm) hold rounding noise
      if (maxAbs(g) < 1e-5 * global) {
        expect(maxAbs(w), name).toBeLessThan(1e-5 * global);
        continue;
      }
      expect(Math.max(...Array.from(g, (v, i) => Math.abs(v - w[i]!))) / maxAbs(g), name).toBeLessThan(1e-3);
    }
  }, 300_000);

  it('an InstructPix2Pix edit (2 DDIM steps, 16×16) gives the wasm backend\'s result (wasm matches diffusers, pipelines test)', async () => {
    const dir = path.join(FIXTURES, 'parity/ip2p_pipeline/a');
    const inputs = readSafetensors(path.join(dir, 'inputs.safetensors'));
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const { pipeline } = await loadInstructPix2Pix(dir, { tokenizer: false, schedulerDir: 'scheduler_ddim' });
      const t = (n: string) => tf.tensor(inputs.get(n)!.values, inputs.get(n)!.shape, inputs.get(n)!.dtype);
      const [ids, uncond, full] = [t('input_ids'), t('uncond_input_ids'), t('image')];
      const image = tf.slice(full, [0, 0, 0, 0], [1, 3, 16, 16]);
      const r = await pipeline.edit({ image, prompt: ids, negativePromptIds: uncond, steps: 2, seed: 1 });
      const out = (await r.latents.data()) as Float32Array;
      tf.dispose([ids, uncond, full, image, r.image, r.latents]);
      pipeline.dispose();
      return out;
    };
    const gpu = await run('webgpu');
    const cpu = await run('wasm');
    await tf.setBackend('webgpu');
    const scale = Math.max(...Array.from(cpu, Math.abs));
    const rel = Math.max(...Array.from(cpu, (v, i) => Math.abs(v - gpu[i]!))) / scale;
    console.log(`edit latents, WebGPU vs wasm: max error ${rel.toExponential(2)} of the largest magnitude`);
    expect(rel).toBeLessThan(2e-4);
  }, 300_000);
});
