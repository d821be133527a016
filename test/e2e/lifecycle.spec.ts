// The dataset lifecycle in Chromium (issue 17): an import that fails says so in the dialog (no
// "Open dataset", a still bar), is retried into the same dataset once fixed; a failed dataset's
// page says why and retries from a corrected path; rename; delete with confirmation, its blob
// files gone afterwards; a caption job whose every sample failed is shown as failed, its errors
// apart from the import's; the template captioner refuses a folder dataset at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../main/captions/vlm-test-server.js';
import { expect, test, type WebServerHandle } from './fixtures.js';

/** A Folder dataset of `n` good 32×32 samples; another `shade` gives other images (no shared blobs). */
async function writeFolder(n: number, shade = 60): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-e2e-life-'));
  for (const d of ['source', 'target', 'mask']) fs.mkdirSync(path.join(root, d));
  const png = (r: number, g: number, b = shade) => sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(root, 'source', `s${i}.png`), await png(20 + i * 10, 30));
    fs.writeFileSync(path.join(root, 'target', `s${i}.png`), await png(30, 20 + i * 10));
    fs.writeFileSync(path.join(root, 'mask', `s${i}.png`), await png(255, 255, 255));
    lines.push(JSON.stringify({ id: `s${i}`, instruction: `make sample ${i} green` }));
  }
  fs.writeFileSync(path.join(root, 'instructions.jsonl'), `${lines.join('\n')}\n`);
  return root;
}

const blobFiles = (dataDir: string): number =>
  fs
    .readdirSync(path.join(dataDir, 'blobs'))
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .reduce((n, d) => n + fs.readdirSync(path.join(dataDir, 'blobs', d)).length, 0);

async function openImport(page: Page, folder: string) {
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a dataset' });
  await dialog.getByLabel('Folder').check();
  await dialog.getByLabel('Name').fill('mine');
  await dialog.getByLabel('Path on the engine machine').fill(folder);
  return dialog;
}

let vlm: TestServer | undefined;
const folders: string[] = [];
test.afterEach(async () => {
  await vlm?.close();
  vlm = undefined;
  for (const f of folders.splice(0)) fs.rmSync(f, { recursive: true, force: true });
});

test('a failed import says why in the dialog and on its page; retry, rename, delete', async ({ page, server }) => {
  const folder = await writeFolder(3);
  folders.push(folder);
  await page.goto(server.urlWithToken);
  await expect(page.getByText('No dataset yet')).toBeVisible();

  // A path the preview cannot read cannot be imported: Import stays disabled, saying why.
  const dialog = await openImport(page, path.join(folder, 'source'));
  await expect(dialog.getByTestId('mask-preview-error')).toContainText('has no source/ folder');
  await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();

  // The real folder previews; it breaks between the preview and the import (its instructions go).
  await dialog.getByLabel('Path on the engine machine').fill(folder);
  await expect(dialog.getByTestId('mask-preview')).toBeVisible();
  const instructions = path.join(folder, 'instructions.jsonl');
  const saved = fs.readFileSync(instructions);
  fs.rmSync(instructions);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const outcome = dialog.getByTestId('import-outcome');
  await expect(outcome).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(outcome.getByRole('alert')).toContainText('The import failed:');
  await expect(outcome.getByRole('alert')).toContainText('has no .jsonl or .csv file of instructions');
  await expect(outcome).not.toContainText('the import goes on');
  await expect(outcome.getByRole('button', { name: /Open dataset/ })).toHaveCount(0);
  // The bar stands still once the job has ended.
  await expect(outcome.locator('progress')).toHaveJSProperty('position', 0);

  // Fixed, and retried from the dialog: the same dataset, now imported.
  fs.writeFileSync(instructions, saved);
  await outcome.getByRole('button', { name: 'Retry import' }).click();
  await expect(outcome).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).last().click();
  const rows = page.locator('tbody tr[data-testid^="dataset-row-"]');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('ready');
  await expect(rows.first()).toContainText('3');

  // A second dataset imported from a folder without source/ fails; its page says why and retries
  // from a corrected path, into the same dataset.
  const wrong = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-e2e-wrong-'));
  folders.push(wrong);
  fs.writeFileSync(path.join(wrong, 'instructions.jsonl'), '{"id":"a","instruction":"x"}\n');
  const good = await writeFolder(2, 160);
  folders.push(good);
  const started = await callApi<{ jobId: number }>(server, 'datasets.import', { format: 'folder', path: wrong, name: 'moved' });
  await untilJob(server, started.jobId, 'failed');
  await page.reload();
  await expect(rows).toHaveCount(2);
  const failedRow = page.locator('tr', { hasText: 'moved' }).first();
  await expect(failedRow).toContainText('import failed');
  await failedRow.getByRole('link', { name: 'Why?' }).click();
  const status = page.getByTestId('dataset-status');
  await expect(status).toContainText('The import failed');
  await expect(status).toContainText('Why:');
  await expect(page.getByText('No sample matches these filters.')).toHaveCount(0);
  await status.getByLabel('Import from').fill(good);
  await status.getByRole('button', { name: 'Retry import' }).click();
  await expect(page.getByTestId('match-count')).toHaveText('2 samples', { timeout: 60_000 });
  await expect(status).toHaveCount(0);

  // Rename, refused when the name is taken, then done.
  await page.getByRole('button', { name: 'Rename…' }).click();
  const rename = page.getByRole('dialog', { name: /Rename/ });
  await rename.getByLabel('New name').fill('mine');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename.getByRole('alert')).toHaveText('another dataset is already called "mine"; choose another name');
  await rename.getByLabel('New name').fill('moved-and-fixed');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(page.locator('h1')).toHaveText('moved-and-fixed');

  // Delete: asked first, then gone with its blob files; the other dataset keeps all of its own.
  const before = blobFiles(server.dataDir);
  await page.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete “moved-and-fixed”?' });
  await expect(confirm).toContainText('with its 2 samples');
  await confirm.getByRole('button', { name: 'Delete dataset' }).click();
  await expect(page.locator('h1')).toHaveText('Datasets');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('mine');
  expect(blobFiles(server.dataDir)).toBeLessThan(before);
  await rows.first().getByRole('link', { name: 'mine' }).click();
  await expect(page.locator('[data-sample-id] img').first()).toBeVisible();
});

test('a caption job whose every sample failed is shown as failed; the template captioner refuses a folder dataset', async ({ page, server }) => {
  const folder = await writeFolder(3);
  folders.push(folder);
  const imported = await callApi<{ jobId: number; datasetId: number }>(server, 'datasets.import', { format: 'folder', path: folder, name: 'f' });
  await untilJob(server, imported.jobId, 'completed');
  // A wrong model name: refused by the server for every sample (not worth retrying).
  vlm = await startTestServer(() => ({ kind: 'status', status: 404, body: { error: { message: 'The model tiny-vlm does not exist.' } } }));
  await page.goto(server.urlWithToken);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Captions' }).click();
  await page.getByLabel('Dataset').selectOption({ label: 'f (3)' });
  const panel = page.locator('.generate-panel');
  // No caption yet: the queue says so and leads to the Generate panel, at the top of the view.
  await page.getByRole('navigation', { name: 'Caption queue' }).getByRole('button', { name: 'Generate some' }).click();
  await expect(panel).toHaveAttribute('open', '');

  await panel.getByLabel('Captioner').selectOption('template');
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.getByRole('alert')).toHaveText(
    'The template captioner writes descriptions from ShapesEdit scene graphs, and "f" is a folder dataset without them. Describe it with a VLM instead: set the VLM endpoint in Settings and choose the VLM captioner.',
  );

  await panel.getByLabel('Captioner').selectOption('vlm');
  await panel.getByLabel('Endpoint', { exact: true }).fill(vlm.url);
  await panel.getByLabel('Model', { exact: true }).fill('tiny-vlm');
  await panel.getByRole('button', { name: 'Start' }).click();
  const job = panel.getByTestId('caption-job-progress');
  await expect(job).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(job).toContainText('failed');
  await expect(panel.getByTestId('caption-job-error')).toHaveText(
    'The job failed: All 3 samples failed, so nothing was written. The first reason: HTTP 404: The model tiny-vlm does not exist. Check the VLM endpoint (Settings, Test connection), then resume the job.',
  );
  await expect(panel.getByTestId('caption-job-report')).toContainText('failed 3');

  // The dataset's page keeps caption errors apart from the import's skipped samples.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Datasets' }).click();
  const row = page.locator('tr', { hasText: 'f' }).filter({ hasText: 'Folder' });
  await expect(row.locator('td.caption-errors')).toHaveText('3');
  await row.getByRole('link', { name: 'f', exact: true }).click();
  await page.getByRole('tab', { name: /3 caption errors/ }).click();
  const errors = page.getByTestId(`dataset-errors-caption-${imported.datasetId}`);
  await expect(errors).toContainText('Caption jobs could not describe these samples');
  await expect(errors.locator('tbody tr')).toHaveCount(3);
  await expect(page.getByRole('tab', { name: /skipped at import/ })).toHaveCount(0);
});

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

async function untilJob(server: WebServerHandle, id: number, state: string): Promise<void> {
  await expect.poll(async () => (await callApi<{ state: string }>(server, 'jobs.get', { id })).state, { timeout: 60_000 }).toBe(state);
}
