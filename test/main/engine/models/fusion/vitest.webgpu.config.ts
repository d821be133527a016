// The fusion module's and the trainers' gradient checks on WebGPU through Dawn with SwiftShader
// (proves the GPU code path, never its speed), in their own vitest process: the engine's WebGPU
// suite's environment (test/main/engine/webgpu/vitest.webgpu.config.ts), with these files.
import { defineConfig } from 'vitest/config';
import base from '../../webgpu/vitest.webgpu.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/main/engine/models/fusion/*.gpu.ts'],
  },
});
