// The Compare view in Chromium against a real `ric serve` (issue 16): a data folder seeded with the
// card dataset (test/helpers/eval-seed.ts, through the built store in dist/) and three result sets,
// each evaluated under `exact` by the real queue; then open Compare on the three sets, zoom and pan
// in one pane and see every pane follow, sort by the difference of two sets' scores, build the table
// and export it as CSV and the samples as a PNG grid.
import fs from 'node:fs';
import sharp from 'sharp';
import { apiCall as call, expect, seedStore, withSeededServer } from './fixtures.js';
import { BLUE, card, RED, seedEvalDataset, seedResultSet } from '../helpers/eval-seed.js';

const N = 4;

const test = withSeededServer((dataDir) =>
  seedStore(dataDir, async (store) => {
    const { datasetId, sampleIds } = await seedEvalDataset(store, N, 'cards');
    await seedResultSet(store, datasetId, sampleIds, 'perfect', 'Oracle', () => card(BLUE));
    await seedResultSet(store, datasetId, sampleIds, 'noop', 'Identity', () => card(RED));
    // Sample i's square is i pixels to the right: its error grows with i.
    await seedResultSet(store, datasetId, sampleIds, 'shifted', 'Shifted', (i) => card(BLUE, i));
  }),
);

test.use({ viewport: { width: 1600, height: 1000 } });

test('three result sets: synchronised zoom and pan, sort by a difference, table, CSV and PNG grid export', async ({ page, server }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.urlWithToken);
  for (const id of [1, 2, 3]) {
    const { jobId } = await call<{ jobId: number }>(page, 'evals.start', { resultSetId: id, preset: 'exact' });
    await expect.poll(async () => (await call<{ state: string }>(page, 'jobs.get', { id: jobId })).state, { timeout: 60_000 }).toBe('completed');
  }

  await page.goto(`${server.urlWithToken}#/compare`);
  await expect(page.locator('h1')).toHaveText('Compare');
  for (const m of ['Oracle', 'Identity', 'Shifted']) await page.getByRole('checkbox', { name: new RegExp(`^${m}`) }).check();
  const panes = page.getByTestId('pane-content');
  await expect(panes).toHaveCount(5); // source, ground truth, three sets
  await expect(page.getByTestId('pane-set-2').locator('[data-metric="l1.inside"] dd')).toHaveText((340 / 3 / 255).toFixed(4));

  // Zoom in one pane, then drag it: every pane shows the same transform.
  const viewport = page.getByTestId('pane-set-3').locator('.pane-viewport');
  await viewport.scrollIntoViewIfNeeded();
  const box = (await viewport.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -100);
  await page.mouse.wheel(0, -100);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 30, box.y + box.height / 2 - 10, { steps: 3 });
  await page.mouse.up();
  const transforms = await panes.evaluateAll((els) => els.map((e) => (e as HTMLElement).style.transform));
  expect(transforms[0]).toMatch(/scale\(1\.5625\)/);
  expect(new Set(transforms).size).toBe(1);

  // A slider (wipe) between two panes follows the same zoom; the split moves with the range input.
  await page.getByLabel('Slider left').selectOption({ label: 'Oracle' });
  await page.getByLabel('Slider right').selectOption({ label: 'Identity' });
  const wipe = page.getByTestId('pane-slider');
  await expect(wipe.locator('.slider-right')).toHaveAttribute('style', /inset\(0px 0px 0px 50%\)|inset\(0 0 0 50%\)/);
  await wipe.getByRole('slider', { name: 'Slider split' }).fill('20');
  await expect(wipe.locator('.slider-right')).toHaveAttribute('style', /inset\(0px 0px 0px 20%\)|inset\(0 0 0 20%\)/);
  expect(await wipe.getByTestId('pane-content').evaluate((e) => (e as HTMLElement).style.transform)).toBe(transforms[0]);

  // Sort by L1 of Shifted minus Oracle, largest first: e3 (3 px off) down to e0 (on target).
  await page.getByLabel('Sort metric').selectOption('l1');
  await page.getByLabel('Sort set').selectOption({ label: 'Shifted' });
  await page.getByLabel('Minus set').selectOption({ label: 'Oracle' });
  await page.getByLabel('Order').selectOption('desc');
  await expect(page.getByRole('list', { name: 'Samples' }).locator('button')).toHaveText([/^e3/, /^e2/, /^e1/, /^e0/]);
  await page.getByRole('button', { name: /^e3/ }).click(); // focus off the selects: keys step samples
  await page.keyboard.press('j');
  await expect(page.locator('.compare-panes')).toHaveAttribute('data-sample', 'e2');
  // Filter by the difference: e0 (on target, difference 0) drops out.
  await page.getByLabel('Filter min').fill('0.001');
  await expect(page.getByRole('list', { name: 'Samples' }).locator('button')).toHaveText([/^e3/, /^e2/, /^e1/]);

  // The table: three rows, Oracle best in L1; export CSV.
  const table = page.getByTestId('eval-table');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.locator('tbody tr').first().locator('td.best strong')).toHaveText(['100.00', '0.0000']);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
  expect(lines[0]).toBe('method,result_sets,seeds,PSNR,PSNR std,PSNR n,L1,L1 std,L1 n');
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['Oracle', 'Identity', 'Shifted']);
  expect(lines[1]).toMatch(/^Oracle,1,-,100,0,4,0,0,4$/);

  // The PNG grid of the listed samples (three after the filter) × source, ground truth, three sets.
  const gridDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export PNG grid' }).click();
  const grid = await sharp(await (await gridDownload).path()).metadata();
  expect([grid.format, grid.width, grid.height]).toEqual(['png', 5 * 256, 28 + 3 * 256]);
  expect(problems).toEqual([]);
});
