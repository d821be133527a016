// Run bundles between two real stores (issue 19): a run with a metric curve, checkpoint folders and a
// stored sample image goes out of one store and into another without loss; the same bundle twice
// adds nothing; a newer bundle of the run replaces it whole; a bundle from a newer schema, a
// tampered metrics file or a missing checkpoint file is refused with its file named, and nothing of
// it is left in the store (rows or files).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRunBundle, readManifest, writeRunBundle } from '../../../main/cluster/bundle.js';
import type { TestApp } from '../../helpers/app.js';
import { scopedApps } from '../../helpers/scoped-apps.js';
import { sqlOf } from '../../helpers/sql.js';

const { app, scratch } = scopedApps('ric-bundle-');

/** A finished run with 3 keys × 50 steps, two checkpoint folders and a sample pointing at a blob. */
function seedRun(t: TestApp, steps = 50): number {
  const store = t.app.store;
  const runId = store.runs.create({ jobId: null, kind: 'regionclip', name: 'seeded', datasetId: null, config: { batch_size: 8, phases: [{ name: 'fusion', epochs: 2, lr: 1e-3 }] }, seed: 3, codeVersion: 'test' });
  const w = store.runs.metricWriter();
  for (let s = 1; s <= steps; s++) {
    w.add(runId, 'loss', s, 2 / s, 1_000 + s);
    w.add(runId, 'lr', s, 1e-3, 1_000 + s);
    if (s % 10 === 0) w.add(runId, 'val_r1', s, s / 100, 1_000 + s);
  }
  w.close();
  for (const step of [25, 50]) {
    const dir = path.join(t.dataDir, 'runs', String(runId), `step-${step}`);
    fs.mkdirSync(path.join(dir, 'fusion'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'fusion', 'model.safetensors'), Buffer.alloc(1000 + step, step));
    fs.writeFileSync(path.join(dir, 'trainer_state.json'), JSON.stringify({ step }));
    store.runs.addCheckpoint(runId, { step, path: path.relative(t.dataDir, dir), size: 2000, validationScore: step / 100, metrics: { val_r1: step / 100 } });
  }
  const blob = store.blobs.put(Buffer.from('\x89PNG\r\n\x1a\nnot really a png but bytes'));
  store.runs.replaceSamples(runId, 50, [{ kind: 'retrieval', payload: { query: 'a red circle', hits: [1, 2] }, blobSha256: blob.sha256 }]);
  store.runs.recordBest(runId, 'val_r1', 0.5);
  store.runs.setStatus(runId, 'completed', { started: '2026-12-05T09:00:00.000Z', finishedAt: '2026-12-05T09:10:00.000Z' });
  return runId;
}

const count = (t: TestApp, sql: string, ...args: unknown[]) => (sqlOf(t.app.store).prepare(sql).get(...args) as { n: number }).n;

describe('run bundles', () => {
  it('move a run between stores without loss, and importing twice adds nothing', async () => {
    const a = app();
    const b = app();
    const runId = seedRun(a);
    const out = path.join(scratch(), 'bundle');
    const exp = await writeRunBundle(a.app.store, runId, out, 'all');
    expect(exp).toMatchObject({ points: 50 * 2 + 5, checkpoints: 2 });

    const first = await importRunBundle(b.app.store, out);
    expect(first).toMatchObject({ outcome: 'imported', points: 105, checkpoints: 2, uid: a.app.store.runs.uid(runId) });
    const src = a.app.store.runs.get(runId)!;
    const dst = b.app.store.runs.get(first.runId)!;
    expect(dst).toMatchObject({ name: src.name, kind: src.kind, seed: 3, status: 'completed', config: src.config, bestMetricKey: 'val_r1', bestValidationScore: 0.5, startedAt: src.startedAt, finishedAt: src.finishedAt, lastStep: 50 });
    for (const key of ['loss', 'lr', 'val_r1']) expect(b.app.store.runs.metricHistory(first.runId, key)).toEqual(a.app.store.runs.metricHistory(runId, key));
    expect(dst.latest).toEqual(src.latest);
    // The decimated series reads the rollups the import rebuilt.
    expect(b.app.store.runs.series(first.runId, 'loss', 4)).toEqual(a.app.store.runs.series(runId, 'loss', 4));
    // Checkpoint files, byte for byte, in the importing store.
    expect(dst.checkpoints.map((c) => c.step)).toEqual([25, 50]);
    for (const [i, c] of dst.checkpoints.entries()) {
      const from = path.join(a.dataDir, src.checkpoints[i]!.path);
      const to = path.join(b.dataDir, c.path);
      expect(fs.readFileSync(path.join(to, 'fusion', 'model.safetensors'))).toEqual(fs.readFileSync(path.join(from, 'fusion', 'model.safetensors')));
      expect(fs.readFileSync(path.join(to, 'trainer_state.json'), 'utf8')).toBe(fs.readFileSync(path.join(from, 'trainer_state.json'), 'utf8'));
    }
    const samples = b.app.store.runs.samples(first.runId);
    expect(samples.samples).toHaveLength(1);
    expect(samples.samples[0]!.payload).toEqual({ query: 'a red circle', hits: [1, 2] });
    expect(b.app.store.blobs.read(samples.samples[0]!.blobSha256!)).toEqual(a.app.store.blobs.read(samples.samples[0]!.blobSha256!));

    const runsBefore = count(b, 'SELECT count(*) AS n FROM runs');
    const pointsBefore = count(b, 'SELECT count(*) AS n FROM metric_points');
    const again = await importRunBundle(b.app.store, out);
    expect(again).toMatchObject({ outcome: 'unchanged', runId: first.runId, points: 0 });
    expect(count(b, 'SELECT count(*) AS n FROM runs')).toBe(runsBefore);
    expect(count(b, 'SELECT count(*) AS n FROM metric_points')).toBe(pointsBefore);
    // Back into the store that made it: left as it is.
    expect((await importRunBundle(a.app.store, out)).outcome).toBe('local');
  });

  it('a newer bundle of a run replaces it whole; only the last checkpoint carried when asked', async () => {
    const a = app();
    const b = app();
    const runId = seedRun(a, 30);
    const out = path.join(scratch(), 'bundle');
    await writeRunBundle(a.app.store, runId, out, 'last');
    const first = await importRunBundle(b.app.store, out);
    expect(first.checkpoints).toBe(1);
    const cps = b.app.store.runs.get(first.runId)!.checkpoints;
    expect(cps.map((c) => c.step)).toEqual([25, 50]);
    expect(fs.existsSync(path.join(b.dataDir, cps[0]!.path))).toBe(false); // a reference only
    expect(fs.existsSync(path.join(b.dataDir, cps[1]!.path, 'trainer_state.json'))).toBe(true);
    // The run goes on at its source; a second export replaces the first bundle in place.
    const w = a.app.store.runs.metricWriter();
    for (let s = 31; s <= 40; s++) w.add(runId, 'loss', s, 2 / s, 2_000 + s);
    w.close();
    await writeRunBundle(a.app.store, runId, out, 'last');
    const second = await importRunBundle(b.app.store, out);
    expect(second).toMatchObject({ outcome: 'updated', runId: first.runId });
    expect(b.app.store.runs.metricHistory(first.runId, 'loss').map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(b.app.store.runs.get(first.runId)!.lastStep).toBe(40);
    // The replaced bundle's checkpoint files are gone, the new ones in place.
    const folders = fs.readdirSync(path.join(b.dataDir, 'runs', `bundle-${second.uid}`));
    expect(folders).toEqual([second.digest.slice(0, 16)]);
  });

  it('refuses a bundle from a newer schema, a tampered metrics file or a missing file; nothing is half-imported', async () => {
    const a = app();
    const b = app();
    const runId = seedRun(a);
    const root = scratch();
    const out = path.join(root, 'bundle');
    await writeRunBundle(a.app.store, runId, out, 'all');
    const manifestFile = path.join(out, 'bundle.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    const state = () => ({ runs: count(b, 'SELECT count(*) AS n FROM runs'), points: count(b, 'SELECT count(*) AS n FROM metric_points'), files: fs.existsSync(path.join(b.dataDir, 'runs')) ? fs.readdirSync(path.join(b.dataDir, 'runs'), { recursive: true }).length : 0 });
    const before = state();

    const newer = path.join(root, 'newer');
    fs.cpSync(out, newer, { recursive: true });
    fs.writeFileSync(path.join(newer, 'bundle.json'), JSON.stringify({ ...manifest, schemaVersion: 999, run: { uid: 'x', shape: 'of the future' } }));
    await expect(importRunBundle(b.app.store, newer)).rejects.toThrow(/newer RIC Studio.*store schema 999.*upgrade RIC Studio/);
    fs.writeFileSync(path.join(newer, 'bundle.json'), JSON.stringify({ ...manifest, bundleVersion: 7 }));
    await expect(importRunBundle(b.app.store, newer)).rejects.toThrow(/bundle format 7 was written by a newer RIC Studio/);

    // One metric line changed after writing: the line is valid, the hash is not.
    const tampered = path.join(root, 'tampered');
    fs.cpSync(out, tampered, { recursive: true });
    const metrics = path.join(tampered, 'metrics.jsonl');
    fs.writeFileSync(metrics, fs.readFileSync(metrics, 'utf8').replace('"value":2,', '"value":3,'));
    await expect(importRunBundle(b.app.store, tampered)).rejects.toThrow(/metrics\.jsonl: its sha256 differs/);
    fs.writeFileSync(metrics, `${fs.readFileSync(metrics, 'utf8')}{"key":"loss","step":"x"}\n`);
    await expect(importRunBundle(b.app.store, tampered)).rejects.toThrow(/metrics\.jsonl:106: step/);

    // A checkpoint file missing after the first checkpoint's files were copied: those are removed.
    const missing = path.join(root, 'missing');
    fs.cpSync(out, missing, { recursive: true });
    fs.rmSync(path.join(missing, 'checkpoints', '50', 'fusion', 'model.safetensors'));
    await expect(importRunBundle(b.app.store, missing)).rejects.toThrow(/checkpoints\/50\/fusion\/model\.safetensors is missing/);

    const escape = path.join(root, 'escape');
    fs.cpSync(out, escape, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(escape, 'bundle.json'), 'utf8')) as { blobs: { path: string }[] };
    m.blobs[0]!.path = '../../etc/passwd';
    fs.writeFileSync(path.join(escape, 'bundle.json'), JSON.stringify(m));
    await expect(importRunBundle(b.app.store, escape)).rejects.toThrow(/field blobs\.0\.path: must be a relative path inside the bundle/);

    await expect(importRunBundle(b.app.store, path.join(root, 'nowhere'))).rejects.toThrow(/is not a run bundle: it has no bundle\.json/);
    expect(state()).toEqual(before);
    // The good bundle still imports afterwards.
    expect((await importRunBundle(b.app.store, out)).outcome).toBe('imported');
    expect(readManifest(out).manifest.run.uid).toBe(a.app.store.runs.uid(runId));
  });

  it('goes through the Api and refuses to overwrite a folder that is not its bundle', async () => {
    const a = app();
    const runId = seedRun(a, 5);
    const taken = scratch();
    fs.writeFileSync(path.join(taken, 'notes.txt'), 'mine');
    await expect(a.client.call('runs.export', { id: runId, path: taken })).rejects.toThrow(/exists and is not a bundle of run/);
    expect(fs.readFileSync(path.join(taken, 'notes.txt'), 'utf8')).toBe('mine');
    await expect(a.client.call('runs.export', { id: 9999, path: path.join(taken, 'x') })).rejects.toThrow(/run 9999 not found/);
    const b = app();
    const out = path.join(taken, 'bundle');
    const r = await a.client.call('runs.export', { id: runId, path: out, checkpoints: 'none' });
    expect(r.checkpoints).toBe(0);
    const imported = await b.client.call('runs.import', { path: out });
    expect(imported.outcome).toBe('imported');
    await expect(b.client.call('runs.import', { path: taken })).rejects.toMatchObject({ code: 'invalid_args' });
  });
});
