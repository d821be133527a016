// `ric import shapes` and `ric datasets` as a user runs them (the built CLI in a child process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../data/helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin', 'ric.js'), '--data', dataDir, ...args], { encoding: 'utf8' });

test('ric import shapes --json, ric datasets (text and --json), and clear failures', () => {
  expect(fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js')), 'run `npx tsc -b` first').toBe(true);
  const dataDir = tempDir('ric-cli-');
  const imported = ric(dataDir, 'import', 'shapes', '--count', '12', '--seed', '4', '--size', '32', '--json');
  expect(imported.status, imported.stderr).toBe(0);
  const report = JSON.parse(imported.stdout) as Record<string, unknown>;
  expect(report).toMatchObject({ state: 'completed', imported: 12, skipped: 0, errors: [], dataset: 'shapes-seed4-n12-32px' });
  // The progress bar went to stderr, not into the JSON.
  expect(imported.stderr).toMatch(/12\/12 100%/);

  const again = ric(dataDir, 'import', 'shapes', '--count', '12', '--seed', '4', '--size', '32', '--json', '--no-progress');
  expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, skipped: 12 });
  expect(again.stderr).toBe('');

  const list = ric(dataDir, 'datasets', '--json');
  expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'shapes-seed4-n12-32px', format: 'shapes', sampleCount: 12, errorCount: 0 })]);
  const text = ric(dataDir, 'datasets');
  expect(text.stdout).toMatch(/shapes-seed4-n12-32px\s+shapes\s+ready\s+12\s+0/);

  const missing = ric(dataDir, 'import', 'folder', path.join(dataDir, 'nope'), '--json');
  expect(missing.status).not.toBe(0);
  expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false });
  expect(missing.stderr).toContain('no such file or folder');
  const bad = ric(dataDir, 'import', 'shapes', '--count', '0');
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toContain('must be an integer from 1');
}, 60_000);
