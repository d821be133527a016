// A dataset that is not `ready` (still importing, stopped mid-import, failed) cannot feed a job:
// refused when queued (training, captions, the mask export) with a message naming the dataset, its
// state and what to do, and refused again by the engine host when the job starts — the state can
// change while the job waits (issue 10: training could be started on a dataset still importing).
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../../shared/api/contract.js';
import { openTestApp, tempDir, type TestApp } from '../../helpers/app.js';
import { sqlOf } from '../../helpers/sql.js';
import { importShapes, tinyTraining, waitState } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.app.context.jobs.close();
  t?.close();
  t = null;
});

const setStatus = (app: TestApp, id: number, status: string) => sqlOf(app.app.store).prepare('UPDATE datasets SET status = ? WHERE id = ?').run(status, id);

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiCallError);
  return { code: (err as ApiCallError).code, message: (err as ApiCallError).message };
}

describe('a dataset that is not ready feeds no job', () => {
  it('is refused when queued, naming the dataset, its state and what to do; nothing is queued', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 8);
    const before = (await app.client.call('jobs.list', {})).length;

    // An import that was killed: `importing`, and no import job alive.
    setStatus(app, datasetId, 'importing');
    const stopped = 'dataset "shapes" is importing, but no import is running (it was stopped): import the same source again to finish it, then start';
    expect(await refusal(app.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId) }))).toEqual({
      code: 'failed_precondition',
      message: `${stopped} a regionclip training job`,
    });
    expect(await refusal(app.client.call('captions.generate', { datasetId, kind: 'scene', captioner: 'template' }))).toEqual({ code: 'failed_precondition', message: `${stopped} a caption job` });
    expect(await refusal(app.client.call('masks.export', { datasetId, path: tempDir('ric-export-'), polarity: 'white' }))).toEqual({ code: 'failed_precondition', message: `${stopped} an export` });

    setStatus(app, datasetId, 'failed');
    expect(await refusal(app.client.call('jobs.start', { kind: 'train-blip', params: tinyTraining(datasetId) }))).toEqual({
      code: 'failed_precondition',
      message: 'dataset "shapes" is failed: its import did not finish. Import the same source again to resume it, then start a blip training job',
    });
    expect((await app.client.call('jobs.list', {})).length).toBe(before);

    // While an import of it is queued or running, the message names that job.
    setStatus(app, datasetId, 'ready');
    const other = await app.client.call('datasets.importShapes', { count: 400, name: 'big' });
    const busy = await refusal(app.client.call('jobs.start', { kind: 'caption', params: { datasetId: other.datasetId, kind: 'scene', captioner: 'template' } }));
    expect(busy).toEqual({ code: 'failed_precondition', message: `dataset "big" is still importing (job ${other.jobId}): a caption job can start once the import has finished` });
    await app.client.call('jobs.cancel', { id: other.jobId });
    await waitState(app, other.jobId, ['cancelled', 'completed', 'failed']);

    // Ready again: the same call queues.
    const ok = await app.client.call('captions.generate', { datasetId, kind: 'scene', captioner: 'template' });
    expect((await waitState(app, ok.jobId, ['completed', 'failed'])).state).toBe('completed');
  }, 120_000);

  it('is refused by the engine host when the dataset stopped being ready after the job was queued', async () => {
    t = openTestApp();
    const app = t;
    const datasetId = await importShapes(app, 8);
    // The GPU lane's host is not started yet: the start message waits for it to boot, and the
    // dataset goes back to `importing` in the meantime (an import of it queued by another process).
    expect(app.app.context.jobs.hostPid('gpu')).toBeUndefined();
    const { id } = await app.client.call('jobs.start', { kind: 'train-regionclip', params: tinyTraining(datasetId) });
    setStatus(app, datasetId, 'importing');
    const job = await waitState(app, id, ['completed', 'failed', 'interrupted'], 60_000);
    expect(job.state).toBe('failed');
    expect(job.error).toBe('dataset "shapes" is importing, but no import is running (it was stopped): import the same source again to finish it, then start a regionclip training job');
    expect(job.stack).toBeNull();
    expect(sqlOf(app.app.store).prepare('SELECT status FROM runs WHERE id = ?').get(job.runId)).toEqual({ status: 'failed' });
  }, 120_000);
});
