// Stored images whose files are missing or unreadable, seen in Chromium against a real `ric serve`:
// the grid and the sample view show a placeholder that says "image missing from the data folder" or
// "image cannot be read" (with the server's sentence as its tooltip), never a broken-image icon.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, projectRoot, test } from './fixtures.js';

function blobFile(dataDir: string, sha: string): string {
  return path.join(dataDir, 'blobs', sha.slice(0, 2), sha);
}

test('a missing and an unreadable image are named in the grid and in the sample view', async ({ page, server, dataDir }) => {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, 'import', 'shapes', '--count', '4', '--name', 'broken', '--no-progress'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const db = new Database(path.join(dataDir, 'ric.sqlite'), { readonly: true });
  const rows = db
    .prepare(
      `SELECT s.id, s.source_sha256 AS source, si.thumb_sha256 AS sourceThumb, ti.thumb_sha256 AS targetThumb
       FROM samples s JOIN images si ON si.sha256 = s.source_sha256 JOIN images ti ON ti.sha256 = s.target_sha256 ORDER BY s.id`,
    )
    .all() as { id: number; source: string; sourceThumb: string; targetThumb: string }[];
  db.close();
  const [first, second] = rows;
  // Missing: the files are gone. Unreadable: a folder in the file's place (root reads through
  // permission bits, not through that).
  fs.rmSync(blobFile(dataDir, first!.sourceThumb));
  fs.rmSync(blobFile(dataDir, first!.source));
  fs.rmSync(blobFile(dataDir, second!.targetThumb));
  fs.mkdirSync(blobFile(dataDir, second!.targetThumb));

  await page.goto(server.urlWithToken);
  await page.locator('tr', { hasText: 'broken' }).getByRole('link', { name: 'broken' }).click();
  const cell = (id: number) => page.locator(`[data-sample-id="${id}"]`);
  const missing = cell(first!.id).getByTestId('broken-image');
  await expect(missing).toHaveText('image missing from the data folder');
  await expect(missing).toHaveAttribute('title', `stored image ${first!.sourceThumb.slice(0, 12)} is missing from the data folder`);
  const unreadable = cell(second!.id).getByTestId('broken-image');
  await expect(unreadable).toHaveText('image cannot be read');
  await expect(unreadable).toHaveAttribute('title', `stored image ${second!.targetThumb.slice(0, 12)} is a folder, not a file`);
  // The other thumbnail of each cell still shows, and no image in the grid is left broken.
  await expect(cell(first!.id).locator('img')).toHaveCount(1);
  const broken = await page.locator('img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 0).length);
  expect(broken).toBe(0);

  await cell(first!.id).dblclick();
  await expect(page.getByTestId('figure-source').getByTestId('broken-image')).toHaveText('image missing from the data folder');
  await expect(page.getByTestId('figure-target').locator('img').first()).toBeVisible();
});
