// runs.edits against a real store (issue 15/16): edit run samples of two editor runs, stored as the
// train-editor job stores them, come back at each run's checkpoint at or before the asked step, with
// the dataset sample's source and ground truth beside each edit; a stored row that does not parse is
// named, and an unknown run is not_found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../../shared/api/index.js';
import { BLUE, card, png, RED, seedEvalDataset } from '../../helpers/eval-seed.js';
import { openTestApp, type TestApp } from '../../helpers/app.js';

describe('runs.edits', () => {
  let t: TestApp;
  let runA: number;
  let runB: number;
  let datasetId: number;
  const shas: string[] = [];
  beforeAll(async () => {
    t = openTestApp();
    const store = t.app.store;
    ({ datasetId } = await seedEvalDataset(store, 2, 'cards'));
    for (const shift of [0, 1, 2, 3]) shas.push(store.blobs.put(await png(card(BLUE, shift)), 'image/png').sha256);
    const mk = (name: string, ablation: string) => store.runs.create({ jobId: null, kind: 'editor', name, datasetId, config: { ablation }, seed: 1, codeVersion: 't' });
    runA = mk('full', 'full');
    runB = mk('baseline', 'baseline');
    const row = (id: string, sha: string, l1In: number) => ({ kind: 'edit', payload: { id, instruction: `make the square blue (${id})`, sourceSha256: null, l1In, l1InSource: 0.3, l1Out: 0.01 }, blobSha256: sha });
    store.runs.replaceSamples(runA, 10, [row('e0', shas[3]!, 0.25), row('e1', shas[2]!, 0.2)]);
    store.runs.replaceSamples(runA, 20, [row('e0', shas[1]!, 0.1), row('e1', shas[0]!, 0.0)]);
    store.runs.replaceSamples(runB, 20, [row('e1', shas[2]!, 0.2), { kind: 'edit', payload: { id: 'e0', instruction: 'x' }, blobSha256: shas[3]! }]);
    // Another kind at a step of its own is not a checkpoint of edits.
    store.runs.replaceSamples(runB, 15, [{ kind: 'retrieval', payload: {}, blobSha256: null }]);
  });
  afterAll(() => t.close());

  it('gives every run its edits at its checkpoint at or before the step, with source and ground truth', async () => {
    const r = await t.client.call('runs.edits', { runIds: [runA, runB], step: 15 });
    expect(r.steps).toEqual([10, 20]);
    const [a, b] = r.runs;
    expect(a).toMatchObject({ runId: runA, step: 10, steps: [10, 20], ablation: 'full', problems: [] });
    expect(a!.edits.map((x) => [x.externalId, x.editedSha256, x.l1In])).toEqual([
      ['e0', shas[3], 0.25],
      ['e1', shas[2], 0.2],
    ]);
    const sample = t.app.store.samples.imagesByExternalId(datasetId, ['e0']).get('e0')!;
    expect(a!.edits[0]).toMatchObject({ sampleId: sample.id, sourceSha256: sample.sourceSha256, targetSha256: sample.targetSha256 });
    expect(sample.sourceSha256).toBe(t.app.store.blobs.put(await png(card(RED)), 'image/png').sha256);
    // Run B has edits only at 20: it shows its first; its broken row is named.
    expect(b).toMatchObject({ runId: runB, step: 20, steps: [20], ablation: 'baseline' });
    expect(b!.edits.map((x) => x.externalId)).toEqual(['e1']);
    expect(b!.problems).toHaveLength(1);
    expect(b!.problems[0]).toMatch(/run \d+ step 20: stored edit \d+ has no valid l1In/);
  });

  it('shows each run’s last checkpoint without a step', async () => {
    const r = await t.client.call('runs.edits', { runIds: [runA] });
    expect(r.runs[0]!.step).toBe(20);
    expect(r.runs[0]!.edits.map((x) => x.l1In)).toEqual([0.1, 0.0]);
  });

  it('names an unknown run', async () => {
    const err = await t.client.call('runs.edits', { runIds: [runA, 9999] }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).code).toBe('not_found');
    expect((err as ApiCallError).message).toMatch(/run 9999/);
  });
});
