// The fusion module's and the trainers' gradient checks on WebGPU through Dawn with SwiftShader
// (proves the GPU code path, never its speed), in their own vitest process: the Vulkan loader is
// found through LD_LIBRARY_PATH, which must be set before a process starts. Same environment as
// the engine's WebGPU suite (test/main/engine/webgpu/vitest.webgpu.config.ts).
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const CHROMIUM_LIB = process.env.RIC_SWIFTSHADER_DIR ?? '/usr/lib/chromium';

export default defineConfig({
  test: {
    include: ['test/main/engine/models/fusion/*.gpu.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    env: {
      LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      VK_ICD_FILENAMES: path.join(CHROMIUM_LIB, 'vk_swiftshader_icd.json'),
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? os.tmpdir(),
      RIC_BACKEND: 'webgpu',
      RIC_ALLOW_SOFTWARE_GPU: '1',
    },
  },
});
