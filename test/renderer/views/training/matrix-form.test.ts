// The matrix dialog's form (issue 19): seeds lists and ranges, a run's config as the base, ablations ×
// seeds as the axes the Api expects, each bad field named in plain words; Slurm states in our words.
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../../../main/cluster/matrix.js';
import { internalNames } from '../../../helpers/internal-names.js';
import { baseOf, matrixName, matrixOf, parseSeeds, slurmStateClass, stateCounts, type MatrixForm } from '../../../../renderer/src/views/training/cluster/matrixForm.js';

const form: MatrixForm = { name: 'abl', kind: 'train-editor', dataset: 'shapes', preset: '', base: baseOf({ ablation: 'full', lr: 1e-4, seed: 7 }), ablations: ['full', 'no_region'], seeds: '0, 1' };

describe('matrix form', () => {
  it('reads seeds as lists and ranges, refusing anything else', () => {
    expect(parseSeeds('0, 1, 5-7')).toEqual([0, 1, 5, 6, 7]);
    expect(parseSeeds('3,3')).toEqual([3]);
    for (const bad of ['', 'a', '1.5', '-1', '5-2', '0-300']) expect(parseSeeds(bad)).toBeNull();
  });

  it('makes ablations × seeds of the run’s config, the seed left to its axis', () => {
    const r = matrixOf(form);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.runs).toBe(4);
    expect(r.matrix.base).toEqual({ ablation: 'full', lr: 1e-4 });
    // What the cluster runs: each variant's seeds side by side, the ablation set in each config.
    expect(expandMatrix(r.matrix).map((x) => [x.name, x.seed, x.config['ablation']])).toEqual([
      ['abl full seed=0', 0, 'full'],
      ['abl full seed=1', 1, 'full'],
      ['abl no_region seed=0', 0, 'no_region'],
      ['abl no_region seed=1', 1, 'no_region'],
    ]);
    // Other trainers have no ablation switch: seeds only.
    const clip = matrixOf({ ...form, kind: 'train-regionclip', ablations: [] });
    expect(clip.ok && clip.matrix.axes.map((a) => a.key)).toEqual(['seed']);
  });

  it('names each bad field in plain words', () => {
    const r = matrixOf({ ...form, base: '{ not json', seeds: 'x', ablations: [] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([...r.problems.keys()].sort()).toEqual(['ablations', 'base', 'seeds']);
    const named = matrixOf({ ...form, name: 'a/b' });
    expect(!named.ok && named.problems.get('name')).toMatch(/letters, digits/);
    expect(!matrixOf({ ...form, base: '[1]' }).ok).toBe(true);
    for (const m of r.problems.values()) expect(internalNames(m)).toEqual([]);
    expect(matrixName('ric tiny on shapes/1')).toBe('ric tiny on shapes 1 matrix');
  });

  it('colours Slurm states as runs are coloured and counts them', () => {
    expect(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED by 1000', 'PREEMPTED', 'OUT_OF_MEMORY'].map(slurmStateClass)).toEqual([
      'queued', 'running', 'completed', 'failed', 'failed', 'cancelled', 'interrupted', 'failed',
    ]);
    expect(stateCounts([{ state: 'RUNNING' }, { state: 'PENDING' }, { state: 'RUNNING' }])).toBe('2 RUNNING · 1 PENDING');
  });
});
