// One Region-in-Context training step (Eq. 5–10) against the PyTorch reference ric_step/a on wasm:
// every intermediate and loss within 1e-4, the gradients (x̂0, ε̂, UNet parameters) within 2e-4 of
// each tensor's largest magnitude. VAE, CLIP, fusion and BLIP are loaded frozen, so the x̂0 and UNet
// gradients of the region and global terms can only match if the frozen path carries them.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../main/engine/backend.js';
import { formatParityTable, runParity } from '../../../../../main/engine/parity/index.js';
import { FIXTURES } from '../../shared-dir.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('ric_step parity on wasm', () => {
  it('case a: tensors, losses and gradients match, through the frozen towers', { timeout: 240_000 }, async () => {
    const results = await runParity([path.join(FIXTURES, 'parity/ric_step')]);
    const table = formatParityTable(results);
    console.log(table);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), table).toEqual(['ric_step/a pass']);
    const byName = new Map(results[0]!.tensors.map((t) => [t.tensor, t]));
    expect(byName.size).toBe(36);
    // the gradients through the frozen decoder and towers are compared, not skipped
    for (const g of ['grad_x0_hat_region', 'grad_x0_hat_global', 'grad_noise_pred_total', 'grad/unet.conv_in.weight']) expect(byName.get(g)?.pass, g).toBe(true);
    expect(Math.max(...results[0]!.tensors.map((t) => t.maxAbs))).toBeGreaterThan(0);
  });
});
