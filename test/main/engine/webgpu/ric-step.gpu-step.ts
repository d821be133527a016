// One Region-in-Context training step (Eq. 5–10) against the PyTorch reference ric_step/a on WebGPU
// (SwiftShader), with the wasm test's tolerances (the parity runner's own: tensors and losses 1e-4,
// gradients 2e-4 of each tensor's largest magnitude) — the same frozen-path check as
// test/main/engine/training/editor/ric-step.test.ts, through the WebGPU kernels.
// Opt-in (`npm run test:webgpu-step`), not in the spawned WebGPU suite (../webgpu.test.ts): measured
// 2026-12-05 at load 8–16 on 2 cores, one pass of this case took 1394 s, of which compiling its 208
// pipelines (SwiftShader's LLVM) took 89 s; the rest is SwiftShader executing ~10 900 dispatches
// (5119 binary, 1330 + 550 transpose, 1107 unary, 1084 reduce, 1062 matMul, 201 conv2d; no op ran
// per element and none fell back). A CPU profile put 52 % of the time in the JIT'd shader code and 6 %
// in the driver. A budget of ~120 s in the suite is out of reach by an order of magnitude. Where the
// execution goes (single ops timed on SwiftShader at load ~10, second call): the fixture UNet's
// self-attention at 32×32 latents (1024 tokens, 4 heads of 8) forward + backward 86 s — q·kᵀ as a
// batched matMul [8, 1024, 8]·[8, 8, 1024] alone 20–28 s (MatMulPacked; the small-output program is
// slower still), ~20× an elementwise op over the same 8 M outputs — and a 3×3 conv2d's dx + dw at
// [2, 32, 32, 64] 32 s. Those, not shader compilation, are what a faster SwiftShader run must change.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendOptionsFromEnv, initBackend } from '../../../../main/engine/backend.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  const report = await initBackend(backendOptionsFromEnv());
  expect(report.active).toBe('webgpu');
});

describe('ric_step parity on WebGPU (SwiftShader)', () => {
  it('case a: tensors, losses and gradients match, through the frozen towers', async () => {
    const t0 = performance.now();
    const results = await runParity([path.join(FIXTURES, 'parity/ric_step')]);
    const table = formatParityTable(results);
    console.log(`${table}\n(${((performance.now() - t0) / 1000).toFixed(1)} s on ${tf.getBackend()})`);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), table).toEqual(['ric_step/a pass']);
    const byName = new Map(results[0]!.tensors.map((t) => [t.tensor, t]));
    expect(byName.size).toBe(36);
    for (const g of ['grad_x0_hat_region', 'grad_x0_hat_global', 'grad_noise_pred_total', 'grad/unet.conv_in.weight']) expect(byName.get(g)?.pass, g).toBe(true);
    expect(Math.max(...results[0]!.tensors.map((t) => t.maxAbs))).toBeGreaterThan(0);
  });
});
