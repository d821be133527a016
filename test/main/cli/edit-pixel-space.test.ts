// The tiny editor's pixel-space pipeline folder (no VAE, 32 px) in the places a user meets it: the
// pre-flight (`ric doctor --model`, the Edit view's check), `ric edit` into a result set, the Edit
// view's single-image job through the Api, and `ric eval --preset shapes` on the result — the demo's
// path from an editor to its edit-accuracy figures. Bad pixel-space folders are named by file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planEdit } from '../../../main/engine/pipelines/preflight.js';
import { editSingleResultSchema } from '../../../shared/api/index.js';
import { openTestApp, tempDir } from '../../helpers/app.js';
import { makePixelPipeline } from '../../helpers/pixel-pipeline.js';
import { importShapes, waitState } from '../jobs/helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const data = tempDir('ric-edit-pixel-');
const MODEL = path.join(data, 'pixel-editor');
const env = { ...process.env, RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' };
const ric = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...args], { cwd: root, encoding: 'utf8', env });

beforeAll(async () => {
  await makePixelPipeline(MODEL, 3);
  const r = ric(['import', 'shapes', '--count', '8', '--seed', '4', '--size', '32', '--name', 'shapes', '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
}, 120_000);
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

describe('a pixel-space pipeline folder (the tiny editor)', () => {
  it('pre-flight: no VAE part, 32 px native, resident; a UNet of the wrong width is named', () => {
    const plan = planEdit(MODEL, { backend: 'wasm' });
    expect(plan.problems).toEqual([]);
    expect(plan.parts.find((p) => p.part === 'vae')).toMatchObject({ dir: null, ok: true });
    expect(plan).toMatchObject({ nativeResolution: 32, resolution: 32, vaeConfig: null, memory: { layout: 'resident' } });
    expect(plan.memory!.resident.weights).toBeGreaterThan(4 * 1e6); // the ~1.04 M-parameter UNet in float32, no VAE
    const doctor = ric(['doctor', '--backend', 'wasm', '--model', MODEL, '--json']);
    expect(doctor.status, doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, edit: { problems: [], nativeResolution: 32 } });

    const bad = path.join(data, 'bad-editor');
    fs.cpSync(MODEL, bad, { recursive: true });
    const cfgFile = path.join(bad, 'unet', 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, in_channels: 8 }));
    expect(planEdit(bad, { backend: 'wasm' }).problems[0]).toBe(`${cfgFile}: in_channels is 8; a pixel-space pipeline ("vae": [null, null] in model_index.json) needs 6 (noisy image + source image)`);
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, out_channels: 4 }));
    expect(planEdit(bad, { backend: 'wasm' }).problems[0]).toBe(`${cfgFile}: out_channels is 4; a pixel-space UNet predicts 3 (an RGB image's noise)`);
  });

  it('ric edit writes a result set at 32 px; ric eval --preset shapes gives edit accuracy overall and per kind', () => {
    const r = ric(['edit', '--model', MODEL, '--dataset', 'shapes', '--name', 'pixel', '--steps', '2', '--scheduler', 'ddim', '--seed', '1', '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, edited: 8, total: 8, errors: [], layout: 'resident' });

    const e = ric(['eval', '--results', 'pixel', '--preset', 'shapes', '--json']);
    expect(e.status, e.stderr + e.stdout).toBe(0);
    const doc = JSON.parse(e.stdout) as { ok: boolean; evaluation: { presetName: string; done: number; errors: number; aggregates: { metric: string; region: string; mean: number; n: number }[] } };
    expect(doc).toMatchObject({ ok: true, evaluation: { presetName: 'shapes', done: 8, errors: 0 } });
    const rows = new Map(doc.evaluation.aggregates.map((a) => [`${a.metric}.${a.region}`, a]));
    const acc = rows.get('editAcc.full')!;
    expect(acc.n).toBeGreaterThanOrEqual(7);
    expect(acc.mean).toBeGreaterThanOrEqual(0);
    expect(acc.mean).toBeLessThanOrEqual(100);
    const kinds = ['editAccRecolour', 'editAccRemove', 'editAccAdd', 'editAccMove', 'editAccResize'].map((k) => rows.get(`${k}.full`)).filter((a) => !!a);
    expect(kinds.reduce((s, a) => s + a.n, 0)).toBe(acc.n);
    // Overall accuracy is the per-kind accuracies weighted by their counts.
    expect(kinds.reduce((s, a) => s + a.mean * a.n, 0) / acc.n).toBeCloseTo(acc.mean, 8);
    expect(rows.get('editScore.full')!.n).toBe(acc.n);
    for (const k of ['psnr.full', 'l1.inside', 'l1.outside']) expect(rows.get(k)!.n, k).toBe(8);
  }, 180_000);

  it("the Edit view's single-image job runs it with previews", async () => {
    const t = openTestApp();
    const prev = { backend: process.env['RIC_BACKEND'], workers: process.env['RIC_ENGINE_WORKERS'] };
    process.env['RIC_BACKEND'] = 'wasm';
    process.env['RIC_ENGINE_WORKERS'] = '1';
    try {
      const check = await t.client.call('edit.check', { model: MODEL });
      expect(check).toMatchObject({ problems: [], nativeResolution: 32, memory: { layout: 'resident' } });
      const datasetId = await importShapes(t, 2);
      const sampleId = (await t.client.call('samples.query', { datasetId, limit: 1 })).items[0]!.id;
      const previews: number[] = [];
      const off = t.client.on('edit.preview', (p) => void previews.push(p.step));
      const { jobId } = await t.client.call('edit.start', { mode: 'single', sampleId, instruction: 'make the red circle blue', model: MODEL, steps: 2, guidanceScale: 3, imageGuidanceScale: 1.5, seed: 2, previewEvery: 1 });
      const job = await waitState(t, jobId, ['completed', 'failed'], 120_000);
      off();
      expect(job.error).toBeNull();
      const result = editSingleResultSchema.parse(job.result);
      expect(result).toMatchObject({ resolution: 32, outputs: [{ index: 0, image: { width: 32, height: 32 } }] });
      expect(previews.length).toBeGreaterThanOrEqual(1);
    } finally {
      await t.app.context.jobs.close();
      t.close();
      for (const [k, v] of [['RIC_BACKEND', prev.backend], ['RIC_ENGINE_WORKERS', prev.workers]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 180_000);
});
