// The base editor's command (issue 18): scripts/train-base-editor.mjs, now a thin wrapper over
// main/demo/base-editor*.ts, keeps its flags; run twice with the same seeds it reproduces its first
// steps exactly (what lets MADE_BY.json's command stand for the shipped checkpoint), and --export
// writes a pipeline folder with MADE_BY.json that says what made it. 2 steps at batch 4, 48 pairs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-base-editor-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = path.join(tmp, 'small.json');
fs.writeFileSync(config, JSON.stringify({ batch_size: 4, checkpoint_every: 2, validation: { samples: 1, metric_samples: 2, loss_samples: 2, steps: 2 } }));
const script = (...a: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'scripts/train-base-editor.mjs'), ...a], { cwd: root, encoding: 'utf8', env: { ...process.env, RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' } });
const losses = (out: string) =>
  fs
    .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((m) => m['loss'] !== undefined)
    .map((m) => [m['step'], m['loss']]);

describe('scripts/train-base-editor.mjs', () => {
  it('reproduces its first steps from the same seeds, and exports a pipeline folder with MADE_BY.json', () => {
    const flags = ['--seed', '3', '--data-seed', '5', '--count', '48', '--steps', '2', '--config', config];
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    for (const out of [a, b]) {
      const r = script('--out', out, ...flags);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/done: 2 steps/);
    }
    const la = losses(a);
    expect(la.map(([s]) => s)).toEqual([1, 2]);
    expect(losses(b)).toEqual(la);

    const exported = path.join(tmp, 'exported');
    const e = script('--out', a, ...flags, '--export', exported);
    expect(e.status, e.stderr).toBe(0);
    for (const part of ['model_index.json', 'unet/config.json', 'text_encoder/config.json', 'tokenizer', 'scheduler']) expect(fs.existsSync(path.join(exported, part)), part).toBe(true);
    const made = JSON.parse(fs.readFileSync(path.join(exported, 'MADE_BY.json'), 'utf8')) as Record<string, unknown>;
    expect(made).toMatchObject({
      command: 'node scripts/train-base-editor.mjs --out DIR --seed 3 --data-seed 5 --count 48 --steps 2',
      seed: 3,
      data: { seed: 5, count: 48, size: 32 },
      step: 2,
      unet: 'unet_ema',
    });
    expect((made['config'] as { ablation: string }).ablation).toBe('baseline');
  }, 240_000);
});
