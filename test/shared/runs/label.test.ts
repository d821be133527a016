// One name per run (issue 12): the CLI, the runs table, the monitor and the compare view all call
// these, so "run 3 · first" is what a run is called everywhere (the e2e tests read it in each place).
import { describe, expect, it } from 'vitest';
import { defaultRunName, runLabel, runLabelWithJob } from '../../../shared/runs/index.js';

describe('run labels', () => {
  it('puts the run id first and the name after; the job id only where asked', () => {
    expect(runLabel({ id: 3, name: 'first' })).toBe('run 3 · first');
    expect(runLabelWithJob({ id: 3, name: 'first', jobId: 9 })).toBe('run 3 · first (job 9)');
    expect(runLabelWithJob({ id: 3, name: 'first', jobId: null })).toBe('run 3 · first');
  });

  it('names a run started without a name by what it trains, how and on what — never by the job id', () => {
    expect(defaultRunName('regionclip', 'tiny', 'shapes')).toBe('regionclip tiny on shapes');
    expect(defaultRunName('blip', null, null)).toBe('blip');
  });
});
