// Fine-tuning reads the pretrained temperature (issue 12): a CLIP checkpoint whose logit_scale is not
// the 0.07 default starts Eq. 11's τ at its own value, and the learned τ is saved into the checkpoint's
// model.safetensors where transformers reads it (CLIPModel.logit_scale = log 1/τ), equal to
// trainer_state.json's. BLIP: a folder's `temp` (τ itself, LAVIS's name) starts τ, and the learned one
// is saved there; a folder without it (blip-itm-base-coco as transformers ships it) starts at 0.07.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../../../main/engine/io/safetensors.js';
import { fromPretrained } from '../../../../main/engine/models/registry.js';
import type { BlipForImageTextRetrieval } from '../../../../main/engine/models/blip/index.js';
import { parseBlipTrainingConfig, parseRegionClipConfig, readTrainerState, trainBlip, trainRegionClip } from '../../../../main/engine/training/index.js';
import { writeWordTokenizer } from '../../../../main/engine/training/text.js';
import { FIXTURES } from '../shared-dir.js';
import { shapesPairs } from './shapes-pairs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-temperature-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { region, scene } = shapesPairs(40, 5);

/** A fixture model folder with a word tokenizer, its weights rewritten with `set` applied. */
function folder(fixture: string, name: string, texts: string[], window: number, set: Record<string, number>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, fixture, 'config.json'), path.join(dir, 'config.json'));
  const tensors = readSafetensors(path.join(FIXTURES, fixture, 'model.safetensors'));
  for (const [k, v] of Object.entries(set)) tensors.set(k, { dtype: 'float32', shape: [], values: Float32Array.of(v) });
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  writeWordTokenizer(dir, texts, window);
  return dir;
}

const scalar = (file: string, name: string) => readSafetensors(file).get(name)!.values[0]!;

it('Region-CLIP starts from the CLIP checkpoint\'s logit_scale and saves the learned one into clip/model.safetensors', async () => {
  const tau0 = 0.02; // logit_scale 3.912, not the 0.07 (2.6593) a fresh CLIP has
  const base = folder('parity/clip/case_a', 'clip', region.map((p) => p.text), 77, { logit_scale: Math.log(1 / tau0) });
  const taus: number[] = [];
  const logs: string[] = [];
  const config = parseRegionClipConfig({ base_model: base, batch_size: 16, micro_batch_size: 16, fusion: { num_heads: 4 }, keep_checkpoints: 0, phases: [{ name: 'fusion', epochs: 2, lr: 5e-3 }] });
  const result = await trainRegionClip({
    config,
    pairs: region,
    outputDir: path.join(tmp, 'rc'),
    callbacks: { onMetrics: (_s, v) => void (v.tau !== undefined && taus.push(v.tau)), onLog: (_l, m) => logs.push(m) },
  });
  expect(logs.find((m) => m.startsWith('τ starts at'))).toMatch(/τ starts at 0\.02000, from CLIP's logit_scale 3\.9120/);
  // The first step moved τ by at most a learning rate's worth: it began at 0.02, not at 0.07.
  expect(Math.abs(Math.log(taus[0]! / tau0))).toBeLessThan(0.01);
  expect(taus.at(-1)!).not.toBeCloseTo(tau0, 6);
  const ckpt = result.finalCheckpoint!;
  const state = readTrainerState(ckpt);
  const saved = scalar(path.join(ckpt, 'clip', 'model.safetensors'), 'logit_scale');
  expect(saved).toBe(Math.fround(state.logScale!));
  expect(1 / Math.exp(saved)).toBeCloseTo(taus.at(-1)!, 6);
  expect(saved).not.toBeCloseTo(Math.log(1 / tau0), 4);
  // The saved folder loads (strictly) as a CLIPModel whose logit_scale is the learned one.
  const clip = await fromPretrained(path.join(ckpt, 'clip'), { strict: true });
  expect((await clip.params.get('logit_scale').data())[0]).toBe(saved);
  clip.dispose();
}, 120_000);

it('BLIP starts from a folder\'s temp (else 0.07) and saves the learned τ as temp', async () => {
  const base = folder('parity/blip_itr', 'blip', scene.map((p) => p.text), 64, { temp: 0.05 });
  const logs: string[] = [];
  const taus: number[] = [];
  const config = parseBlipTrainingConfig({ base_model: base, batch_size: 12, micro_batch_size: 12, keep_checkpoints: 0, phases: [{ name: 'blip', epochs: 1, lr: 5e-3 }] });
  const result = await trainBlip({ config, pairs: scene, outputDir: path.join(tmp, 'blip'), callbacks: { onLog: (_l, m) => logs.push(m), onMetrics: (_s, v) => void (v.tau !== undefined && taus.push(v.tau)) } });
  expect(logs.find((m) => m.startsWith('τ starts at'))).toMatch(/τ starts at 0\.05000, from BLIP's temp/);
  expect(Math.abs(Math.log(taus[0]! / 0.05))).toBeLessThan(0.01);
  const ckpt = result.finalCheckpoint!;
  const temp = scalar(path.join(ckpt, 'model.safetensors'), 'temp');
  expect(temp).toBeCloseTo(Math.exp(-readTrainerState(ckpt).logScale!), 6);
  expect(temp).toBeCloseTo(taus.at(-1)!, 6);
  // `temp` is not a parameter of BlipForImageTextRetrieval: a strict load accepts the folder all the same.
  const model = await fromPretrained<BlipForImageTextRetrieval>(ckpt, { strict: true });
  expect(model.loadReport.unexpected).toEqual([]);
  model.dispose();

  // The transformers layout has no temp: BLIP's own initial value.
  const plain = folder('parity/blip_itr', 'blip-plain', scene.map((p) => p.text), 64, {});
  const plainLogs: string[] = [];
  await trainBlip({ config: parseBlipTrainingConfig({ ...config, base_model: plain, max_steps: 1 }), pairs: scene, outputDir: path.join(tmp, 'blip-plain-run'), callbacks: { onLog: (_l, m) => plainLogs.push(m) } });
  expect(plainLogs).toContain('τ starts at 0.07 (the base model carries no temperature)');
}, 120_000);
