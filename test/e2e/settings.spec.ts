// Settings in Chromium (issue 17): a model folder that does not exist or does not hold its model is
// refused with the reason next to the field; a good one (a reference fixture) is saved; "Test
// connection" sends one tiny request to a local OpenAI-compatible server (a stand-in for a VLM) and
// shows what came back; theme and settings survive a reload; the key never comes back to the page.
import path from 'node:path';
import { FIXTURES } from '../main/engine/shared-dir.js';
import { startTestServer, type TestServer } from '../main/captions/vlm-test-server.js';
import { expect, test } from './fixtures.js';

const CLIP = path.join(FIXTURES, 'parity/clip/case_a');
const BLIP = path.join(FIXTURES, 'parity/blip_itr');

let vlm: TestServer | undefined;
test.afterEach(async () => {
  await vlm?.close();
  vlm = undefined;
});

test('refuses model folders that do not hold their model, saves good ones; tests the VLM endpoint', async ({ page, server }) => {
  vlm = await startTestServer((req) => (req.authorization === 'Bearer sk-good' ? { kind: 'ok', text: 'Red.', model: 'served/tiny-vlm' } : { kind: 'status', status: 401, body: { error: { message: 'invalid api key' } } }));
  await page.goto(server.urlWithToken);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.locator('h1')).toHaveText('Settings');
  await expect(page.getByLabel('Project folder')).toHaveValue(server.dataDir);

  // A malformed URL is refused by the Api's schema, worded for people, next to its field.
  await page.getByLabel('Base URL').fill('not a url');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-status')).toHaveText('Not saved: one setting needs a fix (see above).');
  await expect(page.getByTestId('problem-vlm.baseUrl')).toHaveText('must be an http:// or https:// URL');

  // A folder that does not exist and a BLIP folder given as CLIP: both refused, each next to its field.
  await page.getByLabel('Base URL').fill(vlm.url);
  await page.getByLabel('CLIP (Region-CLIP base)').fill(BLIP);
  await page.getByLabel('DINO (evaluation)').fill('/no/such/dino');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-status')).toHaveText('Not saved: 2 settings need a fix (see above).');
  await expect(page.getByTestId('problem-modelFolders.clip')).toContainText('holds a BlipForImageTextRetrieval (model_type "blip"), not a CLIP model');
  await expect(page.getByTestId('problem-modelFolders.dino')).toHaveText('/no/such/dino does not exist on the machine running RIC Studio');
  await expect(page.getByTestId('problem-vlm.baseUrl')).toHaveCount(0);

  // "Check" reads a folder without saving; a good one is then saved.
  await page.getByLabel('CLIP (Region-CLIP base)').fill(CLIP);
  await page.getByRole('button', { name: 'Check' }).first().click();
  await expect(page.getByText('✓ The folder holds the expected model.')).toBeVisible();
  await page.getByLabel('DINO (evaluation)').fill('');
  await page.getByLabel('Model', { exact: true }).fill('tiny-vlm');
  // Tensor workers: auto or a whole number 1–256; anything else is named next to the field, nothing saved.
  await page.getByLabel('Tensor workers').fill('many');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('problem-tensorWorkers')).toHaveText('Tensor workers: type auto or a whole number from 1 to 256.');
  await page.getByLabel('Tensor workers').fill('2');
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-status')).toHaveText('Saved.');

  // Test connection: without the key the server refuses (401), with it it answers.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('vlm-test-result')).toContainText('HTTP 401: invalid api key');
  await expect(page.getByTestId('vlm-test-result')).toContainText('Check the API key.');
  await page.getByLabel('API key').fill('sk-good');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('vlm-test-result')).toHaveText(/^✓ tiny-vlm \(the server says it is served\/tiny-vlm\) answered in \d+ ms: "Red\."$/);
  expect(vlm.requests).toHaveLength(2);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-status')).toHaveText('Saved.');

  // Theme and settings survive a reload; the key is stored but never sent back to the page.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Toggle colour theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.getByLabel('CLIP (Region-CLIP base)')).toHaveValue(CLIP);
  await expect(page.getByLabel('Base URL')).toHaveValue(vlm.url);
  await expect(page.getByLabel('Backend')).toHaveValue('wasm');
  await expect(page.getByLabel('Tensor workers')).toHaveValue('2');
  await expect(page.getByLabel('API key')).toHaveValue('');
  await expect(page.getByLabel('API key')).toHaveAttribute('placeholder', /stored/);
  // The saved key goes with a test of the saved endpoint.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('vlm-test-result')).toContainText('✓ tiny-vlm');
});
