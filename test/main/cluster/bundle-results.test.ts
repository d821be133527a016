// Run bundles, format 2 (issue 19): a run moves between two real stores with the result sets edited
// with its checkpoints (real PNGs and thumbnails in the blob store) and their evaluations (scores,
// float32 features bit for bit, aggregates), mapped onto the importing store's own samples by
// external id; a set not made with the run stays home; importing twice adds nothing; a name already
// taken by another run's set is renamed and said so; a format-1 bundle still imports; a store without
// the dataset refuses the results by name (or takes the run alone). Truncated, corrupted and hostile
// bundles — a cut manifest or member, path traversal in member names, an oversize blob or line, wrong
// hashes, a row naming a sample the store lacks — are refused naming the member and field or line,
// with nothing of them left in the store (rows or files).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRunBundle, writeRunBundle } from '../../../main/cluster/bundle.js';
import { runCheckpointOf } from '../../../main/jobs/edit-settings.js';
import type { TestApp } from '../../helpers/app.js';
import { scopedApps } from '../../helpers/scoped-apps.js';
import { BLUE, card, png, RED, seedEvalDataset } from '../../helpers/eval-seed.js';
import { sqlOf } from '../../helpers/sql.js';

const { app, scratch } = scopedApps('ric-bundle-results-');
const count = (t: TestApp, table: string) => (sqlOf(t.app.store).prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A run with a checkpoint folder at step 50, a set edited with that checkpoint (2 images, 1 error) and its evaluation; and a set of no run. */
async function seed(t: TestApp) {
  const store = t.app.store;
  const { datasetId, sampleIds } = await seedEvalDataset(store, 3, 'cards');
  const runId = store.runs.create({ jobId: null, kind: 'train-editor', name: 'ours seed 0', datasetId, config: { ablation: 'none' }, seed: 0, codeVersion: 'test' });
  const w = store.runs.metricWriter();
  for (let s = 1; s <= 10; s++) w.add(runId, 'loss', s, 1 / s, 1_000 + s);
  w.close();
  const dir = path.join(t.dataDir, 'runs', String(runId), 'step-50');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'unet.safetensors'), Buffer.alloc(3000, 7));
  store.runs.addCheckpoint(runId, { step: 50, path: path.relative(t.dataDir, dir), size: 3000, validationScore: null, metrics: {} });
  const checkpointId = store.runs.checkpoints(runId)[0]!.id;
  // What the edit job and the Edit view's keep record for a model folder inside the checkpoint.
  const link = runCheckpointOf(store, path.join(dir, 'pipeline'));
  expect(link).toEqual({ runId, checkpointId });
  expect(runCheckpointOf(store, dir)).toEqual(link);
  expect(runCheckpointOf(store, `${dir}-other`)).toEqual({ runId: null, checkpointId: null });
  expect(runCheckpointOf(store, path.dirname(t.dataDir))).toEqual({ runId: null, checkpointId: null });
  const setId = store.results.create({ datasetId, name: 'ours@50', method: 'ours', origin: 'edit', jobId: null, ...link, modelFolder: path.join(dir, 'pipeline'), configSha256: 'c'.repeat(64), provenance: { kind: 'edit', steps: 20, seed: 0 }, expected: 3, status: 'complete' });
  for (const [i, colour] of [[0, BLUE], [2, RED]] as const) {
    const image = store.blobs.put(await png(card(colour, i)), 'image/png');
    const thumb = store.blobs.put(await png(card(colour, i + 1)), 'image/png');
    store.results.putImage(setId, { sampleId: sampleIds[i]!, status: 'done', image: { sha256: image.sha256, width: 32, height: 24, channels: 3, format: 'png', thumbSha256: thumb.sha256 }, size: image.size, seconds: 0.5 + i, seed: i, jobId: null });
  }
  store.results.putImage(setId, { sampleId: sampleIds[1]!, status: 'error', error: 'sample e1: source unreadable', jobId: null });
  store.results.create({ datasetId, name: 'InstructPix2Pix', method: 'InstructPix2Pix', origin: 'import', jobId: null, provenance: { kind: 'import' } });
  const { id: evalId } = store.evals.findOrCreate({ resultSetId: setId, datasetId, label: 'ours', presetName: 'paper', presetSha256: 'a'.repeat(64), preset: { name: 'paper', size: 224 }, against: 'target', split: null, jobId: null });
  store.evals.setRecord(evalId, { models: [{ name: 'clip', sha256: 'd'.repeat(64) }] as never, rules: [{ metric: 'clipI', rule: 'resize to 224' }], warnings: ['tiny set'], expected: 3, missing: [{ sampleId: sampleIds[1]!, externalId: 'e1', reason: 'no result image' }], backend: 'cpu', workers: 1, codeVersion: 'test', fidRefKey: 'ref-1' });
  const fid = Float32Array.from({ length: 9 }, (_, i) => Math.fround(Math.E * (i - 4)));
  store.evals.putSample(evalId, { sampleId: sampleIds[0]!, imageSha256: 'e'.repeat(64), status: 'done', scores: [{ metric: 'clipI', region: 'full', value: 0.9 }, { metric: 'l1', region: 'inside', value: 0.125 }], notes: ['text cut to 77 tokens'], seconds: 0.2, features: { fidGenerated: fid, fidReference: fid.map((v) => -v), isLogits: Float32Array.from([-0, 1e-30]) } });
  store.evals.putSample(evalId, { sampleId: sampleIds[2]!, imageSha256: 'f'.repeat(64), status: 'error', error: 'sample e2: not a readable image' });
  store.evals.putAggregates(evalId, [{ metric: 'clipI', region: 'full', mean: 0.9, std: 0.01, n: 1 }], { fid: { value: 12.5, n: 1 }, is: null }, ['tiny set']);
  store.evals.setStatus(evalId, 'complete');
  return { runId, setId, evalId };
}

/** The result set, its images (by external id) and its evaluation as the Api shows them, less local ids. */
function view(t: TestApp, setId: number, evalId: number) {
  const s = t.app.store;
  const set = s.results.get(setId)!;
  const images = s.results.images(setId, { offset: 0, limit: 10 }).items.map(({ resultSetId: _r, sampleId: _s, jobId: _j, ...rest }) => rest);
  const blobs = images.flatMap((i) => (i.image ? [s.blobs.read(i.image.sha256), s.blobs.read(i.image.thumbSha256!)] : []));
  const { id: _e, resultSetId: _rs, datasetId: _d, jobId: _ej, missingSamples, sampleErrors, ...evaluation } = s.evals.get(evalId)!;
  const stored = s.evals.storedSamples(evalId).map((x) => ({ scores: x.scores, fidGenerated: Array.from(x.features.fidGenerated!), fidReference: Array.from(x.features.fidReference!), isLogits: x.features.isLogits!.map((v) => (Object.is(v, -0) ? -1 : v)) }));
  return {
    set: { name: set.name, method: set.method, origin: set.origin, status: set.status, done: set.done, errors: set.errors, expected: set.expected, provenance: set.provenance, modelFolder: set.modelFolder, datasetName: set.datasetName },
    images,
    blobs,
    evaluation,
    missing: missingSamples.map((m) => m.externalId),
    sampleErrors: sampleErrors.map((e) => [e.externalId, e.reason]),
    stored,
  };
}

describe('run bundles with result sets and evaluations (format 2)', () => {
  it('bring a run back with its edits and numbers, mapped onto the importing store’s samples', async () => {
    const a = app();
    const b = app();
    const { runId, setId, evalId } = await seed(a);
    await seedEvalDataset(b.app.store, 2, 'other'); // b's sample ids differ from a's
    await seedEvalDataset(b.app.store, 3, 'cards');
    const out = path.join(scratch(), 'bundle');
    const exp = await writeRunBundle(a.app.store, runId, out, 'all');
    expect(exp).toMatchObject({ resultSets: 1, evaluations: 1, checkpoints: 1 });

    const first = await importRunBundle(b.app.store, out);
    expect(first).toMatchObject({ outcome: 'imported', resultSets: 1, evaluations: 1, renamed: [] });
    const cardsB = b.app.store.datasets.list().find((d) => d.name === 'cards')!.id;
    const setB = b.app.store.results.list(cardsB).find((s) => s.name === 'ours@50')!;
    expect(b.app.store.results.list(cardsB)).toHaveLength(1); // the set of no run stayed home
    expect(setB.runId).toBe(first.runId);
    expect(setB.checkpointId).toBe(b.app.store.runs.checkpoints(first.runId).find((c) => c.step === 50)!.id);
    const evalB = b.app.store.evals.list({ resultSetId: setB.id })[0]!;
    const there = view(b, setB.id, evalB.id);
    expect(there).toEqual(view(a, setId, evalId));
    expect(there.images.map((i) => [i.externalId, i.status])).toEqual([['e0', 'done'], ['e1', 'error'], ['e2', 'done']]);
    expect(there.stored).toHaveLength(1);
    expect(there.evaluation.aggregates).toEqual([{ metric: 'clipI', region: 'full', mean: 0.9, std: 0.01, n: 1 }]);

    const before = ['result_sets', 'result_images', 'evaluations', 'evaluation_samples', 'evaluation_scores', 'images'].map((t) => count(b, t));
    expect(await importRunBundle(b.app.store, out)).toMatchObject({ outcome: 'unchanged', resultSets: 0 });
    expect(['result_sets', 'result_images', 'evaluations', 'evaluation_samples', 'evaluation_scores', 'images'].map((t) => count(b, t))).toEqual(before);

    // A store whose "ours@50" is another run's: the imported set takes another name, and says so.
    const c = app();
    const { datasetId: cardsC } = await seedEvalDataset(c.app.store, 3, 'cards');
    c.app.store.results.create({ datasetId: cardsC, name: 'ours@50', method: 'mine', origin: 'import', jobId: null, provenance: { kind: 'import' } });
    const renamed = await importRunBundle(c.app.store, out);
    expect(renamed.renamed).toEqual([{ from: 'ours@50', to: `ours@50 [${renamed.uid.slice(0, 8)}]` }]);
    expect(c.app.store.results.list(cardsC).map((s) => [s.name, s.method]).sort()).toEqual([[`ours@50 [${renamed.uid.slice(0, 8)}]`, 'ours'], ['ours@50', 'mine']]);

    // A store without the dataset: the results are refused by name, nothing is written; the run alone imports.
    const d = app();
    await expect(importRunBundle(d.app.store, out)).rejects.toThrow(/resultSets\.0 \("ours@50"\): result set "ours@50" is of dataset "cards", which this store does not have/);
    expect([count(d, 'runs'), count(d, 'result_sets'), fs.existsSync(path.join(d.dataDir, 'runs'))]).toEqual([0, 0, false]);
    expect(await d.client.call('runs.import', { path: out, results: false })).toMatchObject({ outcome: 'imported', resultSets: 0, evaluations: 0 });
    // Its results later, once the dataset is there: not a no-op.
    await seedEvalDataset(d.app.store, 3, 'cards');
    expect(await d.client.call('runs.import', { path: out })).toMatchObject({ outcome: 'updated', resultSets: 1, evaluations: 1 });
  });

  it('still imports a format-1 bundle (no result sets), and exports without results when asked', async () => {
    const a = app();
    const { runId } = await seed(a);
    const root = scratch();
    const v1 = path.join(root, 'v1');
    const r = await a.client.call('runs.export', { id: runId, path: v1, checkpoints: 'none', results: false });
    expect(r).toMatchObject({ resultSets: 0, evaluations: 0 });
    const m = JSON.parse(fs.readFileSync(path.join(v1, 'bundle.json'), 'utf8')) as Record<string, unknown>;
    const { images: _i, resultSets: _r, evaluations: _e, ...rest } = m;
    fs.writeFileSync(path.join(v1, 'bundle.json'), JSON.stringify({ ...rest, bundleVersion: 1 }));
    const b = app();
    expect(await importRunBundle(b.app.store, v1)).toMatchObject({ outcome: 'imported', points: 10, resultSets: 0, evaluations: 0 });
    expect(count(b, 'result_sets')).toBe(0);
  });

  it('refuses truncated, corrupted and hostile bundles naming the member and field, with nothing left behind', async () => {
    const a = app();
    const b = app();
    const { runId } = await seed(a);
    await seedEvalDataset(b.app.store, 3, 'cards');
    const root = scratch();
    const good = path.join(root, 'good');
    await writeRunBundle(a.app.store, runId, good, 'all');
    const tables = ['runs', 'metric_points', 'checkpoints', 'result_sets', 'result_images', 'evaluations', 'evaluation_samples', 'evaluation_scores', 'evaluation_aggregates', 'images'];
    const state = () => ({ rows: tables.map((t) => count(b, t)), files: fs.existsSync(path.join(b.dataDir, 'runs')) ? fs.readdirSync(path.join(b.dataDir, 'runs'), { recursive: true }).length : 0 });
    const before = state();
    let n = 0;
    /** A copy of the good bundle, changed by `change(dir, manifest)`; the manifest is written back. */
    const variant = (change: (dir: string, m: Record<string, any>) => void) => {
      const dir = path.join(root, `v${n++}`);
      fs.cpSync(good, dir, { recursive: true });
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'bundle.json'), 'utf8')) as Record<string, any>;
      change(dir, m);
      fs.writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(m));
      return dir;
    };
    /** Rewrites a line-per-record member and makes the manifest agree on its size, hash and lines (so the check that fails is the one under test). */
    const rewrite = (dir: string, member: { path: string; size: number; sha256: string; lines: number }, edit: (lines: string[]) => string[]) => {
      const file = path.join(dir, member.path);
      const text = `${edit(fs.readFileSync(file, 'utf8').trimEnd().split('\n')).join('\n')}\n`;
      fs.writeFileSync(file, text);
      Object.assign(member, { size: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex'), lines: text.trimEnd().split('\n').length });
    };
    const refused = async (dir: string, message: RegExp) => {
      await expect(importRunBundle(b.app.store, dir)).rejects.toThrow(message);
      expect(state()).toEqual(before);
    };

    // Truncated: the manifest cut half-way; a member cut short (its size no longer the manifest's).
    const cut = variant(() => undefined);
    fs.writeFileSync(path.join(cut, 'bundle.json'), fs.readFileSync(path.join(good, 'bundle.json'), 'utf8').slice(0, 300));
    await refused(cut, /bundle\.json: not valid JSON/);
    await refused(
      variant((dir) => fs.truncateSync(path.join(dir, 'evaluations/0.jsonl'), 40)),
      /evaluations\/0\.jsonl is 40 bytes, the manifest says \d+ \(truncated or changed\)/,
    );
    // Path traversal in member names.
    await refused(variant((_d, m) => (m['resultSets'][0].images.path = '../../../etc/passwd')), /field resultSets\.0\.images\.path: must be results\/<n>\.jsonl/);
    await refused(variant((_d, m) => (m['blobs'][0].path = 'blobs/../../outside')), /field blobs\.0\.path: must be a relative path inside the bundle/);
    await refused(variant((_d, m) => (m['checkpoints'][0].files[0].path = '/etc/shadow')), /field checkpoints\.0\.files\.0\.path: must be a relative path inside the bundle/);
    // Oversize: a blob declared past the limit (refused before reading it); a line past the line limit.
    await refused(variant((_d, m) => (m['blobs'][0].size = 2 ** 40)), /field blobs\.0\.size: 1099511627776 bytes, over the/);
    await refused(
      variant((dir, m) => rewrite(dir, m['evaluations'][0].samples, (lines) => [lines[0]!.replace('"notes":[', `"notes":["${'x'.repeat(600_000)}",`)])),
      /evaluations\/0\.jsonl:1: line of \d+ characters \(at most 524288\)/,
    );
    // Wrong hashes: a result image's bytes changed (same length); a member changed after writing.
    await refused(
      variant((dir, m) => {
        const sha = m['images'][0].sha256 as string;
        const file = path.join(dir, 'blobs', sha);
        const bytes = fs.readFileSync(file);
        bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
        fs.writeFileSync(file, bytes);
      }),
      /blobs\/[0-9a-f]{64}: its sha256 differs from the manifest's/,
    );
    await refused(
      variant((dir) => {
        const file = path.join(dir, 'results/0.jsonl');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"seed":0', '"seed":9'));
      }),
      /results\/0\.jsonl: its sha256 differs from the manifest's/,
    );
    // Valid members whose rows the store refuses, after the run's own rows were written in the same
    // transaction (and its checkpoint files placed): a sample this store lacks, a row named twice.
    await refused(
      variant((dir, m) => rewrite(dir, m['resultSets'][0].images, (lines) => lines.map((l) => l.replace('"externalId":"e2"', '"externalId":"e9"')))),
      /results\/0\.jsonl:3: sample "e9" is not in dataset "cards" here/,
    );
    await refused(variant((dir, m) => rewrite(dir, m['evaluations'][0].samples, (lines) => [lines[0]!, lines[0]!, ...lines.slice(1)])), /evaluations\/0\.jsonl:2: UNIQUE constraint failed/);
    await refused(variant((_d, m) => (m['evaluations'][0].resultSet = 5)), /field evaluations\.0\.resultSet: 5 is not one of the bundle's 1 result sets/);
    await refused(variant((_d, m) => (m['images'][0].thumbSha256 = '0'.repeat(64))), /field images\.0\.thumbSha256: blob 0{64} is not among the bundle's blobs/);

    // The good bundle still imports whole afterwards.
    expect(await importRunBundle(b.app.store, good)).toMatchObject({ outcome: 'imported', resultSets: 1, evaluations: 1, checkpoints: 1 });
  });
});
