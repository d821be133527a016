// Runs the fusion/trainer gradient checks on WebGPU-on-SwiftShader (fusion/*.gpu.ts) in their own
// vitest process (the Vulkan loader is found through LD_LIBRARY_PATH, read when a process starts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../../../..');
const swiftshader = process.env.RIC_SWIFTSHADER_DIR ?? '/usr/lib/chromium';

it('fusion and BLIP training gradients on WebGPU (SwiftShader) match the cpu backend', () => {
  expect(fs.existsSync(path.join(swiftshader, 'vk_swiftshader_icd.json')), `SwiftShader not found in ${swiftshader}: apt-get install chromium (or set RIC_SWIFTSHADER_DIR)`).toBe(true);
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/main/engine/models/fusion/vitest.webgpu.config.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 280_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.status, out.slice(-6000)).toBe(0);
  expect(out).toMatch(/Tests\s+2 passed \(2\)/);
}, 300_000);
