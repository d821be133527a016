// The first run (issue 18) in Chromium against a real `ric serve` on an empty data folder: the
// Datasets view offers "Create the demo project" beside "Import a dataset"; one click runs the whole
// chain — a smoke-sized one (RIC_DEMO_DEFAULTS: 32 samples, a few steps per stage, the base editor
// trained here for 2 steps, baseline + full method, one seed) — with its stages and their jobs live;
// it ends on the ablation table, and one click opens the Compare view on the editors' result sets.
import fs from 'node:fs';
import path from 'node:path';
import { expect, startServe, stopServe, test as base, type WebServerHandle } from './fixtures.js';

const SMOKE = {
  quick: true,
  trainBase: true,
  baseSteps: 2,
  count: 32,
  editorSteps: 2,
  editSteps: 1,
  config: {
    regionclip: { phases: [{ name: 'fusion', epochs: 1, lr: 0.005 }, { name: 'joint', epochs: 1, lr: 0.002 }] },
    blip: { phases: [{ name: 'blip', epochs: 1, lr: 0.002 }] },
    editor: { batch_size: 4, validation: { samples: 1, metric_samples: 0, loss_samples: 2, steps: 2 } },
    base: { batch_size: 4, checkpoint_every: 2, validation: { samples: 1, metric_samples: 2, steps: 2 } },
  },
};

const test = base.extend<{ server: WebServerHandle }>({
  server: async ({ dataDir }, use) => {
    const defaults = path.join(path.dirname(dataDir), `${path.basename(dataDir)}-demo.json`);
    fs.writeFileSync(defaults, JSON.stringify(SMOKE));
    const server = await startServe(dataDir, [], { RIC_DEMO_DEFAULTS: defaults, RIC_ENGINE_WORKERS: '1' });
    await use(server);
    await stopServe(server);
    fs.rmSync(defaults, { force: true });
  },
});

test.use({ viewport: { width: 1400, height: 1000 } });

test('first run: Create the demo project → live stages → the ablation table → Compare', async ({ page, server }) => {
  // The chain takes 30–70 s here; the margins are for a machine loaded by other work (2 min seen beside two vitest workers).
  test.setTimeout(300_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.urlWithToken);
  await expect(page.getByRole('button', { name: 'Import a dataset' })).toBeVisible();
  await page.getByRole('button', { name: 'Create the demo project' }).click();

  // The chain's stages, live: the first ones finish while the view is open, each with its job.
  await expect(page.locator('h1')).toHaveText('Demo project');
  const stages = page.getByRole('list', { name: 'Demo stages' }).locator('li');
  await expect(stages).toHaveCount(13);
  await expect(stages.first()).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(stages.first()).toContainText('job 1');

  // The end: the ablation table, seeds grouped, against the baseline.
  const table = page.getByTestId('eval-table');
  await expect(table).toBeVisible({ timeout: 240_000 });
  for (const s of await stages.all()) await expect(s).toHaveAttribute('data-state', 'done');
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).locator('th')).toContainText('baseline (denoising only)');
  await expect(rows.nth(1).locator('th')).toContainText('Region in Context (full)');
  await expect(table.locator('thead')).toContainText('Edit acc. %');
  await expect(table.locator('thead')).toContainText('PSNR (inside)');
  await expect(page.getByRole('checkbox', { name: /Group seeds/ })).toBeChecked();
  // The full row names what it switches against the baseline: the runs' ablation, read through the exported editors' markers.
  await expect(rows.nth(1).locator('.switches')).toHaveText('run.ablation: baseline → full');
  // What it means, in words: full vs baseline against the spread, whichever way it goes.
  await expect(page.getByTestId('demo-verdict')).toContainText(/Edit acc\. %: the full method (beats|trails|ties) the baseline by/);
  // Every cell holds a number (an accuracy may be 0 after a 2-step fine-tune, but it is measured).
  await expect(rows.nth(1).locator('td').first()).toHaveText(/^\d+\.\d/);

  // One click: the Compare view on both editors' result sets, the same samples side by side.
  await page.getByTestId('demo-compare').click();
  await expect(page.locator('h1')).toHaveText('Compare');
  const sets = page.getByRole('list', { name: 'Result sets' });
  await expect(sets.getByRole('checkbox', { checked: true })).toHaveCount(2);
  await expect(page.getByRole('list', { name: 'Samples' }).locator('li').first()).toBeVisible();
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(2);
  expect(problems).toEqual([]);
});
