// Caption review end to end in Chromium against a real `ric serve`: a ShapesEdit dataset imported
// and captioned by the real CLI (scene-graph template), the model folders pointed at a tiny real
// tokenizer through settings.update, then: the queue, edit-and-approve, approve by keyboard, the
// version history with its diff, the token budget with the unread part, bulk approve, and a
// caption job started from the Generate panel with live progress.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { writeTinyTokenizer } from '../main/captions/tiny-tokenizer.js';
import { FIXTURES } from '../main/engine/shared-dir.js';
import { expect, projectRoot, startServe, stopServe, test, type WebServerHandle } from './fixtures.js';

function ric(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ric ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

async function callApi(server: WebServerHandle, method: string, args: unknown): Promise<unknown> {
  const res = await fetch(`${server.origin}/api/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method, args }),
  });
  const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

test('review captions: queue, edit and approve, history with diff, token budget, bulk approve, generate', async ({ page, dataDir }) => {
  ric(dataDir, 'import', 'shapes', '--count', '6', '--seed', '3', '--size', '64', '--name', 'shapes-e2e', '--json');
  const report = JSON.parse(ric(dataDir, 'caption', '--dataset', 'shapes-e2e', '--kind', 'scene', '--template', '--json')) as { written: number };
  expect(report.written).toBe(6);
  const server = await startServe(dataDir);
  try {
    // CLIP reads 8 positions (6 text tokens), BLIP 10 (8): ShapesEdit scene descriptions overflow both.
    // Model folders are checked when saved (issue 17): each holds a reference fixture's config and
    // weights besides the tiny tokenizer.
    const folder = (name: 'clip' | 'blip', window: number, fixture: string) => {
      const dir = writeTinyTokenizer(path.join(dataDir, 'models', name), window);
      for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(FIXTURES, fixture, f), path.join(dir, f));
      return dir;
    };
    await callApi(server, 'settings.update', { modelFolders: { clip: folder('clip', 8, 'parity/clip/case_a'), blip: folder('blip', 10, 'parity/blip_itr') } });
    const problems = watchProblems(page);
    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Captions' }).click();
    await expect(page.locator('h1')).toHaveText('Captions');
    await page.getByLabel('Dataset').selectOption({ label: 'shapes-e2e (6)' });

    const counts = page.getByTestId('caption-counts');
    await expect(counts).toContainText('6 pending');
    await expect(page.getByTestId('queue-item')).toHaveCount(6);
    await expect(page.getByTestId('caption-source')).toHaveText('Template · exact, from the scene graph');
    await expect(page.getByTestId('caption-status')).toHaveText('v1 · pending');

    // The token budget, counted by the real tokenizer: the part past the window is greyed.
    const editor = page.locator('#caption-editor');
    const original = await editor.inputValue();
    expect(original.length).toBeGreaterThan(20);
    await expect(page.getByTestId('budget-blip-count')).toHaveText(/^\d+ \/ 8 tokens$/);
    await expect(page.getByTestId('budget-clip-count')).toHaveText(/^\d+ \/ 6 tokens$/);
    await expect(page.getByTestId('budget-blip-preview')).toContainText('the model will not read this');
    const unread = await page.getByTestId('budget-clip-preview').locator('.unread').textContent();
    expect(original.endsWith(unread ?? '∅')).toBe(true);

    // Edit and approve with Ctrl+Enter: a new human version, approved; the queue moves on.
    const firstId = (await page.getByTestId('queue-item').first().locator('.queue-id').textContent())!;
    await editor.fill('a red circle on a grey background');
    // a red circle on a grey | background: 7 text tokens, CLIP reads 6.
    await expect(page.getByTestId('budget-clip-count')).toHaveText('7 / 6 tokens');
    await expect(page.getByTestId('budget-clip-preview').locator('.unread')).toHaveText('background');
    await expect(page.getByTestId('budget-blip-preview')).toHaveCount(0);
    await editor.press('Control+Enter');
    await expect(page.getByRole('heading', { level: 2 })).not.toContainText(firstId);
    await expect(counts).toContainText('1 approved');
    await expect(counts).toContainText('5 pending');

    // Approve the next one from the keyboard.
    await expect(page.getByTestId('caption-status')).toHaveText('v1 · pending');
    await page.locator('h1').click();
    await page.keyboard.press('a');
    await expect(counts).toContainText('2 approved');

    // Back to the first: version history and the word diff of the edit.
    await page.getByTestId('queue-item').first().click();
    await expect(page.getByTestId('caption-status')).toHaveText('v2 · approved');
    await expect(page.getByTestId('caption-source')).toHaveText('Human');
    await expect(page.getByTestId('version-2')).toBeVisible();
    await expect(page.getByTestId('version-1')).toContainText('Template · exact, from the scene graph');
    const diff = page.getByTestId('version-diff');
    await expect(diff).toContainText('v1 → v2');
    await expect(diff.locator('ins')).not.toHaveCount(0);
    await expect(diff.locator('del')).not.toHaveCount(0);
    await page.getByTestId('version-1').click();
    await expect(diff).toContainText(original.slice(0, 20));

    // The pending filter holds the four left.
    const status = page.getByRole('combobox', { name: 'Status', exact: true });
    await status.selectOption('pending');
    await expect(page.getByTestId('queue-item')).toHaveCount(4);
    await status.selectOption('');
    await expect(page.getByTestId('queue-item')).toHaveCount(6);

    // Bulk approve every unapproved caption in view, after confirming the count (issue 17): the
    // caption on screen, pending before, says approved after, and the reviewer's own approvals do
    // not announce "new captions were written".
    await page.getByTestId('queue-item').filter({ has: page.locator('.status-pending') }).first().click();
    await expect(page.getByTestId('caption-status')).toHaveText('v1 · pending');
    await page.getByRole('button', { name: 'Bulk approve…' }).click();
    await page.getByRole('button', { name: 'Approve 4' }).click();
    await expect(counts).toContainText('6 approved');
    await expect(counts).toContainText('0 pending');
    await expect(page.getByTestId('caption-status')).toHaveText('v1 · approved');
    await expect(page.getByText('New captions were written')).toHaveCount(0);

    // Generate region descriptions from the panel: live progress, then the report.
    await page.getByRole('radio', { name: 'Region (CLIP)' }).click();
    await page.getByText('Generate region descriptions').click();
    await page.getByLabel('Captioner').selectOption('template');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('caption-job-progress')).toContainText('of 6');
    await expect(page.getByTestId('caption-job-report')).toContainText('Written 6');
    await expect(page.getByTestId('queue-item')).toHaveCount(6);
    await expect(page.getByTestId('mask-box')).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await stopServe(server);
  }
});

test('says so when no tokenizer folder is configured, instead of counting', async ({ page, dataDir }) => {
  ric(dataDir, 'import', 'shapes', '--count', '2', '--seed', '1', '--size', '32', '--name', 'tiny', '--json');
  ric(dataDir, 'caption', '--dataset', 'tiny', '--kind', 'region', '--template', '--json');
  const server = await startServe(dataDir);
  try {
    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Captions' }).click();
    await page.getByLabel('Dataset').selectOption({ label: 'tiny (2)' });
    await page.getByRole('radio', { name: 'Region (CLIP)' }).click();
    await expect(page.getByTestId('queue-item')).toHaveCount(2);
    await expect(page.getByTestId('budget-clip')).toContainText('no token count — no CLIP model folder is configured');
    await expect(page.getByTestId('budget-clip')).not.toContainText('/ ');
    await expect(page.getByTestId('budget-clip').getByRole('link', { name: /Settings/ })).toBeVisible();
  } finally {
    await stopServe(server);
  }
});

test('generates region descriptions with a VLM endpoint from the UI and shows the crop it saw', async ({ page, dataDir }) => {
  const { startTestServer } = await import('../main/captions/vlm-test-server.js');
  const vlm = await startTestServer((req, n) => (n === 2 ? { kind: 'empty' } : { kind: 'ok', text: `a shape, answer ${n}`, model: 'served/dsv2', delayMs: 50 }));
  ric(dataDir, 'import', 'shapes', '--count', '4', '--seed', '5', '--size', '48', '--name', 'vlm-e2e', '--json');
  const server = await startServe(dataDir);
  try {
    await callApi(server, 'settings.update', { vlm: { baseUrl: vlm.url, model: 'dsv2' } });
    const problems = watchProblems(page);
    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Captions' }).click();
    await page.getByLabel('Dataset').selectOption({ label: 'vlm-e2e (4)' });
    await page.getByRole('radio', { name: 'Region (CLIP)' }).click();
    await page.getByText('Generate region descriptions').click();
    await page.getByRole('button', { name: 'Start' }).click();
    const reportBox = page.getByTestId('caption-job-report');
    await expect(reportBox).toContainText('Written 3', { timeout: 60_000 });
    await expect(reportBox).toContainText('failed 1');
    await expect(reportBox.locator('.failures')).toContainText('empty description');
    await expect(page.getByTestId('queue-item')).toHaveCount(3);
    await expect(page.getByTestId('caption-source')).toHaveText('VLM · dsv2 · prompt v1');
    await expect(page.getByTestId('mask-box')).toBeVisible();
    await expect(page.getByTestId('seen-image')).toBeVisible();
    // The VLM was sent the crop of the mask box, not the whole 48×48 image.
    const seen = await page.getByTestId('seen-image').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(seen[0]! < 48 || seen[1]! < 48).toBe(true);
    expect(vlm.requests.every((r) => r.body.max_tokens === 77 && r.body.temperature === 0)).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await stopServe(server);
    await vlm.close();
  }
});

test('cancels a slow VLM job from the UI and resumes it without redoing finished samples', async ({ page, dataDir }) => {
  const { startTestServer, promptOf } = await import('../main/captions/vlm-test-server.js');
  const vlm = await startTestServer((req) => ({ kind: 'ok', text: `about ${promptOf(req).length}`, delayMs: 400 }));
  ric(dataDir, 'import', 'shapes', '--count', '6', '--seed', '9', '--size', '32', '--name', 'slow', '--json');
  const server = await startServe(dataDir);
  try {
    await callApi(server, 'settings.update', { vlm: { baseUrl: vlm.url, model: 'dsv2' } });
    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Captions' }).click();
    await page.getByLabel('Dataset').selectOption({ label: 'slow (6)' });
    await page.getByText('Generate scene descriptions').click();
    await page.getByLabel('Requests in flight').fill('1');
    await page.getByRole('button', { name: 'Start' }).click();
    const progress = page.getByTestId('caption-job-progress');
    await expect(progress).toContainText(/[12] of 6/, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(progress).toContainText('cancelled');
    const first = page.getByTestId('caption-job-report');
    await expect(first).toContainText('Cancelled.');
    const written = Number(/Written (\d+)/.exec((await first.textContent()) ?? '')?.[1]);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(6);
    const asked = vlm.requests.length;
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('caption-job-report')).toContainText(`Written ${6 - written}`, { timeout: 30_000 });
    await expect(page.getByTestId('caption-job-report')).toContainText(`skipped ${written} of 6`);
    // Only unfinished samples were asked for again (at most one request was cut short by the cancel).
    expect(vlm.requests.length - asked).toBe(6 - written);
    await expect(page.getByTestId('caption-counts')).toContainText('6 pending');
  } finally {
    await stopServe(server);
    await vlm.close();
  }
});
