// The shipped base editor (resources/base-editor, the demo's prior checkpoint) is reproducible: the
// command recorded in its MADE_BY.json, re-run here for its first steps, gives the same training losses
// as the run that made the checkpoint (same seed, same ShapesEdit draw, same initial weights). Only the
// validation is switched off (it draws from its own seeded samples and does not touch training's RNG).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const made = path.join(root, 'resources/base-editor/MADE_BY.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-base-repro-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface StepRecord {
  step: number;
  loss: number;
}

describe('the shipped base editor', () => {
  it('records how it was made, and its command reproduces the first training steps', { timeout: 300_000 }, async () => {
    const meta = JSON.parse(fs.readFileSync(made, 'utf8')) as { command: string; seed: number; step: number; data: { seed: number; count: number }; first_steps: StepRecord[]; validation: Record<string, number> | null };
    expect(meta.command).toMatch(/^node scripts\/train-base-editor\.mjs /);
    expect(meta.step).toBeGreaterThan(meta.first_steps.length);
    expect(meta.first_steps.length).toBeGreaterThanOrEqual(2);
    const first = meta.first_steps.slice(0, 2);
    const noValidation = path.join(tmp, 'no-validation.json');
    fs.writeFileSync(noValidation, JSON.stringify({ validation: { samples: 0, metric_samples: 0 } }));
    const out = path.join(tmp, 'run');
    await promisify(execFile)(process.execPath, ['scripts/train-base-editor.mjs', '--out', out, '--seed', String(meta.seed), '--data-seed', String(meta.data.seed), '--count', String(meta.data.count), '--steps', String(first.length), '--config', noValidation], {
      cwd: root,
      env: { ...process.env, RIC_ENGINE_WORKERS: '1' },
      maxBuffer: 16 << 20,
    });
    const got = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Partial<StepRecord>)
      .filter((r): r is StepRecord => r.loss !== undefined);
    expect(got.map((r) => r.step)).toEqual(first.map((r) => r.step));
    // wasm is deterministic on one thread: the same losses to float32 rounding
    for (let i = 0; i < first.length; i++) expect(Math.abs(got[i]!.loss - first[i]!.loss), `step ${first[i]!.step}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(first[i]!.loss)));
  });
});
