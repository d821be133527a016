// No dead ends (issue 17): unknown routes and ids get a real not-found view with a way on, the
// Compare tab leads to Training's run comparison, and the command palette runs the actions people
// repeat — import, new run, open a sample by id or a dataset by name, rename, approve the captions
// in view, toggle the theme.
import type { Page } from '@playwright/test';
import { expect, test, type WebServerHandle } from './fixtures.js';

async function callApi<T>(server: WebServerHandle, method: string, args: unknown): Promise<T> {
  const res = await fetch(`${server.origin}/api/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method, args }),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}

async function finished(server: WebServerHandle, id: number): Promise<void> {
  await expect.poll(async () => (await callApi<{ state: string }>(server, 'jobs.get', { id })).state, { timeout: 60_000 }).toBe('completed');
}

const notFound = (page: Page) => page.getByTestId('not-found');

async function palette(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+k');
  const box = page.getByRole('textbox', { name: 'Command' });
  await box.fill(text);
  await expect(page.getByRole('listbox', { name: 'Commands' }).getByRole('option').first()).toBeVisible();
  await box.press('Enter');
}

test('unknown routes, samples, runs and datasets get a not-found view with a way on', async ({ page, server }) => {
  await page.goto(server.urlWithToken);
  await expect(page.locator('h1')).toHaveText('Datasets');
  const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);

  await go('#/nowhere/at-all');
  await expect(notFound(page)).toContainText('Page not found');
  await expect(notFound(page)).toContainText('RIC Studio has no page at #/nowhere/at-all');
  await notFound(page).getByRole('link', { name: 'Training' }).click();
  await expect(page.locator('h1')).toHaveText('Training');

  await go('#/masks/99999');
  await expect(notFound(page)).toContainText('No such sample');
  await expect(notFound(page)).toContainText('There is no sample 99999 to edit a mask of');
  await expect(page.locator('.error')).toHaveCount(0);

  await go('#/training?run=999');
  await expect(notFound(page)).toContainText('No such run');
  await expect(notFound(page)).toContainText('There is no training run 999');
  await notFound(page).getByRole('button', { name: 'Close' }).click();
  await expect(notFound(page)).toHaveCount(0);
  expect(page.url()).not.toContain('run=');

  await go('#/datasets/999');
  await expect(notFound(page)).toContainText('No such dataset');
  await go('#/datasets/999/samples/99999');
  await expect(notFound(page)).toContainText('No such sample');
  await go('#/samples/99999');
  await expect(notFound(page)).toContainText('There is no sample 99999 in this data folder');

  // Compare: no dead end. Without runs it says how to get some, and leads to the form.
  await go('#/compare');
  await expect(page.locator('h1')).toHaveText('Compare');
  await page.getByRole('link', { name: 'New training run' }).click();
  await expect(page.locator('h1')).toHaveText('Training');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible();
});

test('the command palette runs actions: import, open a sample by id or a dataset by name, rename, approve in view, new run, theme', async ({ page, server }) => {
  const imported = await callApi<{ jobId: number; datasetId: number }>(server, 'datasets.importShapes', { count: 12, seed: 5, size: 32, name: 'palette-shapes' });
  await finished(server, imported.jobId);
  const caption = await callApi<{ jobId: number }>(server, 'captions.generate', { datasetId: imported.datasetId, kind: 'region', captioner: 'template' });
  await finished(server, caption.jobId);
  const sample = (await callApi<{ items: { id: number; externalId: string }[] }>(server, 'samples.query', { datasetId: imported.datasetId, limit: 5 })).items[4]!;

  await page.goto(server.urlWithToken);
  await expect(page.getByRole('link', { name: 'palette-shapes' })).toBeVisible();

  await palette(page, 'import');
  await expect(page.getByRole('dialog', { name: 'Import a dataset' })).toBeVisible();
  await page.getByRole('dialog', { name: 'Import a dataset' }).getByRole('button', { name: 'Cancel' }).click();

  await palette(page, String(sample.id));
  await expect(page.locator('h1')).toContainText(sample.externalId);
  expect(page.url()).toContain(`/datasets/${imported.datasetId}/samples/${sample.id}`);

  await palette(page, 'palette-sh');
  await expect(page.locator('h1')).toHaveText('palette-shapes');
  await palette(page, 'rename dataset');
  const rename = page.getByRole('dialog', { name: /Rename/ });
  await rename.getByLabel('New name').fill('renamed-from-palette');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(page.locator('h1')).toHaveText('renamed-from-palette');

  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Captions' }).click();
  await page.getByRole('radio', { name: 'Region (CLIP)' }).click();
  await page.getByLabel('Dataset').selectOption({ label: 'renamed-from-palette (12)' });
  await expect(page.getByTestId('caption-counts')).toContainText('12 pending');
  await palette(page, 'approve all');
  const confirm = page.getByRole('alertdialog', { name: 'Confirm bulk approval' });
  await confirm.getByRole('button', { name: 'Approve 12' }).click();
  await expect(page.getByTestId('caption-counts')).toContainText('12 approved');
  // The open caption's detail follows the bulk approval (it said "pending" before issue 17).
  await expect(page.getByTestId('caption-status')).toHaveText('v1 · approved');
  await expect(page.getByText('New captions were written')).toHaveCount(0);

  await palette(page, 'new training run');
  await expect(page.locator('h1')).toHaveText('Training');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeVisible();

  const theme = await page.locator('html').getAttribute('data-theme');
  await palette(page, 'theme');
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme === 'dark' ? 'light' : 'dark');
});
