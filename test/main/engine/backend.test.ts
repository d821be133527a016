import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKEND_ORDER, activeBackend, backendOptionsFromEnv, initBackend } from '../../../main/engine/backend.js';

describe('backend choice', () => {
  it('probes every backend in order, activates the one asked for, and keeps each failure reason', async () => {
    const report = await initBackend({ prefer: 'wasm', probeAll: true });
    expect(report.active).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(activeBackend()).toBe(report);
    expect(report.probes.map((p) => p.name)).toEqual([...BACKEND_ORDER]);
    for (const p of report.probes) {
      if (p.status === 'unavailable') expect(p.reason, p.name).toMatch(/\w{8,}/);
    }
    expect(report.probes.find((p) => p.name === 'cpu')!.status).toBe('available');
    // Here the native packages are not installed (their installers need internet): the reason says so.
    const gpu = report.probes.find((p) => p.name === 'tensorflow-gpu')!;
    if (gpu.status === 'unavailable') expect(gpu.reason).toMatch(/tfjs-node-gpu|CUDA|libcud/);
  });

  it('a software WebGPU adapter is never chosen by auto unless allowed', async () => {
    const report = await initBackend({ probeAll: true });
    const webgpu = report.probes.find((p) => p.name === 'webgpu')!;
    if (webgpu.device?.includes('(software)')) expect(webgpu.status).not.toBe('active');
    if (webgpu.status === 'unavailable') expect(webgpu.reason).toMatch(/Vulkan|adapter|software/);
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'webgpu']).toContain(report.active);
    await initBackend({ prefer: 'wasm' });
  });

  it('insisting on an unavailable backend fails with its reason', async () => {
    await expect(initBackend({ prefer: 'tensorflow' })).rejects.toThrow(/no tensor backend could be started \(tensorflow: .*tfjs-node/);
    await initBackend({ prefer: 'wasm' });
  });

  it('reads RIC_BACKEND and rejects unknown names', () => {
    expect(backendOptionsFromEnv({ RIC_BACKEND: 'cpu' })).toEqual({ prefer: 'cpu', allowSoftwareGpu: false });
    expect(backendOptionsFromEnv({ RIC_ALLOW_SOFTWARE_GPU: '1' })).toEqual({ prefer: 'auto', allowSoftwareGpu: true });
    expect(() => backendOptionsFromEnv({ RIC_BACKEND: 'cuda' })).toThrow(/RIC_BACKEND=cuda is not a backend/);
  });

  it('without RIC_BACKEND the Settings choice decides (the jobs pass it); RIC_BACKEND still wins', () => {
    expect(backendOptionsFromEnv({}, 'cpu')).toEqual({ prefer: 'cpu', allowSoftwareGpu: false });
    expect(backendOptionsFromEnv({ RIC_BACKEND: 'wasm' }, 'cpu').prefer).toBe('wasm');
    expect(backendOptionsFromEnv({ RIC_BACKEND: '' }, 'webgpu').prefer).toBe('webgpu');
    expect(backendOptionsFromEnv({}, 'auto').prefer).toBe('auto');
  });
});
