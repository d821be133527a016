// The table model (shared/evals/table.ts): seeds grouped into mean ± sample std over the members,
// the best value per column by the metric's arrow, CSV quoting and LaTeX escaping.
import { describe, expect, test } from 'vitest';
import { buildTable, latexEscape, switchesFrom, tableCsv, tableLatex, type TableMember } from '../../../shared/evals/table.js';
import { canonicalJson, presetAgainst, presetColumns } from '../../../shared/evals/metrics.js';
import { BUILTIN_PRESETS } from '../../../shared/metrics/presets.js';

const member = (resultSetId: number, method: string, seed: number | null, clipI: number, lpips: number, n = 10): TableMember => ({
  resultSetId, method, seed, evaluationId: resultSetId + 100,
  aggregates: [{ metric: 'clipI', region: 'full', mean: clipI, std: 0.01, n }, { metric: 'lpips', region: 'full', mean: lpips, std: 0.02, n: n - 1 }],
});
const columns = [{ metric: 'clipI', region: 'full' }, { metric: 'lpips', region: 'full' }] as const;

describe('buildTable', () => {
  test('seeds of one method become one row: mean and sample std over the members', () => {
    const members = [member(1, 'ours', 0, 0.90, 0.20), member(2, 'ours', 1, 0.92, 0.10), member(3, 'ours', 2, 0.94, 0.15), member(4, 'IP2P, "v1"', null, 0.95, 0.30, 8)];
    const t = buildTable({ presetName: 'p', presetSha256: 'f'.repeat(64), grouping: 'seed', columns, members });
    expect(t.rows.map((r) => r.label)).toEqual(['ours', 'IP2P, "v1"']);
    const ours = t.rows[0]!;
    expect(ours.seeds).toEqual([0, 1, 2]);
    expect(ours.cells['clipI.full']!.mean).toBeCloseTo(0.92, 12);
    expect(ours.cells['clipI.full']!.std).toBeCloseTo(0.02, 12); // sqrt(((-.02)²+0+.02²)/2)
    expect(ours.cells['clipI.full']).toMatchObject({ count: 3, stdOver: 'seeds', nMin: 10, nMax: 10 });
    // CLIP-I higher is better: IP2P; LPIPS lower is better: ours (0.15 < 0.30).
    expect(t.rows[1]!.cells['clipI.full']!.best).toBe(true);
    expect(ours.cells['clipI.full']!.best).toBe(false);
    expect(ours.cells['lpips.full']!.best).toBe(true);
    expect(t.rows[1]!.cells['lpips.full']).toMatchObject({ std: 0.02, stdOver: 'samples', nMin: 7 });

    const ungrouped = buildTable({ presetName: 'p', presetSha256: 'f'.repeat(64), grouping: 'none', columns, members });
    expect(ungrouped.rows).toHaveLength(4);

    const csv = tableCsv(t).split('\r\n');
    expect(csv[0]).toBe('method,result_sets,seeds,CLIP-I,CLIP-I std,CLIP-I n,LPIPS,LPIPS std,LPIPS n');
    expect(csv[2]).toBe('"IP2P, ""v1""",4,-,0.95,0.01,8,0.3,0.02,7');
    const tex = tableLatex(t);
    expect(tex).toContain('Method & CLIP-I $\\uparrow$ & LPIPS $\\downarrow$ \\\\');
    expect(tex).toContain('ours & $0.9200 \\pm 0.0200$ & $\\mathbf{0.1500 \\pm 0.0500}$ \\\\');
    expect(tex).toMatch(/\\toprule[\s\S]*\\midrule[\s\S]*\\bottomrule/);
  });

  test('LaTeX specials are escaped; a missing value is a dash', () => {
    expect(latexEscape('w/o global_loss & 50% {x} $1 #2 ~^\\')).toBe('w/o global\\_loss \\& 50\\% \\{x\\} \\$1 \\#2 \\textasciitilde{}\\textasciicircum{}\\textbackslash{}');
    const t = buildTable({ presetName: 'p', presetSha256: 'f'.repeat(64), grouping: 'none', columns, members: [{ ...member(1, 'a', null, 0.5, 0.5), aggregates: [] }] });
    expect(tableLatex(t)).toContain('a & -- & -- \\\\');
  });
});

describe('ablation view', () => {
  test('each row names the provenance fields it switches against the reference; seeds and code versions are not switches', () => {
    const ref = { kind: 'edit', steps: 20, guidanceScale: 7.5, seed: 0, codeVersion: 'a', modelFolder: '/runs/full' };
    expect(switchesFrom(ref, { ...ref, seed: 3, codeVersion: 'b' })).toEqual([]);
    expect(switchesFrom(ref, { ...ref, modelFolder: '/runs/no-global', steps: 50 })).toEqual(['modelFolder: /runs/full → /runs/no-global', 'steps: 20 → 50']);
    const members = [{ ...member(1, 'full', 0, 0.9, 0.2), provenance: ref }, { ...member(2, 'w/o global', 0, 0.8, 0.3), provenance: { ...ref, modelFolder: '/runs/no-global' } }];
    const t = buildTable({ presetName: 'p', presetSha256: 'f'.repeat(64), grouping: 'none', columns, members, ablationReference: 1 });
    expect(t.reference).toBe(0);
    expect(t.rows.map((r) => r.switches)).toEqual([[], ['modelFolder: /runs/full → /runs/no-global']]);
    expect(tableCsv(t).split('\r\n')[2]).toMatch(/,modelFolder: \/runs\/full → \/runs\/no-global$/);
  });
});

describe('presets as columns', () => {
  test("ric-authors: full-image columns first in the paper's order, then inside and outside", () => {
    const keys = presetColumns(BUILTIN_PRESETS['ric-authors']).map((c) => `${c.metric}.${c.region}`);
    expect(keys.slice(0, 6)).toEqual(['clipI.full', 'dino.full', 'clipT.full', 'lpips.full', 'fid.full', 'is.full']);
    expect(keys).toContain('lpips.outside');
  });

  test('--against renames the preset only when it changes a reference; canonical JSON ignores key order', () => {
    const mb = BUILTIN_PRESETS.magicbrush;
    expect(presetAgainst(mb, 'target').name).toBe('magicbrush');
    const vsSource = presetAgainst(mb, 'source');
    expect(vsSource.name).toBe('magicbrush@source');
    expect(vsSource.metrics.clipI!.reference).toBe('source');
    expect(mb.metrics.clipI!.reference).toBe('target'); // the built-in is not changed
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});
