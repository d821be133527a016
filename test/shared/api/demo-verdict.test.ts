// The demo's verdict line (issue 18): the full method against the baseline, by how much, and whether
// that is beyond the spread — over seeds when there are several, else said to be over samples.
import { describe, expect, it } from 'vitest';
import { DEMO_VARIANT_LABELS, demoVerdict, type TableModel } from '../../../shared/api/index.js';

const cell = (mean: number, std: number, stdOver: 'seeds' | 'samples') => ({ mean, std, stdOver, count: 3, nMin: 60, nMax: 60, best: false });
const table = (full: [number, number], base: [number, number], stdOver: 'seeds' | 'samples'): TableModel => ({
  presetName: 'shapes',
  presetSha256: 'x',
  grouping: 'seed',
  columns: [
    { key: 'editAcc.full', metric: 'editAcc', region: 'full', label: 'Edit acc. %', better: 'higher', digits: 1 },
    { key: 'psnr.inside', metric: 'psnr', region: 'inside', label: 'PSNR (inside)', better: 'higher', digits: 2 },
  ],
  rows: [
    { label: DEMO_VARIANT_LABELS.baseline, resultSetIds: [1], evaluationIds: [1], seeds: [0], switches: [], cells: { 'editAcc.full': cell(base[0], base[1], stdOver), 'psnr.inside': cell(20, 0.5, stdOver) } },
    { label: DEMO_VARIANT_LABELS.full, resultSetIds: [2], evaluationIds: [2], seeds: [0], switches: [], cells: { 'editAcc.full': cell(full[0], full[1], stdOver), 'psnr.inside': cell(19.5, 0.1, stdOver) } },
  ],
  reference: 0,
  warnings: [],
});

describe('demoVerdict', () => {
  it('says who wins, by how much, against the spread', () => {
    expect(demoVerdict(table([40, 2], [30, 3], 'seeds'))).toEqual([
      'Edit acc. %: the full method beats the baseline by 10.0 — larger than the seed-to-seed spread (std ≤ 3.0)',
      'PSNR (inside): the full method trails the baseline by 0.50 — within the seed-to-seed spread (std up to 0.50)',
    ]);
    expect(demoVerdict(table([31, 20], [30, 25], 'samples'))[0]).toBe('Edit acc. %: the full method beats the baseline by 1.0 — within the sample-to-sample (one seed) spread (std up to 25.0)');
  });
  it('also says what the edit costs outside the mask', () => {
    const t = table([42.1, 1.8], [37.4, 1.0], 'seeds');
    const outside = { key: 'psnr.outside', metric: 'psnr', region: 'outside', label: 'PSNR (outside)', better: 'higher', digits: 2 } as const;
    const withOutside: TableModel = {
      ...t,
      columns: [...t.columns, outside],
      rows: t.rows.map((r, i) => ({ ...r, cells: { ...r.cells, 'psnr.outside': cell(i === 0 ? 23.59 : 19.43, i === 0 ? 0.56 : 0.94, 'seeds') } })),
    };
    expect(demoVerdict(withOutside)[2]).toBe('PSNR (outside): the full method trails the baseline by 4.16 — larger than the seed-to-seed spread (std ≤ 0.94)');
  });
  it('says nothing without both rows', () => {
    const t = table([1, 1], [1, 1], 'seeds');
    expect(demoVerdict({ ...t, rows: t.rows.slice(0, 1) })).toEqual([]);
  });
});
