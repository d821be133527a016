// `ric train` as a user runs it (the built CLI): a tiny BLIP on an imported ShapesEdit set through the
// job system, its metric points and checkpoints in the store, the checkpoint a model folder
// `ric model check` accepts; bad configs and datasets fail before anything is queued.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-train-cli-'));
const ric = (args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, RIC_BACKEND: 'wasm' } });
const write = (name: string, value: unknown) => {
  const file = path.join(data, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

beforeAll(() => {
  const r = ric(['import', 'shapes', '--count', '120', '--seed', '2', '--name', 'shapes', '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

describe('ric train', () => {
  it('trains tiny BLIP as a job: metric points, checkpoints and the best score in the store', () => {
    const config = write('blip.json', { batch_size: 16, phases: [{ name: 'blip', epochs: 2, lr: 2e-3 }] });
    const r = ric(['train', 'blip', '--dataset', 'shapes', '--preset', 'tiny', '--config', config, '--workers', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/config's "workers" = 1: in-process/);
    expect(r.stderr).toMatch(/BLIP: \d+ training pairs, \d+ validation pairs/);
    const doc = JSON.parse(r.stdout) as { ok: boolean; run: { id: number; backend: string; checkpoints: { step: number; path: string }[]; latest: { key: string; value: number }[] } };
    expect(doc.ok).toBe(true);
    expect(doc.run.backend).toBe('wasm');
    expect(doc.run.latest.map((m) => m.key)).toEqual(expect.arrayContaining(['loss', 'loss_i2t', 'loss_t2i', 'lr', 'grad_norm', 'tau', 'step_time_ms', 'samples_per_s', 'val_r1', 'val_r5']));
    const last = doc.run.checkpoints.at(-1)!;
    const db = new Database(path.join(data, 'ric.sqlite'), { readonly: true });
    try {
      const steps = db.prepare("SELECT count(*) AS n FROM metric_points WHERE run_id = ? AND key = 'loss'").get(doc.run.id) as { n: number };
      expect(steps.n).toBe(last.step);
      const run = db.prepare('SELECT best_metric_key, best_metric_value, config FROM runs WHERE id = ?').get(doc.run.id) as { best_metric_key: string; best_metric_value: number; config: string };
      expect(run.best_metric_key).toBe('val_r1');
      expect(JSON.parse(run.config)).toMatchObject({ batch_size: 16, max_text_tokens: 64, workers: 1 });
    } finally {
      db.close();
    }
    const check = ric(['model', 'check', path.join(data, last.path), '--json']);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ architecture: 'BlipForImageTextRetrieval', ok: true, unexpected: [] });
  }, 120_000);

  it('rejects a bad config naming the file and the field, before queueing', () => {
    const config = write('bad.json', { batch_size: -4 });
    const r = ric(['train', 'regionclip', '--dataset', 'shapes', '--preset', 'tiny', '--config', config]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(config);
    expect(r.stderr).toContain('"batch_size"');
    for (const family of ['regionclip', 'editor']) {
      const workers = ric(['train', family, '--dataset', 'shapes', '--preset', 'tiny', '--workers', '0']);
      expect(workers.status).not.toBe(0);
      expect(workers.stderr).toMatch(/--workers.*must be auto or a whole number from 1 to 256/);
    }
    const notJson = ric(['train', 'blip', '--dataset', 'shapes', '--config', write('broken.json', '{ nope')]);
    expect(notJson.stderr).toMatch(/broken\.json: invalid JSON/);
  });

  it('names what is missing: the base model without a preset, an unknown dataset', () => {
    const r = ric(['train', 'regionclip', '--dataset', 'shapes']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no base model folder: the paper's settings fine-tune a CLIPModel folder/);
    expect(r.stderr).toMatch(/fix: ric train regionclip --dataset shapes --preset tiny/);
    const d = ric(['train', 'blip', '--dataset', 'nope', '--preset', 'tiny']);
    expect(d.status).not.toBe(0);
    expect(d.stderr).toContain('no dataset "nope"');
  });
});
