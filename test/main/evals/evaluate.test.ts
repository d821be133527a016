// The `evaluate` job through the Api and the real queue (engine host process, SQLite, sharp) on a
// tiny dataset with exact ground truth, under the `exact` preset (PSNR, L1 by region): it needs no
// metric backbone, so the whole path — scope, decoding, scoring, per-sample rows, features, aggregates,
// resume, missing samples, the table and the sorted samples — runs here without model folders. The
// backbone metrics themselves are proven in test/main/engine/metrics against the fixture models.
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import type { TestApp } from '../../helpers/app.js';
import { scopedApps } from '../../helpers/scoped-apps.js';
import { BLUE, card, H, RED, seedEvalDataset, seedResultSet, SQUARE, W, png } from '../../helpers/eval-seed.js';
import { waitState } from '../jobs/helpers.js';
import { sqlOf } from '../../helpers/sql.js';
import { writeSettings } from '../../../main/settings/index.js';

const { app } = scopedApps();

async function evaluate(t: TestApp, resultSetId: number, preset = 'exact') {
  const started = await t.client.call('evals.start', { resultSetId, preset });
  const job = await waitState(t, started.jobId, ['completed', 'failed', 'cancelled'], 60_000);
  expect(job.error).toBeNull();
  expect(job.state).toBe('completed');
  return { ...started, report: job.result as { scored: number; kept: number; missing: number; errors: number } };
}

/** mean |a − b| / 255 over the given pixels, every channel: L1 by hand. */
function l1(a: Buffer, b: Buffer, only?: (x: number, y: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (only && !only(x, y)) continue;
      for (let c = 0; c < 3; c++) s += Math.abs(a[(y * W + x) * 3 + c]! - b[(y * W + x) * 3 + c]!) / 255;
      n += 3;
    }
  return s / n;
}
const inSquare = (x: number, y: number) => x >= SQUARE.x && x < SQUARE.x + SQUARE.width && y >= SQUARE.y && y < SQUARE.y + SQUARE.height;

describe('evaluate job (exact preset, no backbone)', () => {
  test('scores every sample by hand-checkable rules, resumes, reports missing samples, builds the table', async () => {
    const t = app();
    const store = t.app.store;
    const N = 6;
    const { datasetId, sampleIds } = await seedEvalDataset(store, N);
    const perfect = await seedResultSet(store, datasetId, sampleIds, 'perfect', 'Oracle', () => card(BLUE));
    const noop = await seedResultSet(store, datasetId, sampleIds, 'noop', 'Identity', () => card(RED));
    // Two of six samples only: the rest are missing.
    const shifted = await seedResultSet(store, datasetId, sampleIds, 'shifted', 'Shifted', (i) => (i < 2 ? card(BLUE, 2) : null));

    const a = await evaluate(t, perfect);
    const b = await evaluate(t, noop);
    expect(a.resumed).toBe(false);
    expect(b.report).toMatchObject({ scored: N, kept: 0, missing: 0, errors: 0 });

    const ea = await t.client.call('evals.get', { id: a.evaluationId });
    expect(ea).toMatchObject({ status: 'complete', presetName: 'exact', expected: N, done: N, errors: 0, missing: 0, backend: 'none (pixel measures only)' });
    const agg = (d: typeof ea, metric: string, region: string) => d.aggregates.find((r) => r.metric === metric && r.region === region);
    expect(agg(ea, 'psnr', 'full')).toMatchObject({ mean: 100, n: N }); // identical pixels: the 100 dB cap
    expect(agg(ea, 'l1', 'full')).toMatchObject({ mean: 0, std: 0, n: N });
    expect(ea.rules.map((r) => r.metric)).toContain('pixel');
    expect(ea.preset).toMatchObject({ name: 'exact' });

    // Doing nothing: the error is all inside the mask.
    const eb = await t.client.call('evals.get', { id: b.evaluationId });
    const red = card(RED);
    const blue = card(BLUE);
    expect(agg(eb, 'l1', 'full')!.mean).toBeCloseTo(l1(red, blue), 10);
    expect(agg(eb, 'l1', 'inside')!.mean).toBeCloseTo(l1(red, blue, inSquare), 10);
    expect(agg(eb, 'l1', 'inside')!.mean).toBeCloseTo(340 / 3 / 255, 10);
    expect(agg(eb, 'l1', 'outside')!.mean).toBe(0);
    const mse = (2 * 170 ** 2) / 3 / 255 ** 2 * ((SQUARE.width * SQUARE.height) / (W * H));
    expect(agg(eb, 'psnr', 'full')!.mean).toBeCloseTo(-10 * Math.log10(mse), 6);

    // Per-sample scores as the Compare view reads them.
    const scores = await t.client.call('evals.scores', { evaluationIds: [b.evaluationId], sampleIds: [sampleIds[0]!] });
    expect(scores).toHaveLength(1);
    expect(scores[0]!.scores.find((s) => s.metric === 'l1' && s.region === 'inside')!.value).toBeCloseTo(340 / 3 / 255, 10);

    // Missing samples: named, and every aggregate is over the 2 samples that have an image.
    const c = await evaluate(t, shifted);
    let ec = await t.client.call('evals.get', { id: c.evaluationId });
    expect(ec).toMatchObject({ expected: N, done: 2, missing: N - 2 });
    expect(ec.missingSamples.map((m) => m.externalId)).toEqual(['e2', 'e3', 'e4', 'e5']);
    expect(ec.warnings.join('\n')).toMatch(/4 of 6 samples have no image in result set "shifted"/);
    expect(agg(ec, 'l1', 'full')!.n).toBe(2);

    // Resume: the set gains two images and one is re-made; starting again scores only those three.
    const px = await png(card(BLUE, 1));
    const blob = store.blobs.put(px, 'image/png');
    const img = { sha256: blob.sha256, width: W, height: H, channels: 3, format: 'png', thumbSha256: null };
    for (const i of [0, 2, 3]) store.results.putImage(shifted, { sampleId: sampleIds[i]!, status: 'done', image: img, size: blob.size, seconds: null, seed: null, jobId: null });
    const c2 = await evaluate(t, shifted);
    expect(c2).toMatchObject({ evaluationId: c.evaluationId, resumed: true });
    expect(c2.report).toMatchObject({ scored: 3, kept: 1, missing: 2 });
    ec = await t.client.call('evals.get', { id: c.evaluationId });
    expect(ec).toMatchObject({ done: 4, missing: 2, status: 'complete' });
    expect(agg(ec, 'l1', 'full')!.n).toBe(4);

    // Sorted by the difference of two evaluations (noop − perfect in L1): every sample the same here.
    const sorted = await t.client.call('evals.samples', { datasetId, sort: { metric: 'l1', region: 'inside', evaluationId: b.evaluationId, minus: a.evaluationId, order: 'desc' } });
    expect(sorted.total).toBe(N);
    for (const s of sorted.items) expect(s.value).toBeCloseTo(340 / 3 / 255, 10);
    const byShift = await t.client.call('evals.samples', { datasetId, sort: { metric: 'l1', region: 'full', evaluationId: c.evaluationId, order: 'asc' } });
    expect(byShift.items.map((s) => s.externalId).slice(0, 4).sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(byShift.total).toBe(4); // only samples with that score

    // The table: best per column by the metric's arrow; CSV and LaTeX.
    const { table, csv, latex } = await t.client.call('evals.table', { resultSetIds: [perfect, noop, shifted], preset: 'exact' });
    expect(table.rows.map((r) => r.label)).toEqual(['Oracle', 'Identity', 'Shifted']);
    expect(table.columns.map((col) => col.key)).toEqual(['psnr.full', 'l1.full']);
    expect(table.rows[0]!.cells['l1.full']).toMatchObject({ mean: 0, best: true, nMin: N });
    expect(table.rows[1]!.cells['l1.full']!.best).toBe(false);
    expect(csv.split('\r\n')[0]).toBe('method,result_sets,seeds,PSNR,PSNR std,PSNR n,L1,L1 std,L1 n');
    expect(latex).toMatch(/\\toprule[\s\S]*Oracle & \$\\mathbf\{100\.00\}\$ & \$\\mathbf\{0\.0000\}\$ \\\\/);
  }, 120_000);

  test('bad input: unknown preset, model folders not set, a result set without images, unreadable image', async () => {
    const t = app();
    const store = t.app.store;
    const { datasetId, sampleIds } = await seedEvalDataset(store, 2);
    const empty = await seedResultSet(store, datasetId, sampleIds, 'empty', 'Nothing', () => null);
    await expect(t.client.call('evals.start', { resultSetId: empty, preset: 'exact' })).rejects.toMatchObject({ code: 'failed_precondition', message: expect.stringMatching(/"empty" has no image for any of the 2 samples/) });
    await expect(t.client.call('evals.start', { resultSetId: empty, preset: 'nope' })).rejects.toMatchObject({ code: 'invalid_args', message: expect.stringMatching(/unknown evaluation preset "nope"/) });
    await expect(t.client.call('evals.start', { resultSetId: 999, preset: 'exact' })).rejects.toMatchObject({ code: 'not_found' });
    // magicbrush needs CLIP B/32 and DINO S/16 folders: named with the keys Settings uses.
    const ok = await seedResultSet(store, datasetId, sampleIds, 'ok', 'Oracle', () => card(BLUE));
    await expect(t.client.call('evals.start', { resultSetId: ok, preset: 'magicbrush' })).rejects.toMatchObject({ code: 'failed_precondition', message: expect.stringMatching(/clipB32: not set[\s\S]*dinoS16: not set/) });
    // A folder saved earlier and gone since (settings.update itself refuses a folder that does not
    // exist, issue 17): written to the store as it was saved then.
    writeSettings(store.settings, { modelFolders: { clipB32: '/nowhere/clip' } });
    const pre = await t.client.call('evals.preflight', { preset: 'magicbrush', resultSetId: ok });
    expect(pre.ok).toBe(false);
    expect(pre.folders.find((f) => f.key === 'clipB32')).toMatchObject({ ok: false, dir: '/nowhere/clip', problem: '/nowhere/clip does not exist' });
    expect(pre).toMatchObject({ expected: 2, missing: 0 });
    expect(t.app.store.evals.list({ resultSetId: ok })).toEqual([]); // nothing half-made

    // A stored result image that is not an image: that sample fails with its id and field, the other is scored.
    const junk = store.blobs.put(Buffer.from('not a png at all'), 'image/png');
    store.results.putImage(ok, { sampleId: sampleIds[1]!, status: 'done', image: { sha256: junk.sha256, width: W, height: H, channels: 3, format: 'png', thumbSha256: null }, size: junk.size, seconds: null, seed: null, jobId: null });
    const started = await t.client.call('evals.start', { resultSetId: ok, preset: 'exact' });
    await waitState(t, started.jobId, ['completed'], 60_000);
    const e = await t.client.call('evals.get', { id: started.evaluationId });
    expect(e).toMatchObject({ done: 1, errors: 1 });
    expect(e.sampleErrors[0]).toMatchObject({ externalId: 'e1', reason: expect.stringMatching(/^sample e1 edited image: not a readable image/) });
  }, 120_000);
});

test('killed midway: the row says so, and the restart scores only the samples it lacks, to the same aggregate', async () => {
  const t = app();
  const store = t.app.store;
  const { datasetId, sampleIds } = await seedEvalDataset(store, 6);
  const shifted = await seedResultSet(store, datasetId, sampleIds, 'shifted', 'Shifted', (i) => card(BLUE, i % 4));
  const first = await evaluate(t, shifted);
  const whole = await t.client.call('evals.get', { id: first.evaluationId });
  // What a kill after two samples leaves: two whole sample rows (each lands in one transaction), the
  // row still 'running', no aggregates — written underneath the store, as a dead host would leave it.
  const db = sqlOf(store);
  db.prepare('DELETE FROM evaluation_scores WHERE evaluation_id = ? AND sample_id > ?').run(first.evaluationId, sampleIds[1]);
  db.prepare('DELETE FROM evaluation_samples WHERE evaluation_id = ? AND sample_id > ?').run(first.evaluationId, sampleIds[1]);
  db.prepare('DELETE FROM evaluation_aggregates WHERE evaluation_id = ?').run(first.evaluationId);
  db.prepare("UPDATE evaluations SET status = 'running', finished_at = NULL WHERE id = ?").run(first.evaluationId);
  expect(await t.client.call('evals.get', { id: first.evaluationId })).toMatchObject({ status: 'incomplete', done: 2 }); // its job has ended

  const again = await evaluate(t, shifted);
  expect(again).toMatchObject({ evaluationId: first.evaluationId, resumed: true });
  expect(again.report).toMatchObject({ kept: 2, scored: 4 });
  const resumed = await t.client.call('evals.get', { id: first.evaluationId });
  expect(resumed.status).toBe('complete');
  expect(resumed.aggregates).toEqual(whole.aggregates);
}, 120_000);

test('eval-seed cards decode to the pixels they were made from', async () => {
  const { data } = await sharp(await png(card(RED))).raw().toBuffer({ resolveWithObject: true });
  expect(Buffer.compare(data, card(RED))).toBe(0);
});
