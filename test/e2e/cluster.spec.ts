// The cluster UI in Chromium against a real `ric serve` (issue 19): cluster profiles in Settings
// (add with bad fields named, fix, edit, remove); the run matrix dialog from an editor run (ablations ×
// seeds, the preview with its sbatch array and batch script, submit — refused here by the real
// pre-flight, since no Slurm controller runs on this machine, with nothing recorded); and the jobs
// panel showing a submission's Slurm job ids and states. The store is seeded through the built store's
// own functions (dist/): a dataset, an editor run, and a submission as `cluster.submit` records it.
// The real submit-to-Slurm path is tested in test/main/cluster/slurm.test.ts.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { apiCall as call, expect, projectRoot, seedStore, withSeededServer } from './fixtures.js';
import { seedEvalDataset } from '../helpers/eval-seed.js';
import type * as ApiLib from '../../shared/api/index.js';

const { clusterProfileSchema, runMatrixSchema } = (await import(pathToFileURL(path.join(projectRoot, 'dist/shared/api/index.js')).href)) as typeof ApiLib;

const STATES = ['RUNNING', 'PENDING', 'COMPLETED', 'FAILED'] as const;
const RUN_STATES = ['running', 'queued', 'completed', 'failed'] as const;

const test = withSeededServer((dataDir) =>
  seedStore(dataDir, async (store) => {
    const { datasetId } = await seedEvalDataset(store, 2, 'cards');
    store.runs.create({ jobId: null, kind: 'editor', name: 'ric tiny', datasetId, config: { ablation: 'full', steps: 40, pipeline: '/scratch/me/models/instruct-pix2pix', seed: 3 }, seed: 3, codeVersion: 'e2e' });
    const profile = clusterProfileSchema.parse({ name: 'lab', login: { kind: 'ssh', host: 'me@login.lab' }, partition: 'gpu', timeLimit: '02:00:00', workDir: '/scratch/me', ricCommand: 'ric' });
    const matrix = runMatrixSchema.parse({ name: 'abl', kind: 'train-editor', dataset: 'cards', axes: [{ key: 'ablation', values: ['full', 'baseline'] }, { key: 'seed', values: [0, 1] }] });
    const runIds = STATES.map((_, i) => store.runs.create({ jobId: null, kind: 'editor', name: `abl task ${i}`, datasetId, config: {}, seed: i % 2, codeVersion: 'e2e', origin: 'cluster' }));
    const id = store.cluster.create({ name: 'abl', profile, matrix, workDir: '/scratch/me/abl-1a2b3c4d' }, runIds);
    store.cluster.setState(id, 'submitted', null, '4242');
    STATES.forEach((state, i) => {
      store.cluster.updateTask(id, i, { slurmJobId: `4242_${i}`, state });
      store.runs.setStatus(runIds[i]!, RUN_STATES[i]!);
    });
  }),
);

test.use({ viewport: { width: 1500, height: 1000 } });

test('cluster profiles, the matrix dialog with its sbatch preview, and Slurm states in the jobs panel', async ({ page, server }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${server.urlWithToken}#/settings`);
  await call(page, 'cluster.saveProfile', { name: 'old', login: { kind: 'local' }, partition: 'cpu', timeLimit: '10', workDir: '/tmp/old', ricCommand: 'ric' });
  await page.reload();

  // 1. Settings: add a profile; bad fields are named next to them and nothing is saved.
  const section = page.getByTestId('cluster-profiles');
  await expect(section.locator('[data-profile="old"]')).toContainText('local shell · partition cpu');
  await section.getByRole('button', { name: 'Add cluster profile' }).click();
  await page.getByLabel('Login node reached by').selectOption('local');
  await page.getByLabel('Name', { exact: true }).fill('e2e-local');
  await page.getByLabel('Partition').fill('gpu');
  await page.getByLabel('Time limit').fill('soon');
  await page.getByLabel('Work folder on the cluster').fill('relative/dir');
  await section.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByTestId('cluster-problem-timeLimit')).toContainText("Slurm's --time format");
  await expect(page.getByTestId('cluster-problem-workDir')).toContainText('an absolute path on the cluster');
  expect((await call<{ name: string }[]>(page, 'cluster.profiles', {})).map((p) => p.name)).toEqual(['old']);
  await page.getByLabel('Time limit').fill('01:00:00');
  await page.getByLabel('Work folder on the cluster').fill('/proc/ric-e2e');
  await section.getByRole('button', { name: 'Save profile' }).click();
  await expect(section.locator('[data-profile="e2e-local"]')).toContainText('local shell · partition gpu · 1 GPU, 4 CPU per run · 01:00:00 · /proc/ric-e2e');
  // Edit it; remove the other after confirming.
  await section.getByRole('button', { name: 'Edit profile e2e-local' }).click();
  await page.getByLabel('Partition').fill('debug');
  await page.getByLabel('At most this many at once').fill('2');
  await section.getByRole('button', { name: 'Save profile' }).click();
  await expect(section.locator('[data-profile="e2e-local"]')).toContainText('partition debug');
  await section.getByRole('button', { name: 'Remove profile old' }).click();
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(section.locator('[data-profile="old"]')).toHaveCount(0);
  expect((await call<{ name: string; partition: string; maxParallel: number }[]>(page, 'cluster.profiles', {})).map((p) => [p.name, p.partition, p.maxParallel])).toEqual([['e2e-local', 'debug', 2]]);

  // 2. The jobs panel: the submitted array's Slurm job ids and states, beside the runs' states.
  await page.goto(`${server.urlWithToken}#/training?run=1`);
  const jobs = page.getByTestId('cluster-jobs');
  await expect(jobs.getByTestId('array-job-id')).toHaveText('4242');
  await expect(jobs.getByTestId('slurm-job-id')).toHaveText(['4242_0', '4242_1', '4242_2', '4242_3']);
  await expect(jobs.getByTestId('slurm-state')).toHaveText([...STATES]);
  await expect(jobs.getByTestId('slurm-state').nth(3)).toHaveClass(/status-failed/);
  await expect(jobs).toContainText('1 RUNNING · 1 PENDING · 1 COMPLETED · 1 FAILED');
  await expect(jobs.getByRole('button', { name: 'Resubmit failed' })).toBeEnabled();

  // 3. The matrix dialog from run 1: two ablations × two seeds, previewed with the sbatch array, then submitted.
  await page.getByRole('button', { name: 'Run matrix on a cluster…' }).click();
  const dialog = page.getByRole('dialog', { name: /Run matrix from run 1 · ric tiny/ });
  // The base is the run's own config, its seed left to the seed axis.
  const baseConfig = dialog.getByLabel('Base configuration');
  await expect(baseConfig).toHaveValue(/"pipeline": "\/scratch\/me\/models\/instruct-pix2pix"/);
  expect(await baseConfig.inputValue()).not.toContain('"seed"');
  for (const a of ['baseline', 'no_global', 'no_fusion']) await dialog.getByRole('checkbox', { name: a }).uncheck();
  await dialog.getByLabel('Seeds').fill('0, x');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.getByTestId('matrix-problem-seeds')).toContainText('seeds like 0, 1, 2');
  await dialog.getByLabel('Seeds').fill('0-1');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByTestId('matrix-preview');
  await expect(preview.locator('tbody tr')).toHaveCount(4);
  await expect(preview.locator('tbody tr td:nth-child(2)')).toHaveText(['ric tiny matrix full seed=0', 'ric tiny matrix full seed=1', 'ric tiny matrix no_region seed=0', 'ric tiny matrix no_region seed=1']);
  // Steps from the editor trainer's own parse of the run's config.
  await expect(preview.locator('tbody tr td:nth-child(4)')).toHaveText(['40', '40', '40', '40']);
  await expect(dialog.getByTestId('matrix-array')).toHaveText('--array=0-3%2');
  await expect(dialog.getByTestId('matrix-sbatch')).toContainText("'--partition=debug'");
  await expect(dialog.getByTestId('matrix-sbatch')).toContainText("'--gres=gpu:1'");
  // A change sets the preview aside: submit needs a fresh one.
  await dialog.getByLabel('Seeds').fill('0-2');
  await expect(dialog.getByTestId('matrix-preview')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Submit', exact: true })).toBeDisabled();
  await dialog.getByLabel('Seeds').fill('0-1');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await dialog.getByRole('button', { name: 'Submit 4 runs to e2e-local' }).click();
  // No Slurm controller answers here: the pre-flight refuses, naming the profile; nothing is recorded.
  await expect(dialog.getByTestId('matrix-error')).toContainText('profile "e2e-local"');
  expect(await call<unknown[]>(page, 'cluster.submissions', {})).toHaveLength(1);
  expect(problems).toEqual([]);
});
