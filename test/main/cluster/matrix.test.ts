// The run matrix (issue 19): the cartesian product in array-task order with names from the axis
// labels, seeds as an axis, dotted keys into nested config; the cost preview from a measured step
// time; bad matrices refused with the axis named.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandMatrix, MatrixError, stepsOf } from '../../../main/cluster/matrix.js';
import { batchScript } from '../../../main/cluster/slurm.js';
import { editorAblations, runMatrixSchema } from '../../../shared/api/index.js';
import { openTestApp, tempDir } from '../../helpers/app.js';

const matrix = (over: Record<string, unknown> = {}) =>
  runMatrixSchema.parse({
    name: 'abl',
    kind: 'train-regionclip',
    dataset: 'shapes',
    preset: 'tiny',
    base: { batch_size: 8, micro_batch_size: 8, fusion: { kernel_size: 3 } },
    axes: [
      { key: 'fusion.pooling', values: ['cls', 'mean'], labels: ['gated-cls', 'gated-mean'] },
      { key: 'seed', values: [0, 1] },
    ],
    ...over,
  });

describe('run matrix', () => {
  it('expands to the cartesian product, last axis fastest, configs and seeds set', () => {
    const runs = expandMatrix(matrix());
    expect(runs.map((r) => [r.index, r.name, r.seed])).toEqual([
      [0, 'abl gated-cls seed=0', 0],
      [1, 'abl gated-cls seed=1', 1],
      [2, 'abl gated-mean seed=0', 0],
      [3, 'abl gated-mean seed=1', 1],
    ]);
    expect(runs[2]!.config).toEqual({ batch_size: 8, micro_batch_size: 8, fusion: { kernel_size: 3, pooling: 'mean' } });
    expect(runs[0]!.variant).toEqual({ 'fusion.pooling': 'gated-cls', seed: 'seed=0' });
    // The base is not shared between runs.
    expect(runs[0]!.config['fusion']).not.toBe(runs[2]!.config['fusion']);
    expect(expandMatrix(matrix({ axes: [] })).map((r) => r.name)).toEqual(['abl']);
  });

  it('offers the editor trainer’s own ablation switches', async () => {
    const { ablations } = await import('../../../main/engine/training/editor/config.js');
    expect([...editorAblations]).toEqual([...ablations]);
  });

  it('refuses bad axes with the axis named', () => {
    expect(() => expandMatrix(matrix({ axes: [{ key: 'seed', values: [-1] }] }))).toThrow(MatrixError);
    expect(() => expandMatrix(matrix({ axes: [{ key: 'lr', values: [1] }, { key: 'lr', values: [2] }] }))).toThrow(/axis "lr" appears twice/);
    expect(() => expandMatrix(matrix({ axes: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, values: Array.from({ length: 10 }, (_, j) => j) })) }))).toThrow(/100000 runs/);
    expect(runMatrixSchema.safeParse({ ...matrix(), axes: [{ key: 'a', values: [1, 2], labels: ['x'] }] }).success).toBe(false);
    expect(runMatrixSchema.safeParse({ ...matrix(), axes: [{ key: '../x', values: [1] }] }).success).toBe(false);
  });

  it('counts steps from phases, batch size and the training pairs, capped by max_steps', () => {
    const config = { batch_size: 32, phases: [{ epochs: 4 }, { epochs: 8 }] };
    expect(stepsOf(config, 100)).toBe(12 * 3); // 3 full batches of 32 an epoch (the trainers drop the last partial one)
    expect(stepsOf(config, 20)).toBe(12); // a split smaller than one batch: one step an epoch
    expect(stepsOf({ ...config, max_steps: 10 }, 100)).toBe(10);
    expect(stepsOf({ max_steps: 9000 }, 100)).toBe(9000);
    expect(stepsOf({}, 100)).toBeNull();
  });

  it('previews the cost from the measured step time of local runs of the kind', async () => {
    const t = openTestApp();
    try {
      const c = t.client;
      // An empty ready dataset: one training pair at least, so one batch an epoch.
      const ds = t.app.store.datasets.create({ name: 'shapes', format: 'shapes', sourcePath: null, options: {} });
      t.app.store.datasets.setStatus(ds, 'ready');
      const none = await c.call('cluster.preview', { matrix: matrix() });
      expect(none.runs).toHaveLength(4);
      expect(none.gpuHours).toBeNull();
      expect(none.stepTimeSource).toMatch(/no regionclip run has been measured here/);
      // Two measured runs here: 0.5 s and 1.5 s per step; the median of two is the upper one.
      for (const ms of [500, 1500]) {
        const id = t.app.store.runs.create({ jobId: null, kind: 'regionclip', name: 'm', datasetId: null, config: {}, seed: 0, codeVersion: 't' });
        const w = t.app.store.runs.metricWriter();
        w.add(id, 'step_time_ms', 1, ms);
        w.close();
      }
      const p = await c.call('cluster.preview', { matrix: matrix() });
      expect(p.secondsPerStep).toBe(1.5);
      // tiny preset: 4 + 8 epochs of one batch.
      expect(p.runs.map((r) => r.steps)).toEqual([12, 12, 12, 12]);
      expect(p.hoursPerRun).toBeCloseTo((12 * 1.5) / 3600, 9);
      expect(p.gpuHours).toBeCloseTo((4 * 12 * 1.5) / 3600, 9);
      const bad = matrix({ axes: [{ key: 'batch_size', values: [-4] }] });
      await expect(c.call('cluster.preview', { matrix: bad })).rejects.toThrow(/run 0.*batch_size/);
      // With a profile: the one sbatch array submit will run, its batch script, the GPUs in the cost.
      await c.call('cluster.saveProfile', { name: 'hpc', login: { kind: 'ssh', host: 'me@login.hpc' }, partition: 'gpu', account: 'lab', gpusPerRun: 2, timeLimit: '04:00:00', workDir: '/scratch/me/ric/', ricCommand: 'module load ric && ric', maxParallel: 3 });
      const withProfile = await c.call('cluster.preview', { matrix: matrix(), profile: 'hpc' });
      expect(withProfile.gpuHours).toBeCloseTo((2 * 4 * 12 * 1.5) / 3600, 9);
      expect(withProfile.sbatch).toMatchObject({ array: '0-3%3', workDir: '/scratch/me/ric/abl-XXXXXXXX', where: 'ssh me@login.hpc' });
      for (const arg of ["'--partition=gpu'", "'--account=lab'", "'--time=04:00:00'", "'--gres=gpu:2'", "'--array=0-3%3'", "'/scratch/me/ric/abl-XXXXXXXX/submit.sh'"]) expect(withProfile.sbatch!.command).toContain(arg);
      expect(withProfile.sbatch!.script).toContain('module load ric && ric cluster task --work "$WORK" --index "$i"');
      expect(none.sbatch).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it('the batch script gives a task the CPUs Slurm allotted as its tensor workers, unless the environment says', () => {
    const dir = tempDir('ric-batch-');
    try {
      // The `ric` command replaced by one that prints what the task would see (bash runs the real script).
      const script = path.join(dir, 'submit.sh');
      const profile = { name: 'p', login: { kind: 'local' as const }, partition: 'debug', account: null, gpusPerRun: 0, cpusPerRun: 3, timeLimit: '10', workDir: dir, ricCommand: `sh -c 'echo "[$RIC_ENGINE_WORKERS] $*"' ric`, maxParallel: null };
      fs.writeFileSync(script, batchScript(profile, dir));
      const run = (env: Record<string, string>) => spawnSync('bash', [script], { encoding: 'utf8', env: { PATH: process.env['PATH']!, SLURM_ARRAY_TASK_ID: '2', ...env } }).stdout.trim();
      expect(run({ SLURM_CPUS_PER_TASK: '3' })).toBe(`[3] cluster task --work ${dir} --index 2`);
      expect(run({ SLURM_CPUS_PER_TASK: '3', RIC_ENGINE_WORKERS: '1' })).toBe(`[1] cluster task --work ${dir} --index 2`);
      expect(run({})).toBe(`[] cluster task --work ${dir} --index 2`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks an editor matrix with the editor trainer’s own parser and counts its steps', async () => {
    const t = openTestApp();
    try {
      const ds = t.app.store.datasets.create({ name: 'shapes', format: 'shapes', sourcePath: null, options: {} });
      t.app.store.datasets.setStatus(ds, 'ready');
      const editor = (base: Record<string, unknown>, values: unknown[] = ['full', 'no_region'], preset?: 'tiny') =>
        runMatrixSchema.parse({ name: 'abl', kind: 'train-editor', dataset: 'shapes', ...(preset ? { preset } : {}), base, axes: [{ key: 'ablation', values }, { key: 'seed', values: [0, 1] }] });
      const p = await t.client.call('cluster.preview', { matrix: editor({ pipeline: '/cluster/models/instruct-pix2pix', steps: 300 }) });
      expect(p.runs.map((r) => [r.name, r.steps, r.config['ablation']])).toEqual([
        ['abl ablation=full seed=0', 300, 'full'],
        ['abl ablation=full seed=1', 300, 'full'],
        ['abl ablation=no_region seed=0', 300, 'no_region'],
        ['abl ablation=no_region seed=1', 300, 'no_region'],
      ]);
      const { editorPreset } = await import('../../../main/engine/training/editor/presets.js');
      const tiny = await t.client.call('cluster.preview', { matrix: editor({}, ['baseline'], 'tiny') });
      expect(tiny.runs[0]!.steps).toBe(editorPreset('tiny')['steps']);
      await expect(t.client.call('cluster.preview', { matrix: editor({}) })).rejects.toThrow(/run 0.*"pipeline" must name/);
      await expect(t.client.call('cluster.preview', { matrix: editor({ pipeline: '/p' }, ['nope']) })).rejects.toThrow(/run 0.*ablation/);
    } finally {
      t.close();
    }
  });

  it('estimates editor runs from measured editor runs per sample, at the same resolution and model, scaled by batch size', async () => {
    const t = openTestApp();
    try {
      const { store } = t.app;
      const ds = store.datasets.create({ name: 'shapes', format: 'shapes', sourcePath: null, options: {} });
      store.datasets.setStatus(ds, 'ready');
      const { editorPreset } = await import('../../../main/engine/training/editor/presets.js');
      const { parseEditorConfig } = await import('../../../main/engine/training/editor/config.js');
      const { mergeConfig } = await import('../../../main/engine/training/presets.js');
      const full = (over: Record<string, unknown>) => parseEditorConfig(mergeConfig(editorPreset('tiny'), over)) as unknown as Record<string, unknown>;
      const measured = (config: Record<string, unknown>, ms: number) => {
        const id = store.runs.create({ jobId: null, kind: 'editor', name: 'm', datasetId: null, config, seed: 0, codeVersion: 't' });
        const w = store.runs.metricWriter();
        w.add(id, 'step_time_ms', 1, ms);
        w.close();
      };
      const editor = (ablation: string, base: Record<string, unknown> = {}) =>
        runMatrixSchema.parse({ name: 'abl', kind: 'train-editor', dataset: 'shapes', preset: 'tiny', base: { steps: 24, batch_size: 2, ...base }, axes: [{ key: 'ablation', values: [ablation] }, { key: 'seed', values: [0, 1] }] });
      expect((await t.client.call('cluster.preview', { matrix: editor('baseline') })).stepTimeSource).toMatch(/no editor run at this resolution and model has been measured here/);
      // 32², tiny model, baseline: 0.8 s and 1.6 s for a batch of 16 → 0.05 and 0.1 s a sample (median of two: the upper).
      measured(full({ ablation: 'baseline', batch_size: 16 }), 800);
      measured(full({ ablation: 'baseline', batch_size: 8 }), 800);
      // Not comparable: another resolution, a pretrained pipeline, and a cluster placeholder holding only its overrides.
      measured(full({ ablation: 'baseline', batch_size: 16, resolution: 64 }), 90_000);
      measured(full({ ablation: 'baseline', batch_size: 16, pipeline: '/models/ip2p' }), 90_000);
      measured({ ablation: 'baseline', steps: 24 }, 90_000);
      const p = await t.client.call('cluster.preview', { matrix: editor('baseline') });
      expect(p.secondsPerStep).toBeCloseTo(0.1 * 2, 9);
      expect(p.hoursPerRun).toBeCloseTo((24 * 0.2) / 3600, 9);
      expect(p.gpuHours).toBeCloseTo((2 * 24 * 0.2) / 3600, 9);
      expect(p.stepTimeSource).toMatch(/per sample of up to 2 editor run\(s\).*same resolution and model.*batch size/);
      expect(p.stepTimeSource).not.toMatch(/another row/);
      // A batch-size axis: each run scaled by its own batch; the slowest run's step time is the one shown.
      const byBatch = await t.client.call('cluster.preview', { matrix: runMatrixSchema.parse({ ...editor('baseline'), axes: [{ key: 'batch_size', values: [2, 8] }] }) });
      expect(byBatch.secondsPerStep).toBeCloseTo(0.8, 9);
      expect(byBatch.gpuHours).toBeCloseTo((24 * 0.2 + 24 * 0.8) / 3600, 9);
      // The full loss measured nowhere: the baseline's figure, and the preview says whose.
      const fullRow = await t.client.call('cluster.preview', { matrix: editor('full', { regionclip: '/c/rc', blip: '/c/blip' }) });
      expect(fullRow.secondsPerStep).toBeCloseTo(0.2, 9);
      expect(fullRow.stepTimeSource).toMatch(/measured only on another row/);
      // Nothing at 128²: no estimate rather than one from another resolution.
      const big = await t.client.call('cluster.preview', { matrix: editor('baseline', { resolution: 128 }) });
      expect(big.gpuHours).toBeNull();
      expect(big.stepTimeSource).toMatch(/no editor run at this resolution and model.*\(4 at others\)/);
    } finally {
      t.close();
    }
  });
});
