// Lines the CLI prints while it works (issue 17): a count says what it counts, and a metric the run
// never wrote is left out rather than shown as "?".
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../main/cli/commands/import.js';
import { metricsLine } from '../../../main/cli/commands/train.js';

describe('progress and result lines', () => {
  it('an import without a known total counts samples, never a bare number', () => {
    expect(progressLine({ done: 0, total: null, rate: null, etaSeconds: null })).toBe('0 samples so far');
    expect(progressLine({ done: 1, total: null, rate: 2, etaSeconds: null })).toBe('1 sample so far 2.0/s');
    expect(progressLine({ done: 5, total: 10, rate: null, etaSeconds: 3 }, 10)).toBe('[#####-----] 5/10 50% ETA 0:03');
    expect(progressLine({ done: 0, total: null, rate: null, etaSeconds: null }, 30, ['step', 'steps'])).toBe('0 steps so far');
  });

  it('a run states what it measured and leaves out what it did not', () => {
    expect(metricsLine({})).toBe('no metrics were recorded (the run stopped before its first step)');
    expect(metricsLine({ loss: 1.23456 })).toBe('last loss 1.2346');
    expect(metricsLine({ val_r1: 0.5, loss: 0.1 })).toBe('validation recall@1 0.500; last loss 0.1000');
    expect(metricsLine({ val_r1: 0.5, val_chance_r1: 0.25, val_r5: 1 })).toBe('validation recall@1 0.500 (chance 0.250), recall@5 1.000');
    expect(metricsLine({ loss: 0.1, epoch_loss: 0.25 })).toBe('mean loss of the last epoch 0.2500');
  });
});
