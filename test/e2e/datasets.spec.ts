// The dataset browser in Chromium against a real `ric serve`: a ShapesEdit import through the UI
// (progress, grid, filters, search, a sample with its mask and region box), and the browser at
// 100 000 samples seeded straight into the store (scroll, filter, search, open a sample).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { expect, startServe, stopServe, test } from './fixtures.js';
// Plain ESM (shared with bench/grid-scroll.mjs, which runs under bare node); typed by seed-synthetic.d.mts.
import { seedSyntheticDataset as seed } from './seed-synthetic.mjs';

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

const matchCount = (page: Page) => page.getByTestId('match-count');
const grid = (page: Page) => page.getByRole('listbox', { name: 'Samples' });

test('imports ShapesEdit through the UI, then filters, searches and opens a sample with its mask and box', async ({ page, server }) => {
  const problems = watchProblems(page);
  await page.goto(server.urlWithToken);
  await expect(page.locator('h1')).toHaveText('Datasets');
  await expect(page.getByText('No dataset yet')).toBeVisible();

  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a dataset' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('ShapesEdit').check();
  await dialog.getByLabel('Name').fill('shapes-e2e');
  await dialog.getByLabel('Samples').fill('60');
  await dialog.getByLabel('Seed').fill('7');
  await dialog.getByLabel('Image size (px)').fill('64');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  // Progress reports a count out of the total (never a bare spinner), then the job completes.
  await expect(dialog.getByRole('status')).toContainText(/of 60/);
  await expect(dialog.getByRole('status')).toContainText('completed', { timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).last().click();

  const row = page.locator('tr', { hasText: 'shapes-e2e' });
  await expect(row).toContainText('ShapesEdit');
  await expect(row).toContainText('60');
  await expect(row).toContainText('ready');
  await row.getByRole('link', { name: 'shapes-e2e' }).click();

  await expect(page.locator('h1')).toHaveText('shapes-e2e');
  await expect(matchCount(page)).toHaveText('60 samples');
  await expect(grid(page).locator('[data-sample-id]').first()).toBeVisible();
  await grid(page).evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(grid(page).getByText('shapes-0000059')).toBeVisible();
  await grid(page).evaluate((el) => (el.scrollTop = 0));

  // Filter by edit type: the count drops to that type's facet, and every cell shows that type.
  const editSelect = page.getByLabel('Edit type');
  const recolourLabel = await editSelect.locator('option[value="recolour"]').textContent();
  const recolourCount = Number(/\((\d+)\)/.exec(recolourLabel ?? '')?.[1]);
  expect(recolourCount).toBeGreaterThan(0);
  await editSelect.selectOption('recolour');
  await expect(matchCount(page)).toHaveText(new RegExp(`^${recolourCount} samples? of 60$`));
  expect(page.url()).toContain('edit=recolour');
  await expect(grid(page)).not.toHaveClass(/lite/);
  await expect(grid(page).locator('.sample-meta .tag', { hasText: 'recolour' }).first()).toBeVisible();
  await expect(grid(page).locator('.sample-meta .tag', { hasText: 'remove' })).toHaveCount(0);

  // The filter lives in the URL: a reload keeps it.
  await page.reload();
  await expect(matchCount(page)).toHaveText(new RegExp(`^${recolourCount} samples? of 60$`));
  await expect(page.getByLabel('Edit type')).toHaveValue('recolour');
  await page.getByLabel('Edit type').selectOption('');
  await expect(matchCount(page)).toHaveText('60 samples');

  // Full-text search (debounced) over instructions and descriptions.
  const firstInstruction = (await grid(page).locator('.sample-instruction').first().textContent()) ?? '';
  const word = firstInstruction.split(/\s+/).find((w) => /^[a-z]{4,}$/.test(w) && !['make', 'turn', 'into', 'with', 'from'].includes(w)) ?? 'circle';
  await page.getByRole('searchbox').fill(word);
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  await expect(matchCount(page)).toHaveText(/ of 60$/);
  const found = Number((await matchCount(page).textContent())?.split(' ')[0]);
  expect(found).toBeGreaterThan(0);
  expect(found).toBeLessThanOrEqual(60);
  await page.getByRole('searchbox').fill('');
  await expect(matchCount(page)).toHaveText('60 samples');

  // Keyboard: focus the grid, arrows move the selection (kept in the URL), Enter opens.
  await grid(page).focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/[?&]i=1(&|$)/);
  await expect(grid(page).locator('[aria-selected="true"] [data-sample-id]')).toHaveCount(1);
  await page.keyboard.press('Enter');

  await expect(page.locator('h1')).toContainText('Sample');
  await expect(page.getByTestId('sample-instruction')).not.toBeEmpty();
  await expect(page.getByTestId('region-description')).not.toBeEmpty();
  await expect(page.getByTestId('scene-description')).not.toBeEmpty();
  await expectMaskAndBox(page);
  await expect(page.getByText('2 of 60 in this list')).toBeVisible();
  const sampleId = /samples\/(\d+)/.exec(page.url())?.[1];
  await expect(page.getByRole('link', { name: 'Edit mask' })).toHaveAttribute('href', `#/masks/${sampleId}`);

  // 1:1 shows real device pixels; slider layout overlays the target on the source.
  await page.getByText('1:1', { exact: true }).click();
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  await expect.poll(async () => (await page.getByTestId('figure-source').boundingBox())?.width).toBeCloseTo(64 / dpr, 0);
  await page.getByText('4×', { exact: true }).click();
  await expect(page.getByTestId('figure-source').locator('img')).toHaveCSS('image-rendering', 'pixelated');
  await page.getByText('Slider', { exact: true }).click();
  await expect(page.getByTestId('figure-slider')).toBeVisible();
  await page.getByLabel(/Slider position/).fill('20');
  await expect(page.getByTestId('figure-slider').locator('img.slider-target')).toHaveAttribute('style', /inset\(0px 0px 0px 20%\)|inset\(0 0 0 20%\)/);

  // Flag, next / previous, and back to the grid with the selection kept.
  await page.getByRole('button', { name: /Flag/ }).click();
  await expect(page.getByRole('button', { name: /Flagged/ })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByText('3 of 60 in this list')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByText('2 of 60 in this list')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(matchCount(page)).toHaveText('60 samples');
  await expect(grid(page).locator('[aria-selected="true"] .flag-mark')).toHaveCount(1);
  await page.getByLabel('Flagged', { exact: true }).selectOption('yes');
  await expect(matchCount(page)).toHaveText('1 sample of 60');

  expect(problems).toEqual([]);
});

/** A Folder-format dataset: two good samples (mask: a white 16×16 square on 32×32) and one corrupt source. */
async function writeFolderDataset(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-e2e-folder-'));
  for (const d of ['source', 'target', 'mask']) fs.mkdirSync(path.join(root, d));
  const rgb = (r: number, g: number, b: number) => sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const square = Buffer.alloc(32 * 32);
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) square[y * 32 + x] = 255;
  const mask = await sharp(square, { raw: { width: 32, height: 32, channels: 1 } }).png().toBuffer();
  for (const id of ['a', 'b', 'c']) {
    fs.writeFileSync(path.join(root, 'source', `${id}.png`), id === 'c' ? Buffer.from('this is not a png') : await rgb(90, 90, 90));
    fs.writeFileSync(path.join(root, 'target', `${id}.png`), await rgb(200, 40, 40));
    fs.writeFileSync(path.join(root, 'mask', `${id}.png`), mask);
  }
  fs.writeFileSync(
    path.join(root, 'instructions.jsonl'),
    ['a', 'b', 'c'].map((id) => JSON.stringify({ id, instruction: `paint square ${id} red`, region_description: 'a red square' })).join('\n') + '\n',
  );
  return root;
}

test('imports a folder dropped as a path: folder browser, mask-polarity preview, and the per-sample error report', async ({ page, server }) => {
  const problems = watchProblems(page);
  const folder = await writeFolderDataset();
  try {
    await page.goto(server.urlWithToken);
    await expect(page.locator('h1')).toHaveText('Datasets');
    // A path dropped as text (a file manager or terminal drag) opens the import dialog with it.
    const dataTransfer = await page.evaluateHandle((p) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', p);
      return dt;
    }, folder);
    await page.dispatchEvent('section.datasets-view', 'drop', { dataTransfer });
    const dialog = page.getByRole('dialog', { name: 'Import a dataset' });
    await expect(dialog.getByLabel('Path on the engine machine')).toHaveValue(folder);
    await expect(dialog.getByLabel('Folder', { exact: true })).toBeChecked();

    // The server-side folder browser: up to the parent, back into the folder, choose it.
    await dialog.getByRole('button', { name: 'Browse…' }).click();
    const listing = dialog.getByRole('listbox', { name: 'Folder contents' });
    await expect(listing.getByText('instructions.jsonl')).toBeVisible();
    await expect(listing.getByText('source', { exact: true })).toBeVisible();
    await dialog.getByRole('button', { name: 'Parent folder' }).click();
    await listing.getByText(path.basename(folder), { exact: true }).dblclick();
    await expect(listing.getByText('mask', { exact: true })).toBeVisible();
    await dialog.getByRole('button', { name: 'Use this folder' }).click();
    await expect(dialog.getByLabel('Path on the engine machine')).toHaveValue(folder);

    // The polarity preview: white marks a quarter of the image; black inverts it, and says so.
    const preview = dialog.getByTestId('mask-preview');
    await expect(preview).toContainText('edit region 25%');
    await dialog.getByText('Black marks the edit').click();
    await expect(preview).toContainText('edit region 75% — inverted?');
    await dialog.getByText('White marks the edit').click();
    await expect(preview).toContainText('edit region 25%');

    await dialog.getByLabel('Name').fill('my-folder');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(dialog.getByRole('status')).toContainText('completed', { timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Close' }).last().click();

    // Two samples in, one reported: the report opens in place with the sample and the reason.
    const row = page.getByTestId(/^dataset-row-/).filter({ hasText: 'my-folder' });
    await expect(row).toContainText('Folder');
    await expect(row.locator('td.num').first()).toHaveText('2');
    await row.getByRole('button', { name: /^1/ }).click();
    const report = page.getByTestId(/^dataset-errors-/);
    await expect(report).toContainText('c');
    await expect(report.locator('tbody tr')).toHaveCount(1);
    await expect(report.locator('tbody td').last()).not.toBeEmpty();
    expect(problems).toEqual([]);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('a running import keeps showing its progress after a reload, and can be cancelled', async ({ page, server }) => {
  const problems = watchProblems(page);
  await page.goto(server.urlWithToken);
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a dataset' });
  await dialog.getByLabel('Name').fill('long-import');
  await dialog.getByLabel('Samples').fill('20000');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  await expect(dialog.getByRole('status')).toContainText('of 20,000');

  // A reload forgets which jobs this window started; the list finds the running one again.
  await page.reload();
  const row = page.getByTestId(/^dataset-row-/).filter({ hasText: 'long-import' });
  await expect(row).toContainText('importing');
  const progress = page.locator('.progress-row').getByRole('status');
  await expect(progress).toContainText('of 20,000');
  await expect(progress).toContainText(/\/s · .* left|estimating/);
  await page.locator('.progress-row').getByRole('button', { name: 'Cancel import' }).click();
  // Said as what happened (cancelled, not failed), with the way on: resume, or delete.
  await expect(row.locator('.status-pill')).toHaveText('cancelled');
  await expect(row.getByRole('button', { name: 'Resume' })).toBeVisible();
  await expect(page.locator('.progress-row')).toHaveCount(0);
  await page.reload();
  await expect(row.locator('.status-pill')).toHaveText('cancelled');
  expect(problems).toEqual([]);
});

async function expectMaskAndBox(page: Page) {
  await expect(page.getByTestId('mask-overlay').first()).toBeVisible();
  await expect(page.getByTestId('region-box').first()).toBeVisible();
  await expect(page.getByTestId('box-facts')).toHaveText(/^\d+×\d+ at \(\d+, \d+\)$/);
  const [w, h] = ((await page.getByTestId('box-facts').textContent()) ?? '').split(' ')[0]!.split('×').map(Number);
  await expect(page.getByTestId('region-box').first()).toContainText(`${w}×${h}`);
}

test('browses 100 000 samples: scroll to the end, filter, search, open a sample', async ({ page, dataDir }) => {
  test.setTimeout(120_000);
  const seeded = await seed(dataDir, { count: 100_000, name: 'synthetic-100k' });
  const server = await startServe(dataDir);
  try {
    const problems = watchProblems(page);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(server.urlWithToken);
    const row = page.locator('tr', { hasText: 'synthetic-100k' });
    await expect(row).toContainText('100,000');
    await row.getByRole('link', { name: 'synthetic-100k' }).click();
    await expect(matchCount(page)).toHaveText('100,000 samples');

    // Only the visible rows exist in the DOM.
    await expect(grid(page).locator('[data-sample-id="1"], [data-sample-id]').first()).toBeVisible();
    const rendered = await grid(page).locator('.vgrid-cell').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(300);

    // Scroll to the very end: the last sample is fetched and shown.
    await grid(page).evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(grid(page).getByText('syn-099999')).toBeVisible();
    // And into the middle.
    await grid(page).evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect(grid(page).locator('[data-sample-id]').first()).toBeVisible();
    expect(await grid(page).locator('.vgrid-cell').count()).toBeLessThan(300);

    // End / Home from the keyboard.
    await grid(page).focus();
    await page.keyboard.press('End');
    await expect(page).toHaveURL(/[?&]i=99999(&|$)/);
    await page.keyboard.press('Home');
    await expect(page).toHaveURL(/[?&]i=0(&|$)/);

    // Filters: flagged is every 97th sample; validation split every 10th.
    await page.getByLabel('Flagged', { exact: true }).selectOption('yes');
    await expect(matchCount(page)).toHaveText(`${Math.ceil(100_000 / 97).toLocaleString('en-US')} samples of 100,000`);
    await page.getByLabel('Flagged', { exact: true }).selectOption('');
    await page.getByLabel('Split').selectOption('val');
    await expect(matchCount(page)).toHaveText('10,000 samples of 100,000');
    await page.getByLabel('Has mask').selectOption('no');
    await expect(matchCount(page)).toHaveText(/^[\d,]+ samples? of 100,000$/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(matchCount(page)).toHaveText('100,000 samples');

    // Search: one sample has a word no other has.
    await page.getByRole('searchbox').fill(seeded.uniqueWord);
    await expect(matchCount(page)).toHaveText('1 sample of 100,000');
    await grid(page).locator('[data-sample-id]').first().dblclick();
    await expect(page.locator('h1')).toContainText(seeded.uniqueExternalId);
    await expect(page.getByTestId('sample-instruction')).toContainText(seeded.uniqueWord);
    await expectMaskAndBox(page);

    // A multi-turn session shows as a strip of its turns; a turn opens its sample.
    await page.keyboard.press('Escape');
    await page.getByRole('searchbox').fill(seeded.sessionWord);
    await expect(page).toHaveURL(new RegExp(`[?&]q=${seeded.sessionWord}(&|$)`));
    await expect(grid(page).locator('[data-sample-id]')).toHaveCount(1);
    await expect(grid(page).getByText(seeded.sessionExternalId)).toBeVisible();
    await grid(page).locator('[data-sample-id]').first().dblclick();
    await expect(page.locator('h1')).toContainText(seeded.sessionExternalId);
    const strip = page.getByRole('navigation', { name: 'Turns of this editing session' });
    await expect(strip.getByRole('button')).toHaveCount(3);
    await expect(strip.locator('[aria-current="step"]')).toContainText('Turn 1');
    await strip.getByRole('button', { name: /Turn 2/ }).click();
    await expect(page.locator('h1')).toContainText('syn-000501');
    await expect(strip.locator('[aria-current="step"]')).toContainText('Turn 2');
    expect(problems).toEqual([]);
  } finally {
    await stopServe(server);
  }
});
