// The workstation shell in Chromium over web mode: token, every view, the command palette, status bar.
// Settings are in settings.spec.ts.
import { expect, test } from './fixtures.js';
import { views } from '../../renderer/src/views/registry.js';

test('refuses a browser without the token', async ({ page, server }) => {
  const res = await page.goto(server.origin + '/');
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('Unauthorized');
  // Issue 17: the page says what to do whichever way RIC Studio was started (npm start or ric serve).
  await expect(page.locator('body')).toContainText('the "Open: http://...?token=..." line of npm start or ric serve');
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

test('the status bar shows a lost connection', async ({ page, server }) => {
  await page.goto(server.urlWithToken);
  await expect(page.getByTestId('status-connection')).toContainText('connected');
  server.process.kill('SIGKILL');
  await expect(page.getByTestId('status-connection')).toContainText('disconnected');
});
