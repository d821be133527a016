// The runs repository's metrics: a burst of 100 000 points is stored in batched transactions with
// latest_metrics and rollups; a decimated series of at most 2 x width real points comes back that
// keeps every extreme; rewinding a run (resume from a checkpoint) rebuilds rollups.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../../helpers/app.js';
import { sqlOf } from '../../../helpers/sql.js';

let t: TestApp | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

function newRun(t: TestApp): number {
  return t.app.store.runs.create({ jobId: null, kind: 'regionclip', name: 'r', datasetId: null, config: {}, seed: 0, codeVersion: 'test' });
}

/** A loss-like curve with noise and one spike the decimation must keep. */
const value = (step: number) => 2 * Math.exp(-step / 30_000) + 0.05 * Math.sin(step * 0.37) + (step === 77_777 ? 9 : 0);

describe('metric writer and decimated series', () => {
  it('stores a burst of 100 000 points and returns a decimated series of the right length', async () => {
    t = openTestApp();
    const runId = newRun(t);
    const flushed: number[] = [];
    const writer = t.app.store.runs.metricWriter((_run, points) => flushed.push(points.length));
    for (let s = 1; s <= 100_000; s++) {
      writer.add(runId, 'loss', s, value(s), 1000 + s);
      if (s % 10 === 0) writer.add(runId, 'lr', s, 1e-3 * (1 - s / 100_000), 1000 + s);
    }
    writer.close();
    const runs = t.app.store.runs;
    expect(runs.metricHistory(runId, 'loss')).toHaveLength(100_000);
    expect(flushed.reduce((a, b) => a + b, 0)).toBe(110_000);
    expect(runs.latestMetrics(runId).find((m) => m.key === 'loss')).toMatchObject({ step: 100_000, value: value(100_000) });

    const width = 500;
    const s = runs.series(runId, 'loss', width);
    expect(s.decimated).toBe(true);
    expect(s.count).toBe(100_000);
    expect(s.steps.length).toBeLessThanOrEqual(2 * width);
    expect(s.steps.length).toBeGreaterThanOrEqual(width);
    for (let i = 1; i < s.steps.length; i++) expect(s.steps[i]).toBeGreaterThan(s.steps[i - 1]!);
    // Every point is a stored point, and the extremes (the spike, the first high values) survive.
    s.steps.forEach((step, i) => expect(s.values[i]).toBe(value(step)));
    expect(s.steps).toContain(77_777);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 1; k <= 100_000; k++) (lo = Math.min(lo, value(k))), (hi = Math.max(hi, value(k)));
    expect(Math.min(...s.values)).toBe(lo);
    expect(Math.max(...s.values)).toBe(hi);

    // Through the Api, with a zoomed range (raw points when they fit).
    const api = await t.client.call('runs.series', { runId, keys: ['loss', 'lr'], width: 400, fromStep: 50_001, toStep: 50_300 });
    expect(api.series[0]).toMatchObject({ key: 'loss', count: 300, decimated: false });
    expect(api.series[0]!.steps[0]).toBe(50_001);
    expect(api.series[1]).toMatchObject({ key: 'lr', count: 30, decimated: false });
    const zoom = await t.client.call('runs.series', { runId, keys: ['loss'], width: 100, fromStep: 12_345, toStep: 67_890 });
    expect(zoom.series[0]!.count).toBe(67_890 - 12_345 + 1);
    expect(zoom.series[0]!.steps[0]).toBeGreaterThanOrEqual(12_345);
    expect(zoom.series[0]!.steps.at(-1)).toBeLessThanOrEqual(67_890);
    expect(zoom.series[0]!.steps.length).toBeLessThanOrEqual(200);
  });

  it('rewinding a run to a checkpoint forgets later points and rebuilds the rollups', () => {
    t = openTestApp();
    const runId = newRun(t);
    const runs = t.app.store.runs;
    const writer = runs.metricWriter();
    for (let s = 1; s <= 20_000; s++) writer.add(runId, 'loss', s, s === 15_000 ? 100 : 1, s);
    writer.close();
    runs.truncateAfter(runId, 10_000);
    expect(runs.metricHistory(runId, 'loss').at(-1)?.step).toBe(10_000);
    expect(runs.latestMetrics(runId)).toEqual([expect.objectContaining({ key: 'loss', step: 10_000 })]);
    // The rollups underneath (migration 4), read directly.
    const db = sqlOf(t.app.store);
    // The spike at 15 000 was forgotten in every level.
    expect(db.prepare('SELECT max(max_value) AS m, max(max_step) AS s FROM metric_rollups WHERE run_id = ?').get(runId)).toEqual({ m: 1, s: 10_000 });
    expect(db.prepare('SELECT sum(n) AS n FROM metric_rollups WHERE run_id = ? AND level = 4').get(runId)).toEqual({ n: 10_000 });
    const s = runs.series(runId, 'loss', 50);
    expect(Math.max(...s.values)).toBe(1);
    expect(s.count).toBe(10_000);
  });
});
