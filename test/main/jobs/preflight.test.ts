// The pre-flight of a training run (issue 12), through the Api: each refusal names the dataset and
// says what fixes it (a view and a command); jobs.start refuses the same and leaves no job or run;
// defaults resolve (tiny/paper, the text fallback by format, the base model folder from Settings).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { sqlOf } from '../../helpers/sql.js';
import { FIXTURES } from '../engine/shared-dir.js';

let t: TestApp | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

/**
 * A folder dataset of `n` samples written with SQL (every 5th in val): each has its own region and
 * scene description; `masks` of them have a mask with a box; `approved` have an approved region caption.
 */
function seed(app: TestApp, name: string, n: number, opts: { masks: number; approved: number; format?: string; status?: string }): number {
  const db = sqlOf(app.app.store);
  const now = new Date().toISOString();
  const blob = app.app.store.blobs.put(Buffer.from('not read by the pre-flight'), 'image/png').sha256;
  db.prepare("INSERT OR IGNORE INTO images(sha256, width, height, channels, format) VALUES (?, 64, 64, 3, 'png')").run(blob);
  const id = Number(db.prepare('INSERT INTO datasets(name, format, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(name, opts.format ?? 'folder', opts.status ?? 'ready', now, now).lastInsertRowid);
  for (let i = 0; i < n; i++) {
    const sample = Number(
      db
        .prepare(
          `INSERT INTO samples(dataset_id, external_id, split, instruction, region_description, scene_description, source_sha256, target_sha256, width, height, created_at)
           VALUES (?, ?, ?, 'make it red', ?, ?, ?, ?, 64, 64, ?)`,
        )
        .run(id, `s${i}`, i % 5 === 4 ? 'val' : 'train', `a red shape ${i}`, `a scene with a red shape ${i}`, blob, blob, now).lastInsertRowid,
    );
    if (i < opts.masks) {
      db.prepare("INSERT INTO masks(sample_id, version, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, created_at) VALUES (?, 1, ?, 64, 64, 100, 4, 4, 10, 10, 'dataset', 'test', ?)").run(sample, blob, now);
    }
    if (i < opts.approved) db.prepare("INSERT INTO captions(sample_id, kind, version, text, source, status, created_at) VALUES (?, 'region', 1, ?, 'human', 'approved', ?)").run(sample, `the red shape ${i}`, now);
  }
  return id;
}

const CLIP_FOLDER = path.join(FIXTURES, 'parity', 'clip', 'case_a');
const BLIP_FOLDER = path.join(FIXTURES, 'parity', 'blip_itr');

describe('runs.preflight', () => {
  it('refuses a dataset whose samples have no approved caption, naming it, pointing at its captions and the fallback', async () => {
    t = openTestApp();
    const id = seed(t, 'humanedit-mini', 20, { masks: 20, approved: 0 });
    const check = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny' } });
    expect(check.ok).toBe(false);
    expect(check.textFallback).toBe('none'); // not ShapesEdit: captions must be approved unless the run says otherwise
    expect(check.problems).toHaveLength(1);
    const p = check.problems[0]!;
    expect(p.field).toBe('texts');
    expect(p.message).toBe(
      'dataset "humanedit-mini" has 0 usable pairs for Region-CLIP, training needs at least 2 to train and 2 to validate: 20 of its 20 samples have no approved region caption (20 have a region description of their own: choose the text fallback to train on those)',
    );
    expect(p.fix).toEqual({ label: 'Review region captions of humanedit-mini', href: `/captions?dataset=${id}&kind=region&status=pending`, cli: 'ric train regionclip --dataset humanedit-mini --text-fallback dataset' });
    // Choosing the fallback fixes it; the checked parameters are what jobs.start queues.
    const ok = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny', textFallback: 'dataset' } });
    expect(ok).toMatchObject({ ok: true, usablePairs: 20, valPairs: 4, trainPairs: 16, problems: [] });
    expect(ok.params).toMatchObject({ datasetId: id, preset: 'tiny', textFallback: 'dataset' });
    expect(ok.warnings).toContain('16 training pairs are fewer than batch_size 32: every step uses all 16');
    // Some approved: they train, the rest is left out with a note.
    const some = seed(t, 'half-reviewed', 20, { masks: 20, approved: 12 });
    const half = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: some, preset: 'tiny' } });
    expect(half).toMatchObject({ ok: true, usablePairs: 12, withoutText: 8 });
    expect(half.warnings[0]).toBe("8 of 20 samples are left out: they have no approved region caption (8 have a region description of their own: choose the text fallback to train on those)");
  });

  it('refuses Region-CLIP on samples without masks, pointing at them; BLIP needs no mask', async () => {
    t = openTestApp();
    const id = seed(t, 'no-masks', 20, { masks: 1, approved: 20 });
    const check = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny' } });
    expect(check.problems.map((p) => p.field)).toEqual(['masks']);
    expect(check.problems[0]!.message).toBe('dataset "no-masks" has 1 usable pairs for Region-CLIP, 0 left to train after 2 held out for validation; training needs at least 2 to train and 2 to validate: 19 have no mask (Region-CLIP trains on the mask\'s box, Eq. 6)');
    expect(check.problems[0]!.fix).toEqual({ label: 'Samples of no-masks without a mask', href: `/datasets/${id}?mask=no`, cli: 'ric import masks DIR --dataset no-masks' });
    // BLIP trains on scene texts: none approved, but the fallback makes all 20 usable.
    expect(await t.client.call('runs.preflight', { kind: 'train-blip', params: { datasetId: id, preset: 'tiny', textFallback: 'dataset' } })).toMatchObject({ ok: true, usablePairs: 20 });
  });

  it("refuses the paper's settings without a base model folder, or with the wrong one; takes Settings' folder", async () => {
    t = openTestApp();
    const id = seed(t, 'paper-data', 20, { masks: 20, approved: 20 });
    const none = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id } });
    expect(none.preset).toBe('paper');
    expect(none.problems.map((p) => p.field)).toEqual(['base_model']);
    expect(none.problems[0]!.message).toMatch(/^no base model folder: the paper's settings fine-tune a CLIPModel folder \(openai\/clip-vit-base-patch16, as the paper\)/);
    expect(none.problems[0]!.fix).toMatchObject({ label: 'Settings → Model folders → clip', href: '/settings' });
    const wrong = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id, config: { base_model: BLIP_FOLDER } } });
    expect(wrong.problems[0]!.message).toBe(`${BLIP_FOLDER} holds a "blip" model; Region-CLIP fine-tunes a CLIPModel folder (openai/clip-vit-base-patch16, as the paper)`);
    const missing = await t.client.call('runs.preflight', { kind: 'train-blip', params: { datasetId: id, config: { base_model: '/nowhere/blip' } } });
    expect(missing.problems[0]!.message).toBe('base model folder /nowhere/blip does not exist');
    await t.client.call('settings.update', { modelFolders: { clip: CLIP_FOLDER } });
    const fromSettings = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id } });
    expect(fromSettings).toMatchObject({ ok: true, baseModel: CLIP_FOLDER, params: { config: { base_model: CLIP_FOLDER } } });
    expect(fromSettings.configSummary).toContain('fusion 50ep lr 0.0001');
  });

  it('refuses a dataset still importing, a bad config field, an unknown dataset', async () => {
    t = openTestApp();
    const importing = seed(t, 'half-imported', 20, { masks: 20, approved: 20, status: 'importing' });
    const check = await t.client.call('runs.preflight', { kind: 'train-blip', params: { datasetId: importing, preset: 'tiny' } });
    expect(check.problems.map((p) => p.message)).toEqual(['dataset "half-imported" is still importing: train once its import has finished']);
    const ready = seed(t, 'ready', 20, { masks: 20, approved: 20 });
    const bad = await t.client.call('runs.preflight', { kind: 'train-blip', params: { datasetId: ready, preset: 'tiny', textFallback: 'dataset', config: { batch_size: -1 } } });
    expect(bad.problems.map((p) => [p.field, p.message])).toEqual([['config', 'the run config: field "batch_size": Too small: expected number to be >0']]);
    const unknown = await t.client.call('runs.preflight', { kind: 'train-blip', params: { datasetId: 999 } });
    expect(unknown.problems.map((p) => p.message)).toEqual(['dataset 999 not found']);
  });
});

describe('jobs.start runs the same pre-flight', () => {
  it('refuses with the first problem and its fix, and leaves no job or run behind', async () => {
    t = openTestApp();
    const id = seed(t, 'humanedit-mini', 20, { masks: 20, approved: 0 });
    await expect(t.client.call('jobs.start', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny' } })).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringMatching(/^dataset "humanedit-mini" has 0 usable pairs for Region-CLIP.*\(Review region captions of humanedit-mini; or: ric train regionclip --dataset humanedit-mini --text-fallback dataset\)$/),
    });
    expect(await t.client.call('jobs.list', {})).toEqual([]);
    expect(await t.client.call('runs.list', {})).toEqual([]);
  });

  it("keeps the run's uid through the checked parameters: a cluster task's run takes its placeholder's", async () => {
    t = openTestApp();
    const id = seed(t, 'shapes-like', 20, { masks: 20, approved: 20 });
    const runUid = 'e3ff'.padEnd(32, '0');
    const check = await t.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny', runUid } });
    expect(check.params).toMatchObject({ runUid });
    const started = await t.client.call('jobs.start', { kind: 'train-regionclip', params: { datasetId: id, preset: 'tiny', runUid } });
    // The run exists from the moment the job is queued (the job itself is left to the app's close).
    expect(sqlOf(t.app.store).prepare('SELECT uid FROM runs WHERE id = ?').get(started.runId)).toEqual({ uid: runUid });
  });
});
