// The Training view's pure helpers: chart grouping of metric keys, debiased EMA, aligning series of
// several runs on one step axis, and config differences.
import { describe, expect, it } from 'vitest';
import { alignSeries, chartGroups, configDifferences, ema } from '../../../../renderer/src/views/training/metrics.js';

describe('training view helpers', () => {
  it('groups the trainer keys into charts: every loss term with the total, then lr, grad norm, time, throughput', () => {
    const keys = ['loss_t2i', 'lr', 'loss', 'grad_norm', 'step_time_ms', 'samples_per_s', 'val_r1', 'val_chance_r1', 'val_loss', 'val_pairs', 'epoch', 'epoch_loss', 'phase', 'tau', 'loss_i2t'];
    const groups = chartGroups(keys);
    expect(groups.map((g) => g.id)).toEqual(['loss', 'val-loss', 'val', 'lr', 'grad', 'time', 'throughput', 'k:tau']);
    // The epoch's mean beside the per-step loss; validation loss on its own axis, recall with its chance level.
    expect(groups[0]!.keys).toEqual(['loss', 'epoch_loss', 'loss_i2t', 'loss_t2i']);
    expect(groups[1]!.keys).toEqual(['val_loss']);
    expect(groups[2]!.keys).toEqual(['val_chance_r1', 'val_r1']);
  });

  it('smooths with a debiased EMA that skips gaps', () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = ema([2, null, 2, 2], 0.9);
    expect(s[0]).toBeCloseTo(2, 12); // debiased: not pulled toward zero
    expect(s[1]).toBeNull();
    expect(s[3]).toBeCloseTo(2, 12);
    const step = ema([0, 10], 0.5);
    expect(step[1]).toBeCloseTo((0.5 * 0.5 * 0 + 0.5 * 10) / (1 - 0.25), 12);
  });

  it('aligns runs with different steps on one axis', () => {
    const { x, ys } = alignSeries([
      { steps: [1, 2, 4], values: [10, 20, 40] },
      { steps: [2, 3], values: [2, 3] },
    ]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(ys).toEqual([
      [10, 20, null, 40],
      [null, 2, 3, null],
    ]);
  });

  it('lists only the config keys that differ, missing keys included', () => {
    const d = configDifferences([
      { batch_size: 8, phases: [{ lr: 1e-3 }], fusion: { heads: 2 }, seed: 0 },
      { batch_size: 8, phases: [{ lr: 3e-3 }], fusion: { heads: 4 }, extra: true, seed: 0 },
    ]);
    expect(d).toEqual([
      { key: 'extra', values: [null, 'true'] },
      { key: 'fusion.heads', values: ['2', '4'] },
      { key: 'phases', values: ['[{"lr":0.001}]', '[{"lr":0.003}]'] },
    ]);
  });
});
