// `ric edit`, `ric import results` and `ric doctor --model` as a user runs them (the built CLI, the
// job in the engine host): a tiny edit of two ShapesEdit samples into a result set, its outputs
// imported back as another method's results with one stray file reported, and the pre-flight of a
// broken pipeline folder (the good one: test/main/jobs/edit-job.test.ts through the Api).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/app.js';
import { makeTinyPipeline } from '../../helpers/tiny-pipeline.mjs';

const root = path.resolve(import.meta.dirname, '../../..');
const data = tempDir('ric-edit-cli-');
const MODEL = makeTinyPipeline(path.join(data, 'tiny'));
const ric = (args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' },
  });

beforeAll(() => {
  const r = ric(['import', 'shapes', '--count', '3', '--seed', '4', '--size', '64', '--name', 'shapes', '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

describe('ric edit / import results / doctor --model', () => {
  it('edits samples into a result set, then imports a folder of images as another method', async () => {
    const r = ric(['edit', '--model', MODEL, '--dataset', 'shapes', '--name', 'ip2p', '--limit', '2', '--steps', '2', '--scheduler', 'ddim', '--seed', '1', '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; resultSetId: number; edited: number; total: number; backend: string };
    expect(doc).toMatchObject({ ok: true, edited: 2, total: 2, backend: 'wasm' });
    expect(r.stderr).toMatch(/edit job \d+: /);
    // A flag out of range is named as the flag.
    const bad = ric(['edit', '--model', MODEL, '--dataset', 'shapes', '--name', 'x', '--steps', '0']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--steps.*integer from 1 to 1000/);

    // Another tool's outputs: named by the samples' ids; one stray file.
    const out = path.join(data, 'zone-out');
    fs.mkdirSync(out);
    const ids = ['shapes-0000000', 'shapes-0000001', 'shapes-0000002'];
    for (const id of ids) await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } }).png().toFile(path.join(out, `${id}_edited.png`));
    fs.writeFileSync(path.join(out, 'readme.md'), 'outputs of ZONE');
    const imp = ric(['import', 'results', out, '--dataset', 'shapes', '--name', 'zone', '--method', 'ZONE', '--json']);
    // A refused file: exit status 2, with the report naming it.
    expect(imp.status, imp.stderr).toBe(2);
    const report = JSON.parse(imp.stdout) as { ok: boolean; imported: number; unmatched: string[]; errors: { file: string; reason: string }[] };
    expect(report).toMatchObject({ ok: false, imported: 3, unmatched: [] });
    expect(report.errors).toEqual([{ file: 'readme.md', externalId: null, reason: expect.stringMatching(/not an image file/) }]);
    const missing = ric(['import', 'results', path.join(data, 'nope'), '--dataset', 'shapes', '--name', 'zone2']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`${path.join(data, 'nope')} does not exist`);
  }, 180_000);

  it('doctor --model: the pre-flight of a broken pipeline folder fails naming the part', () => {
    const broken = makeTinyPipeline(path.join(data, 'broken'), { parts: ['vae', 'text_encoder', 'tokenizer', 'scheduler'] });
    const r = ric(['doctor', '--backend', 'wasm', '--model', broken, '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; edit: { problems: string[]; parts: { part: string; ok: boolean }[] } };
    expect(doc.ok).toBe(false);
    expect(doc.edit.problems.join('\n')).toContain(`${path.join(broken, 'unet')}: the unet folder is missing`);
    expect(doc.edit.parts.filter((p) => !p.ok).map((p) => p.part)).toEqual(['unet']);
  }, 60_000);
});
