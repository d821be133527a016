// A job that reads an image whose file is unreadable (a folder in its place: root reads through
// permission bits, not through that) or missing: the job ends failed with the sample, the file and
// the cause, no stack, nothing left running, the store intact; once the file is restored, resuming
// the job finishes the run.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../../helpers/app.js';
import { sqlOf } from '../../../helpers/sql.js';
import { importShapes, waitState } from '../../jobs/helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('a training job over an image that cannot be read', () => {
  it('fails naming the sample, the file and the cause; resumes to the end once the file is back', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 16);
    const [first, second] = sqlOf(app.app.store).prepare('SELECT external_id AS ref, target_sha256 AS sha FROM samples ORDER BY id LIMIT 2').all() as { ref: string; sha: string }[];
    const file = (sha: string) => path.join(app.dataDir, 'blobs', sha.slice(0, 2), sha);
    const saved = [fs.readFileSync(file(first!.sha)), fs.readFileSync(file(second!.sha))];
    fs.rmSync(file(first!.sha));
    fs.mkdirSync(file(first!.sha));
    // One batch of every training pair: the trainers use full batches only (drop_last), so with a
    // smaller batch the pairs of the left-out remainder are never read and the test would hinge on the
    // shuffle. The split's size is the pre-flight's (the same split the trainer makes).
    const config = { val_fraction: 0, phases: [{ name: 'fusion', epochs: 1, lr: 3e-3 }] };
    const check = await app.client.call('runs.preflight', { kind: 'train-regionclip', params: { datasetId, preset: 'tiny', config } });
    expect(check.problems).toEqual([]);
    const params = { datasetId, preset: 'tiny', config: { ...config, batch_size: check.trainPairs } };

    const { id } = await app.client.call('jobs.start', { kind: 'train-regionclip', params });
    const failed = await waitState(app, id, ['completed', 'failed', 'interrupted']);
    expect(failed.state).toBe('failed');
    expect(failed.error).toBe(`sample ${first!.ref}: stored image ${first!.sha.slice(0, 12)} (${file(first!.sha)}) cannot be read (EISDIR, a folder is in its place): restore the file from a backup of the data folder`);
    expect(failed.stack).toBeNull();

    // Restored — and now another one is missing: the resumed job names that one.
    fs.rmdirSync(file(first!.sha));
    fs.writeFileSync(file(first!.sha), saved[0]!);
    fs.rmSync(file(second!.sha));
    await app.client.call('jobs.resume', { id });
    const missing = await waitState(app, id, ['completed', 'failed', 'interrupted']);
    expect(missing.state).toBe('failed');
    expect(missing.error).toBe(`sample ${second!.ref}: target image ${second!.sha.slice(0, 12)} (${path.join('blobs', second!.sha.slice(0, 2), second!.sha)}) is missing from the data folder: restore the file from a backup of the data folder`);

    fs.writeFileSync(file(second!.sha), saved[1]!);
    await app.client.call('jobs.resume', { id });
    const done = await waitState(app, id, ['completed', 'failed', 'interrupted']);
    expect(done.state, done.error ?? '').toBe('completed');
    expect(sqlOf(app.app.store).prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('running', 'queued')").get()).toEqual({ n: 0 });
    expect(app.app.store.integrityCheck()).toBe('ok');
  }, 180_000);
});
