// The parity runner on the shared fixtures (CLIP cases and DINO ViT), on the wasm backend.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import { findCases, formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('parity on wasm', () => {
  it('finds every case manifest under a tree, not the merged top-level README.json', () => {
    const cases = findCases(path.join(FIXTURES, 'parity')).map((d) => path.relative(FIXTURES, d));
    expect(cases).toEqual(expect.arrayContaining(['parity/clip/case_a', 'parity/clip/case_b', 'parity/blip_itr', 'parity/schedulers/ddim']));
    expect(cases).not.toContain('parity');
  });

  it('CLIP case_a (quick_gelu, legacy eos=2 argmax pooling) and case_b (gelu, eos id pooling, 3 texts × 2 images)', async () => {
    const results = await runParity([path.join(FIXTURES, 'parity/clip')]);
    const table = formatParityTable(results);
    expect(results.map((r) => [r.case, r.status]), table).toEqual([['case_a', 'pass'], ['case_b', 'pass']]);
    for (const r of results) expect(r.tensors.length).toBe(13);
    // the errors are real measurements, not zeros
    expect(Math.max(...results.flatMap((r) => r.tensors.map((t) => t.maxAbs)))).toBeGreaterThan(0);
  });

  it('DINO ViT (layer_norm_eps 1e-6 from config.json, patch conv with bias)', async () => {
    const results = await runParity([path.join(FIXTURES, 'metrics/vit')]);
    expect(results.map((r) => [r.case, r.status]), formatParityTable(results)).toEqual([['dino_a', 'pass']]);
    expect(results[0]!.tensors.map((t) => t.tensor)).toEqual(['embeddings', 'encoder_output_pre_layernorm', 'last_hidden_state', 'cls_token', 'mean_all_tokens', 'mean_patch_tokens']);
  });
});
