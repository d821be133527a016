// Runs the WebGPU-on-SwiftShader suite (webgpu/*.gpu.ts) in its own vitest process: the Vulkan
// loader is found through LD_LIBRARY_PATH, which only takes effect when a process starts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const swiftshader = process.env.RIC_SWIFTSHADER_DIR ?? '/usr/lib/chromium';

describe('engine on WebGPU with SwiftShader', () => {
  it('layers, CLIP gradients, parity, a few trainer steps and the editor (UNet, VAE, schedulers, an edit) pass in the WebGPU suite', () => {
    expect(fs.existsSync(path.join(swiftshader, 'vk_swiftshader_icd.json')), `SwiftShader not found in ${swiftshader}: apt-get install chromium (or set RIC_SWIFTSHADER_DIR)`).toBe(true);
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/main/engine/webgpu/vitest.webgpu.config.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      // SwiftShader compiles every shader on the CPU: the editor's cases add ~2–4 minutes (measured at load 5–10).
      timeout: 580_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out.slice(-6000)).toBe(0);
    expect(out).toMatch(/Tests\s+9 passed \(9\)/);
  }, 600_000);
});
