// The editor's validation edits in Chromium against a real `ric serve` (issues 15 and 16): a data
// folder seeded through the built store (dist/) with the card dataset and two editor runs whose
// validation edits are stored as the train-editor job stores them (run samples of kind `edit` per
// checkpoint step). The Compare view's checkpoint slider shows both runs' edits of the same samples
// beside source and ground truth with their inside-mask L1; the training monitor's step slider shows
// one run's edits. (Training the editor itself is tested in test/main/jobs/editor-job.test.ts.)
import { expect, seedStore, withSeededServer } from './fixtures.js';
import { BLUE, card, png, seedEvalDataset } from '../helpers/eval-seed.js';
import { internalNames } from '../helpers/internal-names.js';

/** shas[k]: the card with its blue square k pixels off target (k = 0 is the ground truth). */
const shas: string[] = [];

const test = withSeededServer((dataDir) =>
  seedStore(dataDir, async (store) => {
    const { datasetId } = await seedEvalDataset(store, 2, 'cards');
    for (const shift of [0, 1, 2, 3]) shas[shift] = store.blobs.put(await png(card(BLUE, shift)), 'image/png').sha256;
    const edit = (id: string, shift: number, l1In: number) => ({ kind: 'edit', payload: { id, instruction: `make the square blue (${id.slice(1)})`, sourceSha256: null, l1In, l1InSource: 0.3, l1Out: 0.01 }, blobSha256: shas[shift]! });
    const full = store.runs.create({ jobId: null, kind: 'editor', name: 'full', datasetId, config: { ablation: 'full' }, seed: 0, codeVersion: 'e2e' });
    store.runs.replaceSamples(full, 10, [edit('e0', 3, 0.25), edit('e1', 2, 0.2)]);
    store.runs.replaceSamples(full, 20, [edit('e0', 1, 0.1), edit('e1', 0, 0.0)]);
    const baseline = store.runs.create({ jobId: null, kind: 'editor', name: 'baseline', datasetId, config: { ablation: 'baseline' }, seed: 0, codeVersion: 'e2e' });
    store.runs.replaceSamples(baseline, 10, [edit('e1', 3, 0.4), edit('e0', 3, 0.35)]);
    store.runs.replaceSamples(baseline, 20, [edit('e1', 2, 0.3), edit('e0', 2, 0.32)]);
    for (const id of [full, baseline]) store.runs.setStatus(id, 'completed');
  }),
);

test.use({ viewport: { width: 1500, height: 1000 } });

test('checkpoint slider in Compare and step slider in the monitor show the stored validation edits', async ({ page, server }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${server.urlWithToken}#/compare`);
  await page.getByRole('tab', { name: 'Training checkpoints' }).click();
  await page.getByRole('checkbox', { name: /run 1 · full/ }).check();
  await page.getByRole('checkbox', { name: /run 2 · baseline/ }).check();

  // The last checkpoint first: rows e0, e1 in the first run's order, each with source, ground truth and both edits.
  const grid = page.getByTestId('checkpoint-grid');
  await expect(page.getByTestId('checkpoint-step')).toHaveText('step 20');
  await expect(grid.locator('tbody tr')).toHaveCount(2);
  await expect(grid.locator('tbody tr').first()).toHaveAttribute('data-sample', 'e0');
  const cell = (run: number, sample: string) => page.getByTestId(`edit-${run}-${sample}`);
  await expect(cell(1, 'e0').getByTestId('l1-in')).toHaveText('0.100');
  await expect(cell(2, 'e0').getByTestId('l1-in')).toHaveText('0.320');
  await expect(cell(1, 'e0')).toHaveClass(/best/);
  await expect(cell(1, 'e0').locator('img')).toHaveAttribute('src', new RegExp(shas[1]!));
  await expect(grid.locator('tbody tr').first().locator('img[alt="ground truth e0"]')).toHaveAttribute('src', new RegExp(shas[0]!));
  await expect(page.getByTestId('run-summary-1')).toHaveText('L1 in 0.050 · source 0.300 · beats source 2/2');

  // Slide to the first checkpoint: every run's edits of step 10.
  await page.getByRole('slider', { name: 'Checkpoint step' }).fill('0');
  await expect(page.getByTestId('checkpoint-step')).toHaveText('step 10');
  await expect(cell(1, 'e0').getByTestId('l1-in')).toHaveText('0.250');
  await expect(cell(2, 'e1').getByTestId('l1-in')).toHaveText('0.400');
  await expect(cell(1, 'e0').locator('img')).toHaveAttribute('src', new RegExp(shas[3]!));
  await expect(page.getByTestId('run-step-2')).toHaveText('step 10');
  // ] steps to the next checkpoint from the keyboard; the ticked runs are in the URL.
  await page.getByTestId('checkpoint-step').click();
  await page.keyboard.press(']');
  await expect(page.getByTestId('checkpoint-step')).toHaveText('step 20');
  expect(page.url()).toMatch(/tab=checkpoints&runs=1%2C2|tab=checkpoints&runs=1,2/);

  // The training monitor: its step slider shows run 1's edits at the checkpoint at or before the step.
  await page.goto(`${server.urlWithToken}#/training?run=1`);
  const edits = page.getByTestId('validation-edits');
  await expect(edits).toHaveAttribute('data-step', '20');
  await expect(edits.locator('[data-sample="e0"]').getByTestId('edit-l1-in')).toHaveText('0.100');
  await page.getByLabel('Step (moves every chart and the samples)').fill('15');
  await expect(edits).toHaveAttribute('data-step', '10');
  await expect(edits.locator('[data-sample="e0"]').getByTestId('edit-l1-in')).toHaveText('0.250');
  await expect(edits.locator('[data-sample="e0"] img[alt^="edit of e0"]')).toHaveAttribute('src', new RegExp(shas[3]!));
  await expect(page.getByTestId('validation-edits-summary')).toContainText('2 of 2 edits beat their source');
  expect(internalNames(await page.locator('body').innerText())).toEqual([]);
  expect(problems).toEqual([]);
});
