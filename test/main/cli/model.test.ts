// `ric doctor`, `ric model check` and `ric model parity` as a user runs them (the built CLI).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../engine/shared-dir.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, RIC_BACKEND: 'wasm', ...env } });

describe('ric doctor / model', () => {
  it('doctor --json names the active backend and a reason for each unavailable one', () => {
    const r = ric(['doctor', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { active: string; ok: boolean; probes: { name: string; status: string; reason?: string }[] };
    expect(doc.active).toBe('wasm');
    expect(doc.ok).toBe(true);
    expect(doc.probes).toHaveLength(5);
    for (const p of doc.probes.filter((x) => x.status === 'unavailable')) expect(p.reason).toBeTruthy();
  });

  it('model parity prints the table and passes on the CLIP and ViT fixtures', () => {
    const r = ric(['model', 'parity', path.join(FIXTURES, 'parity/clip'), path.join(FIXTURES, 'metrics/vit')]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/clip\/case_a\s+PASS/);
    expect(r.stdout).toMatch(/logits_per_text\s+\d\.\d\de[-+]\d+\s+\d\.\d\de[-+]\d+\s+1\.00e-4\s+pass/);
    expect(r.stdout).toContain('3 cases: 3 passed, 0 failed');
  });

  it('model parity exits non-zero when a tolerance is not met (--tol 1e-9) and reports it in --json', () => {
    const r = ric(['model', 'parity', '--json', '--tol', '1e-9', path.join(FIXTURES, 'metrics/vit')]);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; cases: { status: string; tensors: { pass: boolean }[] }[] };
    expect(doc.ok).toBe(false);
    expect(doc.cases[0]!.status).toBe('fail');
  });

  it('model check reports a good folder, and names the missing tensor of a bad one', () => {
    const good = ric(['model', 'check', path.join(FIXTURES, 'metrics/vit/dino_a')]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain('ViTModel (model_type vit), 38 tensors');
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-check-'));
    fs.copyFileSync(path.join(FIXTURES, 'metrics/vit/dino_a/config.json'), path.join(bad, 'config.json'));
    fs.copyFileSync(path.join(FIXTURES, 'parity/clip/case_a/model.safetensors'), path.join(bad, 'model.safetensors'));
    const r = ric(['model', 'check', '--json', bad]);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; missing: string[]; unexpected: string[] };
    expect(doc.ok).toBe(false);
    expect(doc.missing).toContain('embeddings.cls_token');
    expect(doc.unexpected).toContain('logit_scale');
    const none = ric(['model', 'check', path.join(bad, 'nope')]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/nope\/config\.json: not found/);
    fs.rmSync(bad, { recursive: true, force: true });
  });
});
