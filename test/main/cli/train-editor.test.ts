// `ric train editor` as a user runs it (the built CLI): a 3-step tiny run with the full loss (random
// frozen towers as folders) through the job system, the run's per-term metrics and its diffusers
// unet/ checkpoint; missing towers and unknown ablations fail before anything is queued.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapesEditorPairs } from '../../../main/data/shapes-pairs.js';
import { TINY_EDITOR_UNET } from '../../helpers/tiny-editor.js';
import { writeRandomTowers } from '../engine/training/editor/towers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-train-editor-cli-'));
const ric = (args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, RIC_BACKEND: 'wasm' } });
let towers: { regionclip: string; blip: string };

beforeAll(async () => {
  const r = ric(['import', 'shapes', '--count', '24', '--seed', '4', '--size', '64', '--name', 'shapes', '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
  const texts = shapesEditorPairs({ seed: 4, count: 24, size: 64 }).flatMap((p) => [p.regionText, p.sceneText]);
  towers = await writeRandomTowers(path.join(data, 'towers'), texts, 9);
}, 60_000);
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

const tinyUnet = TINY_EDITOR_UNET;

describe('ric train editor', () => {
  it('runs a tiny full-loss job: per-term metrics and a diffusers unet/ checkpoint', () => {
    const config = path.join(data, 'editor.json');
    fs.writeFileSync(config, JSON.stringify({ resolution: 16, batch_size: 4, steps: 3, checkpoint_every: 3, tiny_pipeline: { unet: tinyUnet }, validation: { samples: 1, metric_samples: 0, loss_samples: 2, steps: 2 } }));
    const r = ric(['train', 'editor', '--dataset', 'shapes', '--preset', 'tiny', '--config', config, '--regionclip', towers.regionclip, '--blip', towers.blip, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; run: { checkpoints: { step: number; path: string }[]; latest: { key: string }[] } };
    expect(doc.ok).toBe(true);
    expect(doc.run.latest.map((m) => m.key)).toEqual(expect.arrayContaining(['loss', 'loss_denoise', 'loss_region', 'loss_global', 'lr', 'grad_norm', 'step_time_ms', 'val_loss_region', 'val_l1_in']));
    const last = doc.run.checkpoints.at(-1)!;
    expect(last.step).toBe(3);
    const unet = JSON.parse(fs.readFileSync(path.join(data, last.path, 'unet', 'config.json'), 'utf8')) as { _class_name: string; in_channels: number };
    expect(unet).toMatchObject({ _class_name: 'UNet2DConditionModel', in_channels: 6 });
  }, 180_000);

  it('says which tower is missing, and rejects an unknown ablation, before queueing', () => {
    const noTowers = ric(['train', 'editor', '--dataset', 'shapes', '--preset', 'tiny']);
    expect(noTowers.status).not.toBe(0);
    expect(noTowers.stderr).toMatch(/--regionclip RUN\|DIR/);
    const noBlip = ric(['train', 'editor', '--dataset', 'shapes', '--preset', 'tiny', '--regionclip', towers.regionclip]);
    expect(noBlip.stderr).toMatch(/--blip RUN\|DIR/);
    const bad = ric(['train', 'editor', '--dataset', 'shapes', '--preset', 'tiny', '--ablation', 'no_towers']);
    expect(bad.stderr).toMatch(/"ablation"/);
    const notFolder = ric(['train', 'editor', '--dataset', 'shapes', '--preset', 'tiny', '--regionclip', path.join(data, 'nowhere')]);
    expect(notFolder.stderr).toMatch(/neither a run id nor a folder with fusion\/config\.json/);
  });
});
