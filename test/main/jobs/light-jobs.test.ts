// Light jobs through the same queue: an import and a caption job (ShapesEdit scene-graph template)
// run in the light engine host, not in main, and their results land in the store.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { importShapes, waitState } from './helpers.js';
import { sqlOf } from '../../helpers/sql.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

describe('light jobs in the engine host', () => {
  it('imports and captions through the queue', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 8);
    const lightPid = app.app.context.jobs.hostPid('light');
    expect(lightPid).toBeGreaterThan(0);
    expect(lightPid).not.toBe(process.pid);
    const { id } = await app.client.call('jobs.start', { kind: 'caption', params: { datasetId, kind: 'scene', captioner: 'template' } });
    const job = await waitState(app, id, ['completed', 'failed']);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ written: 8, failed: [] });
    expect(job.title).toBe('Captions (scene) on shapes');
    const n = sqlOf(app.app.store).prepare("SELECT count(*) AS n FROM captions WHERE kind = 'scene' AND source = 'template'").get() as { n: number };
    expect(n.n).toBe(8);
    // The same host ran both (started on demand, kept for the next light job).
    expect(app.app.context.jobs.hostPid('light')).toBe(lightPid);
    const log = await app.client.call('jobs.log', { id });
    expect(log.map((l) => l.message)).toContain(`started in the light engine host (pid ${lightPid})`);
  }, 120_000);

  it('resumes a cancelled light job (its queue entry lost the null resume point) to completion', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 6);
    const { id } = await app.client.call('jobs.start', { kind: 'caption', params: { datasetId, kind: 'scene', captioner: 'template' } });
    await waitState(app, id, ['completed', 'failed']);
    // A finished light job run again goes through the same resume path as a cancelled one.
    app.app.store.jobs.update(id, { state: 'cancelled' });
    await app.client.call('jobs.resume', { id });
    const again = await waitState(app, id, ['completed', 'failed'], 30_000);
    expect(again.error).toBeNull();
    expect(again.state).toBe('completed');
  }, 120_000);
});
