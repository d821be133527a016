// The Edit view end to end in Chromium against a real `ric serve`: the tiny InstructPix2Pix folder
// checked as it is typed (parts and memory), a 2-step edit of a ShapesEdit sample run from the form
// in the engine host, the result beside the source under the slider, kept into a result set, the
// whole (two-sample) dataset edited into another set, that set opened from the Result sets tab and
// the kept image shown in the sample view.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeTinyPipeline } from '../helpers/tiny-pipeline.mjs';
import { expect, projectRoot, startServe, stopServe, test } from './fixtures.js';

test('edit a sample from the Edit view, keep the result, browse the result set', async ({ page, dataDir }) => {
  test.setTimeout(180_000);
  const env = { RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1' };
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, 'import', 'shapes', '--count', '2', '--seed', '3', '--size', '64', '--name', 'shapes-e2e', '--no-progress'], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const model = makeTinyPipeline(path.join(dataDir, 'tiny-ip2p'));
  const server = await startServe(dataDir, [], env);
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(server.urlWithToken);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Edit', exact: true }).click();
    await expect(page.locator('h1')).toHaveText('Edit');

    // A folder that is not a pipeline is named; the tiny one is checked and fits.
    await page.getByLabel('Pipeline folder').fill(path.join(dataDir, 'nothing'));
    await expect(page.getByTestId('edit-check')).toContainText('no such folder');
    await page.getByLabel('Pipeline folder').fill(model);
    await expect(page.getByTestId('edit-check')).toContainText('fits the wasm heap at 32×32');
    // The sample's own instruction fills the field.
    await expect(page.getByLabel('Instruction')).not.toHaveValue('');
    await page.getByLabel('Steps').fill('2');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByTestId('edit-state')).toHaveText('completed', { timeout: 90_000 });
    await expect(page.getByTestId('edit-output')).toContainText('32×32, s_T 7.5, s_I 1.5, seed 0');
    await expect(page.getByTestId('image-stage')).toBeVisible();
    await expect(page.getByLabel(/Slider position: left of it the source, right of it the edited/)).toBeVisible();

    await page.getByLabel('Keep into result set').fill('kept-e2e');
    await page.getByRole('button', { name: 'Keep this result' }).click();
    await expect(page.getByText('kept into result set "kept-e2e" (new set)')).toBeVisible();

    // The whole dataset (two samples) into a result set, as `ric edit` does.
    await page.getByText('Edit the whole dataset into a result set').click();
    await page.getByLabel('Result set name').fill('all-e2e');
    await page.getByRole('button', { name: 'Edit dataset' }).click();
    await expect(page.getByTestId('dataset-edit-state')).toHaveText('completed', { timeout: 90_000 });
    await expect(page.getByTestId('dataset-edit-report')).toContainText('2 edited, 0 already done, 0 errors of 2');
    await page.getByRole('button', { name: 'Open result sets' }).click();
    await expect(page.getByRole('row', { name: /all-e2e/ })).toContainText('2 of 2');

    await page.getByRole('button', { name: 'kept-e2e', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Images of kept-e2e' })).toContainText('(1 rows)');
    await page.getByRole('button', { name: /^Sample shapes-/ }).click();
    await expect(page.getByTestId('image-stage')).toBeVisible();
    // The sample view shows the kept image in the target's place.
    await page.getByRole('link', { name: 'open in the sample view' }).click();
    await page.getByRole('group', { name: 'Edited in result sets' }).getByRole('button', { name: 'kept-e2e' }).click();
    await expect(page.getByText('InstructPix2Pix (kept-e2e)')).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await stopServe(server);
  }
});
