// A real child process (the built `ric` CLI) is SIGKILLed mid-import; the store must pass
// PRAGMA integrity_check and re-running the same import must end with exactly what a clean import has.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { expect, test } from 'vitest';
import { generateShapesSample } from '../../../main/data/shapes.js';
import { tempDir } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = path.join(root, 'bin', 'ric.js');
// 200 samples (was 400): the kill lands once 40 are committed (in practice 64, two 32-sample batches),
// with 120+ still to import, so it lands mid-import; the assert below fails the test if it ever
// does not. More samples only made the folder, the three imports and the comparison slower.
const COUNT = 200;
/** Every 25th target (i % 25 === 7) is cut short: the per-sample errors of a clean import. */
const BROKEN = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 25 === 7).length;

async function makeFolder(): Promise<string> {
  const dir = tempDir('kill-folder-');
  for (const sub of ['source', 'target', 'mask']) fs.mkdirSync(path.join(dir, sub));
  const lines: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const s = generateShapesSample(11, i, 64);
    const png = (rgb: Uint8Array, channels: 1 | 3) => sharp(Buffer.from(rgb), { raw: { width: 64, height: 64, channels } }).png().toBuffer();
    const id = `s${i}`;
    fs.writeFileSync(path.join(dir, 'source', `${id}.png`), await png(s.source, 3));
    // Every 25th target is cut short: a per-sample error the re-run must report exactly once.
    const target = await png(s.target, 3);
    fs.writeFileSync(path.join(dir, 'target', `${id}.png`), i % 25 === 7 ? target.subarray(0, 60) : target);
    fs.writeFileSync(path.join(dir, 'mask', `${id}.png`), await png(s.mask, 1));
    lines.push(JSON.stringify({ id, instruction: s.instruction, region_description: s.regionDescription, edit_type: s.editType }));
  }
  fs.writeFileSync(path.join(dir, 'instructions.jsonl'), lines.join('\n'));
  return dir;
}

function importArgs(dataDir: string, folder: string): string[] {
  return [ric, '--data', dataDir, 'import', 'folder', folder, '--name', 'killtest', '--no-progress', '--json'];
}

function snapshot(dataDir: string) {
  const db = new Database(path.join(dataDir, 'ric.sqlite'), { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const samples = db.prepare('SELECT external_id, source_sha256, target_sha256, instruction FROM samples ORDER BY external_id').all();
    const masks = db.prepare('SELECT s.external_id, m.png_sha256, m.area FROM masks m JOIN samples s ON s.id = m.sample_id ORDER BY 1').all();
    const errors = db.prepare('SELECT sample_ref, field FROM sample_errors ORDER BY sample_ref').all();
    const fts = db.prepare('SELECT count(*) FROM sample_fts').pluck().get();
    const missingBlobs = db
      .prepare('SELECT sha256 FROM images')
      .pluck()
      .all()
      .filter((sha) => !fs.existsSync(path.join(dataDir, 'blobs', (sha as string).slice(0, 2), sha as string)));
    return { integrity, samples, masks, errors, fts, missingBlobs };
  } finally {
    db.close();
  }
}

test('SIGKILL mid-import, then re-run: integrity ok and exactly the clean import', async () => {
  const entry = path.join(root, 'dist', 'main', 'cli', 'index.js');
  expect(fs.existsSync(entry), 'dist/ is missing: run `npx tsc -b` first (npm test does)').toBe(true);
  const folder = await makeFolder();

  // The clean import.
  const cleanDir = tempDir('kill-clean-');
  const clean = spawnSync(process.execPath, importArgs(cleanDir, folder), { encoding: 'utf8' });
  expect(clean.status, clean.stderr).toBe(0);
  const cleanReport = JSON.parse(clean.stdout) as { imported: number; errors: unknown[] };
  expect(cleanReport.imported).toBe(COUNT - BROKEN);
  expect(cleanReport.errors).toHaveLength(BROKEN);

  // The killed one: wait until some batches are committed, then SIGKILL.
  const dataDir = tempDir('kill-data-');
  const child = spawn(process.execPath, importArgs(dataDir, folder), { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let atKill = 0;
  const dbFile = path.join(dataDir, 'ric.sqlite');
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 25));
    if (!fs.existsSync(dbFile)) continue;
    try {
      const db = new Database(dbFile, { readonly: true, timeout: 1000 });
      try {
        atKill = db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
      } finally {
        db.close();
      }
    } catch {
      continue; // schema not created yet
    }
    if (atKill >= 40) break;
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const killed = snapshot(dataDir);
  expect(killed.integrity).toBe('ok');
  expect(killed.samples.length, 'the kill must land mid-import').toBeLessThan(COUNT - BROKEN);
  expect(killed.samples.length).toBeGreaterThan(0);
  expect(killed.missingBlobs).toEqual([]);

  // The re-run finishes the job without duplicates.
  const rerun = spawnSync(process.execPath, importArgs(dataDir, folder), { encoding: 'utf8' });
  expect(rerun.status, rerun.stderr).toBe(0);
  const rerunReport = JSON.parse(rerun.stdout) as { imported: number; skipped: number };
  expect(rerunReport.imported + rerunReport.skipped).toBe(COUNT - BROKEN);
  expect(rerunReport.skipped).toBeGreaterThanOrEqual(killed.samples.length);

  const after = snapshot(dataDir);
  const reference = snapshot(cleanDir);
  expect(after.integrity).toBe('ok');
  expect(after.samples).toEqual(reference.samples);
  expect(after.masks).toEqual(reference.masks);
  expect(after.errors).toEqual(reference.errors);
  expect(after.fts).toBe(reference.fts);
  expect(after.missingBlobs).toEqual([]);

  // The killed job was left 'running' by the dead process; the re-run marks it interrupted.
  const db = new Database(dbFile, { readonly: true });
  const states = db.prepare("SELECT state FROM jobs WHERE kind = 'import' ORDER BY id").pluck().all();
  db.close();
  expect(states).toEqual(['interrupted', 'completed']);
}, 180_000);
