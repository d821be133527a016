// The cluster profile form's text ↔ profile (issue 19): a filled form becomes exactly what
// cluster.saveProfile takes, round-trips through draftOf, and every bad field is named by its path
// in plain words (not the schema library's) before anything is sent.
import { describe, expect, it } from 'vitest';
import { clusterProfileSchema } from '../../../../shared/api/index.js';
import { internalNames } from '../../../helpers/internal-names.js';
import { draftOf, EMPTY_DRAFT, profileOf, profileSummary } from '../../../../renderer/src/views/settings/clusterDraft.js';

const filled = { ...EMPTY_DRAFT, name: 'hpc', host: 'me@login.hpc', port: '2222', partition: 'gpu', account: 'lab', gpusPerRun: '2', timeLimit: '1-00:00:00', workDir: '/scratch/me/ric', ricCommand: 'module load ric && ric', maxParallel: '8' };

describe('cluster profile form', () => {
  it('turns a filled form into the profile the Api takes, and back', () => {
    const r = profileOf(filled);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.profile).toEqual(clusterProfileSchema.parse({ name: 'hpc', login: { kind: 'ssh', host: 'me@login.hpc', port: 2222 }, partition: 'gpu', account: 'lab', gpusPerRun: 2, cpusPerRun: 4, timeLimit: '1-00:00:00', workDir: '/scratch/me/ric', ricCommand: 'module load ric && ric', maxParallel: 8 }));
    expect(draftOf(r.profile)).toEqual(filled);
    expect(profileSummary(r.profile)).toBe('ssh me@login.hpc:2222 · partition gpu · account lab · 2 GPU, 4 CPU per run · 1-00:00:00 · at most 8 at once · /scratch/me/ric');
  });

  it('a local login needs no host; empty account and parallelism mean none', () => {
    const r = profileOf({ ...filled, loginKind: 'local', host: '', port: '', account: '', maxParallel: '' });
    expect(r.ok && r.profile).toMatchObject({ login: { kind: 'local' }, account: null, maxParallel: null });
  });

  it('names every bad field by its path, in plain words', () => {
    const r = profileOf({ ...filled, name: 'has space', host: '', partition: 'gpu;rm', gpusPerRun: 'two', timeLimit: 'tomorrow', workDir: 'relative/dir', maxParallel: '0' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([...r.problems.keys()].sort()).toEqual(['gpusPerRun', 'login.host', 'maxParallel', 'name', 'partition', 'timeLimit', 'workDir']);
    expect(r.problems.get('gpusPerRun')).toBe('must be a number');
    expect(r.problems.get('maxParallel')).toBe('must be at least 1');
    expect(r.problems.get('timeLimit')).toMatch(/Slurm's --time format/);
    for (const m of r.problems.values()) expect(internalNames(m)).toEqual([]);
  });
});
