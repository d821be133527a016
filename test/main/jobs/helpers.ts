// Driving the real queue through the Api: wait for a job state, for metric points, for a checkpoint.
import type { ApiEventPayload, JobState } from '../../../shared/api/index.js';
import type { TestApp } from '../../helpers/app.js';

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 120_000, everyMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitState(t: TestApp, id: number, states: JobState[], timeoutMs = 120_000) {
  return until(`job ${id} to be ${states.join('|')}`, async () => {
    const j = await t.client.call('jobs.get', { id });
    return states.includes(j.state) ? j : null;
  }, timeoutMs);
}

/** Collects metric.batch events of a run. */
export function collectPoints(t: TestApp, runId: number) {
  const points: ApiEventPayload<'metric.batch'>['points'] = [];
  const off = t.client.on('metric.batch', (p) => {
    if (p.runId === runId) points.push(...p.points);
  });
  return { points, off, steps: (key: string) => points.filter((p) => p.key === key).map((p) => p.step) };
}

/** ShapesEdit imported through the queue (the light engine host). */
export async function importShapes(t: TestApp, count = 48): Promise<number> {
  const { id } = await t.client.call('jobs.start', { kind: 'import', params: { format: 'shapes', count, seed: 3, size: 64, name: 'shapes' } });
  const job = await waitState(t, id, ['completed', 'failed'], 120_000);
  if (job.state !== 'completed') throw new Error(`import failed: ${job.error}`);
  return (job.result as { datasetId: number }).datasetId;
}

/** Tiny Region-CLIP settings: one long fusion phase with a checkpoint every 2 steps. */
export const tinyTraining = (datasetId: number, over: Record<string, unknown> = {}) => ({
  datasetId,
  preset: 'tiny',
  config: { batch_size: 8, eval_batch_size: 64, keep_checkpoints: 0, checkpoint_every_steps: 2, phases: [{ name: 'fusion', epochs: 40, lr: 3e-3 }], ...over },
});
