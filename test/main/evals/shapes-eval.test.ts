// The `shapes` preset through the Api and the real queue: a ShapesEdit dataset imported by the import
// job, result sets made of the generator's own images (the ground-truth targets, the unedited sources,
// targets with the recoloured/added shape in a wrong colour), evaluated by the evaluate job. Edit
// accuracy is 100 % for the targets and 0 % for the sources on every edit kind, the wrong colour fails
// exactly the colour edits, and the table groups two seeds of one method into mean ± std.
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import type { TestApp } from '../../helpers/app.js';
import { scopedApps } from '../../helpers/scoped-apps.js';
import { waitState } from '../jobs/helpers.js';
import { seedEvalDataset, seedResultSet, card, BLUE } from '../../helpers/eval-seed.js';
import { generateShapesSample, palette, renderScene, type ShapesSample } from '../../../main/data/shapes.js';

const { app } = scopedApps();

const SEED = 5;
const SIZE = 32;
const COUNT = 30;

async function importShapes(t: TestApp): Promise<number> {
  const { id } = await t.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count: COUNT, seed: SEED, size: SIZE, name: 'shapes' } });
  const job = await waitState(t, id, ['completed', 'failed'], 120_000);
  expect(job.error).toBeNull();
  return (job.result as { datasetId: number }).datasetId;
}

/** A result set with, for each sample, the RGB `pixels` gives for its generated sample. */
async function resultSet(t: TestApp, datasetId: number, name: string, method: string, seed: number | null, pixels: (s: ShapesSample) => Uint8Array): Promise<number> {
  const store = t.app.store;
  const id = store.results.create({ datasetId, name, method, origin: 'import', jobId: null, provenance: seed === null ? { kind: 'import' } : { kind: 'edit', seed } });
  for (const rec of store.samples.records(datasetId)) {
    const s = generateShapesSample(SEED, (rec.meta as { index: number }).index, SIZE);
    const bytes = await sharp(Buffer.from(pixels(s)), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
    const blob = store.blobs.put(bytes, 'image/png');
    store.results.putImage(id, { sampleId: rec.id, status: 'done', image: { sha256: blob.sha256, width: SIZE, height: SIZE, channels: 3, format: 'png', thumbSha256: null }, size: blob.size, seconds: null, seed, jobId: null });
  }
  store.results.setStatus(id, 'complete');
  return id;
}

async function evaluate(t: TestApp, resultSetId: number) {
  const started = await t.client.call('evals.start', { resultSetId, preset: 'shapes' });
  const job = await waitState(t, started.jobId, ['completed', 'failed', 'cancelled'], 60_000);
  expect(job.error).toBeNull();
  return t.client.call('evals.get', { id: started.evaluationId });
}

type Detail = Awaited<ReturnType<typeof evaluate>>;
const agg = (d: Detail, metric: string, region = 'full') => d.aggregates.find((r) => r.metric === metric && r.region === region);

/** The target with the edited shape drawn in a colour that is neither the instructed nor the old one. */
function wrongColour(s: ShapesSample): Uint8Array {
  if (s.edit.op !== 'recolour' && s.edit.op !== 'add') return s.target;
  const g = JSON.parse(JSON.stringify(s.after)) as ShapesSample['after'];
  const shape = g.shapes[s.edit.shapeIndex]!;
  shape.colour = Object.keys(palette).find((c) => c !== shape.colour && c !== s.before.shapes[s.edit.shapeIndex]?.colour)!;
  return renderScene(g, SIZE);
}

describe('evaluate job, shapes preset', () => {
  test('edit accuracy overall and per kind: targets 100 %, sources 0 %, a wrong colour fails the colour edits; the table shows it per seed group', async () => {
    const t = app();
    const datasetId = await importShapes(t);
    const oracle1 = await resultSet(t, datasetId, 'oracle-1', 'Oracle', 1, (s) => s.target);
    const oracle2 = await resultSet(t, datasetId, 'oracle-2', 'Oracle', 2, (s) => s.target);
    const identity = await resultSet(t, datasetId, 'identity', 'Identity', null, (s) => s.source);
    const wrong = await resultSet(t, datasetId, 'wrong', 'Wrong colour', null, wrongColour);
    const kinds = new Map<string, number>();
    for (const rec of t.app.store.samples.records(datasetId)) kinds.set(rec.editType!, (kinds.get(rec.editType!) ?? 0) + 1);

    const o = await evaluate(t, oracle1);
    expect(o).toMatchObject({ status: 'complete', presetName: 'shapes', done: COUNT, errors: 0, backend: 'none (pixel measures only)' });
    expect(o.rules.map((r) => r.metric)).toEqual(['editAccuracy', 'pixel', 'regions']);
    const scored = agg(o, 'editAcc')!.n;
    expect(scored).toBeGreaterThanOrEqual(COUNT - 2); // a hidden shape's edit changes no pixel: unscored, with a note
    expect(agg(o, 'editAcc')).toMatchObject({ mean: 100, std: 0 });
    expect(agg(o, 'editScore')).toMatchObject({ mean: 100, n: scored });
    expect(agg(o, 'psnr')).toMatchObject({ mean: 100 });
    expect(agg(o, 'l1', 'inside')).toMatchObject({ mean: 0 });
    const byKind = { recolour: 'editAccRecolour', remove: 'editAccRemove', add: 'editAccAdd', move: 'editAccMove', resize: 'editAccResize' } as const;
    let perKindN = 0;
    for (const [kind, metric] of Object.entries(byKind)) {
      const a = agg(o, metric);
      if (!kinds.has(kind)) continue;
      expect(a, kind).toMatchObject({ mean: 100 });
      expect(a!.n).toBeLessThanOrEqual(kinds.get(kind)!);
      perKindN += a!.n;
    }
    expect(perKindN).toBe(scored);
    expect(kinds.size).toBeGreaterThanOrEqual(4);

    const id = await evaluate(t, identity);
    expect(agg(id, 'editAcc')).toMatchObject({ mean: 0, n: scored });
    expect(agg(id, 'editScore')).toMatchObject({ mean: 0 });
    for (const [kind, metric] of Object.entries(byKind)) if (kinds.has(kind)) expect(agg(id, metric), kind).toMatchObject({ mean: 0 });
    expect(agg(id, 'l1', 'outside')).toMatchObject({ mean: 0 }); // nothing outside the mask changed

    const w = await evaluate(t, wrong);
    expect(agg(w, 'editAccRecolour')).toMatchObject({ mean: 0 });
    expect(agg(w, 'editAccAdd')).toMatchObject({ mean: 0 });
    expect(agg(w, 'editAccMove')).toMatchObject({ mean: 100 });
    const colourEdits = agg(w, 'editAccRecolour')!.n + agg(w, 'editAccAdd')!.n;
    expect(agg(w, 'editAcc')!.mean).toBeCloseTo((100 * (scored - colourEdits)) / scored, 10);

    // Per-sample rows, as the Compare view reads them.
    const sample = t.app.store.samples.records(datasetId).find((r) => r.editType === 'recolour')!;
    const scores = await t.client.call('evals.scores', { evaluationIds: [w.id], sampleIds: [sample.id] });
    expect(scores[0]!.scores.filter((s) => s.metric.startsWith('editAcc')).map((s) => [s.metric, s.value])).toEqual([['editAcc', 0], ['editAccRecolour', 0]]);

    // The table: two seeds of Oracle grouped; the accuracy columns beside PSNR and L1.
    await evaluate(t, oracle2);
    const { table, csv, latex } = await t.client.call('evals.table', { resultSetIds: [oracle1, oracle2, identity, wrong], preset: 'shapes', grouping: 'seed' });
    expect(table.columns.map((c) => c.key)).toEqual(['psnr.full', 'l1.full', 'editAcc.full', 'editAccRecolour.full', 'editAccRemove.full', 'editAccAdd.full', 'editAccMove.full', 'editAccResize.full', 'editScore.full']);
    expect(table.rows.map((r) => r.label)).toEqual(['Oracle', 'Identity', 'Wrong colour']);
    expect(table.rows[0]!.cells['editAcc.full']).toMatchObject({ mean: 100, std: 0, stdOver: 'seeds', count: 2, best: true });
    expect(table.rows[1]!.cells['editAcc.full']).toMatchObject({ mean: 0, best: false });
    expect(csv.split('\r\n')[0]).toContain('Edit acc. %,Edit acc. % std,Edit acc. % n');
    expect(latex).toContain('Edit acc. \\% $\\uparrow$'); // % escaped: LaTeX would read the rest of the line as a comment
  }, 180_000);

  test('a dataset without a scene graph: every sample fails naming meta.sceneGraph, and no accuracy is made up', async () => {
    const t = app();
    const { datasetId, sampleIds } = await seedEvalDataset(t.app.store, 2);
    const set = await seedResultSet(t.app.store, datasetId, sampleIds, 'cards', 'Cards', () => card(BLUE));
    const d = await evaluate(t, set);
    expect(d).toMatchObject({ done: 0, errors: 2 });
    expect(d.sampleErrors[0]!.reason).toMatch(/^sample e0: meta\.sceneGraph — .*ShapesEdit scene graph/);
    expect(agg(d, 'editAcc')).toBeUndefined();
  }, 60_000);
});
