// The workstation shell in Chromium over web mode: token, every view, settings, theme, status bar.
import { expect, test } from './fixtures.js';
import { views } from '../../renderer/src/views/registry.js';

test('refuses a browser without the token', async ({ page, server }) => {
  const res = await page.goto(server.origin + '/');
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('Unauthorized');
});

test('opens with the printed URL and navigates every view by mouse and keyboard', async ({ page, server }) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto(server.urlWithToken);
  // The token is traded for a cookie and leaves the address bar.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toContainText('connected');
  await expect(page.getByTestId('status-jobs')).toContainText('jobs running: 0');

  for (const view of views) {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view.label, exact: true }).click();
    await expect(page.locator('h1')).toHaveText(view.label);
    expect(page.url()).toContain(`#${view.path}`);
  }
  for (const [i, view] of views.entries()) {
    await page.keyboard.press(`Alt+${i + 1}`);
    await expect(page.locator('h1')).toHaveText(view.label);
  }
  // Arrow keys move through the navigation list; Enter opens.
  await page.getByRole('link', { name: 'Datasets', exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('h1')).toHaveText('Captions');
  // The command palette reaches every view.
  await page.keyboard.press('Control+k');
  await page.getByRole('textbox', { name: 'Command' }).fill('compare');
  await page.keyboard.press('Enter');
  await expect(page.locator('h1')).toHaveText('Compare');

  expect(problems).toEqual([]);
});

test('settings are stored and survive a reload; theme toggles and persists', async ({ page, server }) => {
  await page.goto(server.urlWithToken);
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  await page.keyboard.press(`Alt+${views.findIndex((v) => v.label === 'Settings') + 1}`);
  await expect(page.locator('h1')).toHaveText('Settings');
  await expect(page.getByLabel('Project folder')).toHaveValue(server.dataDir);

  await page.getByLabel('CLIP (Region-CLIP base)').fill('/models/clip-vit-base-patch16');
  await page.getByLabel('Base URL').fill('not a url');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert')).toContainText('http');

  await page.getByLabel('Base URL').fill('http://127.0.0.1:8000/v1');
  await page.getByLabel('Model', { exact: true }).fill('deepseek-vl2-tiny');
  await page.getByLabel('API key').fill('sk-test');
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-status')).toHaveText('Saved.');

  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Toggle colour theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.getByLabel('CLIP (Region-CLIP base)')).toHaveValue('/models/clip-vit-base-patch16');
  await expect(page.getByLabel('Base URL')).toHaveValue('http://127.0.0.1:8000/v1');
  await expect(page.getByLabel('Backend')).toHaveValue('wasm');
  // The key is stored but never sent back to the page.
  await expect(page.getByLabel('API key')).toHaveValue('');
  await expect(page.getByLabel('API key')).toHaveAttribute('placeholder', /stored/);
});

test('the status bar shows a lost connection', async ({ page, server }) => {
  await page.goto(server.urlWithToken);
  await expect(page.getByTestId('status-connection')).toContainText('connected');
  server.process.kill('SIGKILL');
  await expect(page.getByTestId('status-connection')).toContainText('disconnected');
});
