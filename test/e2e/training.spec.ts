// Training end to end in Chromium against a real `ric serve`: a tiny Region-CLIP run on ShapesEdit
// started from the UI, its charts growing live (metric batches from the engine host), pause (the
// step stays), resume (it moves on), stop; then a finished run opened and overlaid with the first,
// with their config differences.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, projectRoot, startServe, stopServe, test, type WebServerHandle } from './fixtures.js';

function ric(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ric ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

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

const lossPoints = async (page: Page) => Number(await page.locator('figure[data-chart="Loss (total and terms)"]').getAttribute('data-points'));
const step = async (page: Page) => Number(await page.getByTestId('run-step').textContent());

test('train from the UI: live charts, pause, resume, stop, then overlay a finished run', async ({ page, dataDir }) => {
  test.setTimeout(240_000);
  ric(dataDir, 'import', 'shapes', '--count', '48', '--seed', '3', '--size', '64', '--name', 'shapes-e2e', '--json');
  const server = await startServe(dataDir);
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Training' }).click();
    await expect(page.locator('h1')).toHaveText('Training');

    // 1. Start a tiny run from the form: ShapesEdit starts from the tiny preset, and the pre-flight says what it will train on.
    await page.getByRole('button', { name: 'New training run' }).click();
    await expect(page.getByLabel('Dataset')).toHaveValue(/\d+/);
    await expect(page.getByLabel('Preset')).toHaveValue('tiny');
    await expect(page.getByTestId('preflight-summary')).toContainText('44 training + 4 validation pairs from shapes-e2e');
    // The paper's settings need a base model folder: refused before any job exists, with the way to fix it.
    await page.getByLabel('Preset').selectOption('paper');
    const refusal = page.locator('.preflight-problems [data-field="base_model"]');
    await expect(refusal).toContainText("no base model folder: the paper's settings fine-tune a CLIPModel folder");
    await expect(refusal.getByRole('link', { name: 'Settings → Model folders → clip' })).toHaveAttribute('href', /settings$/);
    await expect(page.getByRole('button', { name: 'Start training' })).toBeDisabled();
    await page.getByLabel('Preset').selectOption('tiny');
    await page.getByLabel('Epochs').fill('400');
    await page.getByLabel('Batch size').fill('8');
    await page.getByLabel('Run name').fill('first');
    await page.getByRole('button', { name: 'Start training' }).click();
    const state = page.getByTestId('run-state');
    await expect(state).toHaveText('running', { timeout: 60_000 });

    // 2. The loss chart grows live.
    await expect.poll(() => lossPoints(page), { timeout: 60_000 }).toBeGreaterThan(3);
    const before = await lossPoints(page);
    await expect.poll(() => lossPoints(page), { timeout: 30_000 }).toBeGreaterThan(before);
    await expect(page.locator('figure[data-chart="Learning rate"]')).toBeVisible();
    await expect(page.locator('figure[data-chart="Gradient norm"]')).toBeVisible();
    await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 10_000 });

    // 3. Pause: the step stays where it paused.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(state).toHaveText('paused', { timeout: 30_000 });
    const pausedAt = await step(page);
    await page.waitForTimeout(1500);
    expect(await step(page)).toBe(pausedAt);

    // 4. Resume: it moves on from there.
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect(state).toHaveText('running', { timeout: 30_000 });
    await expect.poll(() => step(page), { timeout: 30_000 }).toBeGreaterThan(pausedAt);

    // 5. Stop: it ends cancelled, with a checkpoint to resume from.
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(state).toHaveText('cancelled', { timeout: 60_000 });
    await expect(page.locator('[data-checkpoint-step]').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Resume from here' }).first()).toBeEnabled();

    // Samples: retrieval examples stored with each checkpoint; the step slider picks the step.
    await expect(page.locator('[data-sample-kind="retrieval"]').first()).toBeVisible({ timeout: 10_000 });
    await expect(page.locator('.run-sample img').first()).toHaveJSProperty('complete', true);
    const earliest = Number(await page.locator('[data-checkpoint-step]').last().getAttribute('data-checkpoint-step'));
    await page.getByLabel('Step (moves every chart and the samples)').fill(String(earliest));
    await expect(page.locator('#samples-h')).toHaveText(`Samples at step ${earliest}`);

    // 6. A second run with another learning rate, to the end.
    const datasetId = (await callApi<{ id: number; name: string }[]>(server, 'datasets.list', {})).find((d) => d.name === 'shapes-e2e')!.id;
    const second = await callApi<{ id: number; runId: number }>(server, 'jobs.start', {
      kind: 'train-regionclip',
      params: { datasetId, preset: 'tiny', name: 'second', config: { batch_size: 8, max_steps: 16, phases: [{ name: 'fusion', epochs: 4, lr: 1e-3 }] } },
    });
    await expect.poll(async () => (await callApi<{ state: string }>(server, 'jobs.get', { id: second.id })).state, { timeout: 90_000 }).toBe('completed');

    // 7. Open the finished run from the list, then overlay both.
    await page.reload();
    await page.locator(`[data-run-row="${second.runId}"]`).getByRole('button', { name: `run ${second.runId} · second` }).click();
    await expect(state).toHaveText('completed');
    await expect.poll(() => lossPoints(page)).toBe(16);
    await page.getByRole('checkbox', { name: /^Overlay run \d+ · first$/ }).check();
    await page.getByRole('checkbox', { name: `Overlay run ${second.runId} · second` }).check();
    await page.getByRole('button', { name: /Compare 2 runs/ }).click();
    const overlay = page.locator('figure[data-chart="loss"]');
    await expect(overlay).toBeVisible();
    await expect(overlay.locator('.u-legend')).toContainText(' · first');
    await expect(overlay.locator('.u-legend')).toContainText(`run ${second.runId} · second`);
    const diff = page.locator('table.config-diff');
    await expect(diff).toContainText('phases');
    await expect(diff).toContainText('max_steps');
    expect(problems).toEqual([]);
  } finally {
    await stopServe(server);
  }
});
