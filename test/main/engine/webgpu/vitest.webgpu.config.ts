// The engine suite on WebGPU through Dawn with the SwiftShader Vulkan driver (a CPU rasteriser:
// proves the GPU code path, never its speed). Run by ../webgpu.test.ts in its own vitest process,
// because the Vulkan loader is found through LD_LIBRARY_PATH, which must be set before a process
// starts (Debian's chromium package ships both libvulkan.so.1 and the SwiftShader ICD).
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const CHROMIUM_LIB = process.env.RIC_SWIFTSHADER_DIR ?? '/usr/lib/chromium';

export default defineConfig({
  test: {
    include: ['test/main/engine/webgpu/*.gpu.ts'],
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
