// Evaluations in the store (migration 7): identity (result set × preset × against × split) is one
// row, a sample's scores and features land together, feature vectors round-trip bit-exact, aggregates
// without a value are left out, samples out of scope are forgotten, deleting cascades.
import { afterEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../../../main/store/index.js';
import { tempDir } from '../../helpers/app.js';
import { seedEvalDataset, seedResultSet, card, BLUE } from '../../helpers/eval-seed.js';
import { sqlOf } from '../../helpers/sql.js';

const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function setup() {
  const store = openStore(tempDir('evals-store-'));
  open.push(store);
  const { datasetId, sampleIds } = await seedEvalDataset(store, 3);
  const resultSetId = await seedResultSet(store, datasetId, sampleIds, 'set', 'Method', () => card(BLUE));
  const base = { resultSetId, datasetId, label: 'Method', presetName: 'exact', presetSha256: 'a'.repeat(64), preset: { name: 'exact' }, against: null, split: null, jobId: null } as const;
  return { store, datasetId, sampleIds, resultSetId, base };
}

describe('EvalsRepo', () => {
  test('one evaluation per identity; another preset, reference or split is another', async () => {
    const { store, base } = await setup();
    expect(store.schemaVersion()).toBeGreaterThanOrEqual(7); // the evaluations migration, and any after it
    const first = store.evals.findOrCreate(base);
    expect(first.created).toBe(true);
    expect(store.evals.findOrCreate(base)).toEqual({ id: first.id, created: false });
    expect(store.evals.findOrCreate({ ...base, against: 'source' }).created).toBe(true);
    expect(store.evals.findOrCreate({ ...base, split: 'val' }).created).toBe(true);
    expect(store.evals.findOrCreate({ ...base, presetSha256: 'b'.repeat(64) }).created).toBe(true);
    expect(store.evals.list({ resultSetId: base.resultSetId })).toHaveLength(4);
  });

  test('a sample lands whole with its features; re-putting replaces; aggregates skip missing values', async () => {
    const { store, base, sampleIds } = await setup();
    const { id } = store.evals.findOrCreate(base);
    const fid = Float32Array.from({ length: 7 }, (_, i) => Math.fround(Math.PI * (i - 3)));
    const logits = Float32Array.from([1e-30, -0, 3.5, 3.4e38]);
    store.evals.putSample(id, { sampleId: sampleIds[0]!, imageSha256: 'x'.repeat(64), status: 'done', scores: [{ metric: 'l1', region: 'full', value: 0.25 }, { metric: 'l1', region: 'inside', value: NaN }], notes: ['inside: empty mask'], seconds: 0.1, features: { fidGenerated: fid, isLogits: logits } });
    store.evals.putSample(id, { sampleId: sampleIds[1]!, imageSha256: 'y'.repeat(64), status: 'error', error: 'sample e1 edited image: not a readable image' });
    const stored = store.evals.storedSamples(id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.scores).toEqual([{ metric: 'l1', region: 'full', value: 0.25 }]); // NaN is not stored
    expect(Array.from(stored[0]!.features.fidGenerated!)).toEqual(Array.from(fid));
    expect(Object.is(stored[0]!.features.isLogits![1], -0)).toBe(true);
    expect(stored[0]!.features.fidReference).toBeNull();
    expect(store.evals.doneSamples(id)).toEqual(new Map([[sampleIds[0]!, 'x'.repeat(64)]]));

    // The error row replaced by a done one: still one row per sample, the full region stored as 'all'.
    store.evals.putSample(id, { sampleId: sampleIds[1]!, imageSha256: 'z'.repeat(64), status: 'done', scores: [{ metric: 'l1', region: 'full', value: 0.5 }], notes: [], seconds: null, features: {} });
    expect(sqlOf(store).prepare('SELECT count(*) AS n FROM evaluation_samples WHERE evaluation_id = ?').get(id)).toEqual({ n: 2 });
    expect(sqlOf(store).prepare("SELECT count(*) AS n FROM evaluation_scores WHERE evaluation_id = ? AND region = 'all'").get(id)).toEqual({ n: 2 });

    store.evals.putAggregates(id, [{ metric: 'l1', region: 'full', mean: 0.375, std: 0.17, n: 2 }, { metric: 'l1', region: 'inside', mean: null, std: null, n: 0 }], { fid: null, is: null }, ['w']);
    const d = store.evals.get(id)!;
    expect(d.aggregates).toEqual([{ metric: 'l1', region: 'full', mean: 0.375, std: 0.17, n: 2 }]);
    expect(d.warnings).toEqual(['w']);
    expect(d.done).toBe(2);

    // Out of scope (the image is gone from the set): its rows go.
    expect(store.evals.forgetSamples(id, new Set([sampleIds[1]!]))).toBe(1);
    expect(store.evals.storedSamples(id).map((s) => s.sampleId)).toEqual([sampleIds[1]]);

    // Deleting the result set deletes its evaluations, their samples and scores.
    store.results.delete(base.resultSetId);
    expect(store.evals.get(id)).toBeUndefined();
    expect(sqlOf(store).prepare('SELECT count(*) AS n FROM evaluation_scores').get()).toEqual({ n: 0 });
    expect(sqlOf(store).prepare('SELECT count(*) AS n FROM evaluation_samples').get()).toEqual({ n: 0 });
  });
});
