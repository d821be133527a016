// The pure half of the checkpoint sliders (issue 15's monitor, issue 16's Compare view): which
// checkpoint a run shows at a step, the slider's stops over several runs, rows of the same sample
// across runs with the best edit marked, and the per-run summary against the unedited source.
import { describe, expect, it } from 'vitest';
import { editGrid, editSamplePayloadSchema, editSummary, stepAtOrBefore, unionSteps } from '../../../shared/runs/index.js';

const e = (externalId: string, l1In: number, l1InSource = 0.3) => ({ externalId, instruction: `do ${externalId}`, l1In, l1InSource });

describe('checkpoint edits', () => {
  it('shows the last checkpoint at or before the step, else the first; the last without a step', () => {
    expect(stepAtOrBefore([10, 20, 30], 25)).toBe(20);
    expect(stepAtOrBefore([10, 20, 30], 30)).toBe(30);
    expect(stepAtOrBefore([10, 20, 30], 5)).toBe(10);
    expect(stepAtOrBefore([10, 20, 30], undefined)).toBe(30);
    expect(stepAtOrBefore([], 5)).toBeNull();
  });

  it('merges runs’ steps into one ascending list without repeats', () => {
    expect(unionSteps([[20, 10], [10, 15], []])).toEqual([10, 15, 20]);
  });

  it('lines up the same sample across runs whatever order each stored them in, and marks the lowest L1', () => {
    const grid = editGrid([
      [e('a', 0.2), e('b', 0.1)],
      [e('b', 0.05), e('c', 0.4), e('a', 0.25)],
    ]);
    expect(grid.map((r) => r.externalId)).toEqual(['a', 'b', 'c']);
    expect(grid[0]!.cells.map((c) => c?.l1In)).toEqual([0.2, 0.25]);
    expect(grid[0]!.best).toBe(0);
    expect(grid[1]!.best).toBe(1);
    // c is only in the second run: nothing to compare it with.
    expect(grid[2]!.cells[0]).toBeNull();
    expect(grid[2]!.best).toBeNull();
    expect(grid[2]!.instruction).toBe('do c');
  });

  it('summarises a run against the unedited source', () => {
    const s = editSummary([e('a', 0.1, 0.3), e('b', 0.5, 0.3)]);
    expect(s.n).toBe(2);
    expect(s.l1In).toBeCloseTo(0.3, 12);
    expect(s.l1InSource).toBeCloseTo(0.3, 12);
    expect(s.beatsSource).toBe(1);
    expect(editSummary([])).toEqual({ n: 0, l1In: null, l1InSource: null, beatsSource: 0 });
  });

  it('reads the payload the train-editor job stores, and refuses one without its L1', () => {
    const ok = { id: 's1', instruction: 'make it red', sourceSha256: 'a'.repeat(64), l1In: 0.1, l1InSource: 0.3, l1Out: 0.01 };
    expect(editSamplePayloadSchema.parse(ok)).toMatchObject({ id: 's1', l1In: 0.1 });
    expect(editSamplePayloadSchema.safeParse({ ...ok, l1In: 'x' }).success).toBe(false);
    expect(editSamplePayloadSchema.safeParse({ ...ok, id: '' }).success).toBe(false);
  });
});
