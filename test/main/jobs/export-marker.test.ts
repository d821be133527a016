// A pipeline exported from a training checkpoint (the demo's editors under <data>/demo/editors/)
// carries EXPORTED_FROM.json; an edit with that folder records the run and checkpoint on its result
// set only when this store has that checkpoint in that run — the marker is a claim, checked — and the
// ablation table then reads the runs' switches (`run.ablation: baseline → full`) instead of two paths.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_MARKER, exportPipeline, readExportMarker, writeExportMarker } from '../../../main/engine/training/editor/export.js';
import { runCheckpointOf } from '../../../main/jobs/edit-settings.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { seedEvalDataset } from '../../helpers/eval-seed.js';

describe('export markers', () => {
  let t: TestApp;
  let outside: string;
  const runs: Record<'baseline' | 'full', { runId: number; checkpointId: number; path: string }> = {} as never;
  beforeAll(() => {
    t = openTestApp();
    outside = tempDir('ric-export-');
    const { store } = t.app;
    for (const ablation of ['baseline', 'full'] as const) {
      const runId = store.runs.create({ jobId: null, kind: 'editor', name: ablation, datasetId: null, config: { ablation, steps: 60, seed: ablation === 'full' ? 1 : 0 }, seed: 0, codeVersion: 't' });
      const rel = `runs/${runId}/checkpoint-000060`;
      fs.mkdirSync(path.join(t.app.store.dataDir, rel, 'unet'), { recursive: true });
      store.runs.addCheckpoint(runId, { step: 60, path: rel, size: 1, validationScore: null, metrics: {} });
      const checkpointId = store.runs.checkpoints(runId)[0]!.id;
      runs[ablation] = { runId, checkpointId, path: rel };
    }
  });
  afterAll(() => t.close());

  const exported = (name: string, marker: unknown) => {
    const dir = path.join(outside, name);
    fs.mkdirSync(dir, { recursive: true });
    if (marker !== undefined) fs.writeFileSync(path.join(dir, EXPORT_MARKER), typeof marker === 'string' ? marker : JSON.stringify(marker));
    return dir;
  };

  it('finds a checkpoint folder itself, and an exported folder through its marker', () => {
    const { store } = t.app;
    const b = runs.baseline;
    expect(runCheckpointOf(store, path.join(store.dataDir, b.path, 'unet'))).toEqual({ runId: b.runId, checkpointId: b.checkpointId });
    const dir = exported('baseline-seed0', undefined);
    writeExportMarker(dir, { runId: b.runId, checkpoint: b.path, step: 60 });
    expect(readExportMarker(dir)).toEqual({ runId: b.runId, checkpoint: b.path, step: 60 });
    expect(runCheckpointOf(store, dir)).toEqual({ runId: b.runId, checkpointId: b.checkpointId });
  });

  it('ignores a marker that this store does not back, or that is not a marker', () => {
    const { store } = t.app;
    const none = { runId: null, checkpointId: null };
    const b = runs.baseline;
    const f = runs.full;
    // A run id with another run's checkpoint (a folder copied from another data folder, say).
    expect(runCheckpointOf(store, exported('crossed', { runId: f.runId, checkpoint: b.path, step: 60 }))).toEqual(none);
    expect(runCheckpointOf(store, exported('no-such-run', { runId: 999, checkpoint: 'runs/999/checkpoint-1', step: 1 }))).toEqual(none);
    expect(runCheckpointOf(store, exported('escapes', { runId: b.runId, checkpoint: `../${b.path}`, step: 60 }))).toEqual(none);
    expect(runCheckpointOf(store, exported('absolute', { runId: b.runId, checkpoint: path.join(store.dataDir, b.path), step: 60 }))).toEqual(none);
    expect(runCheckpointOf(store, exported('not-json', '{"runId": 1,'))).toEqual(none);
    expect(runCheckpointOf(store, exported('extra-field', { runId: b.runId, checkpoint: b.path, step: 60, rm: '-rf' }))).toEqual(none);
    expect(runCheckpointOf(store, exported('huge', JSON.stringify({ runId: b.runId, checkpoint: b.path, step: 60 }) + ' '.repeat(5000)))).toEqual(none);
    expect(runCheckpointOf(store, exported('unmarked', undefined))).toEqual(none);
    expect(runCheckpointOf(store, '')).toEqual(none);
  });

  it('does not carry a base pipeline’s marker into a pipeline exported from it', () => {
    const base = exported('base', { runId: runs.full.runId, checkpoint: runs.full.path, step: 60 });
    fs.writeFileSync(path.join(base, 'model_index.json'), '{}');
    const unet = path.join(outside, 'trained-unet');
    fs.mkdirSync(unet, { recursive: true });
    fs.writeFileSync(path.join(unet, 'config.json'), '{}');
    const out = path.join(outside, 'from-base');
    exportPipeline(base, unet, out);
    expect(fs.readdirSync(out).sort()).toEqual(['model_index.json', 'unet']);
  });

  it('shows the runs’ switches, not their folders, in the ablation view', async () => {
    const { store } = t.app;
    const { datasetId } = await seedEvalDataset(store, 1, 'marked');
    const sets: number[] = [];
    for (const ablation of ['baseline', 'full'] as const) {
      const r = runs[ablation];
      const provenance = { kind: 'edit', modelFolder: path.join(outside, `${ablation}-seed0`), steps: 10, seed: 0 };
      const id = store.results.create({ datasetId, name: ablation, method: ablation, origin: 'edit', jobId: null, runId: r.runId, checkpointId: r.checkpointId, provenance, status: 'complete' });
      const e = store.evals.findOrCreate({ resultSetId: id, datasetId, label: ablation, presetName: 'exact', presetSha256: 'sha-exact', preset: {}, against: null, split: null, jobId: null });
      store.evals.putAggregates(e.id, [{ metric: 'psnr', region: 'full', mean: ablation === 'full' ? 21 : 20, std: 1, n: 1 }], { fid: null, is: null }, []);
      store.evals.setStatus(e.id, 'complete');
      sets.push(id);
    }
    const { table } = await t.client.call('evals.table', { resultSetIds: sets, preset: 'exact', columns: ['psnr.full'], ablationReference: sets[0]! });
    // The runs differ in ablation and seed; the seed is not a switch, and the folders are implied by the runs.
    expect(table.rows.map((r) => r.switches)).toEqual([[], ['run.ablation: baseline → full']]);
  });
});
