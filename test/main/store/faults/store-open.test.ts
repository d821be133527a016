// A store that cannot be used: its file is garbage, text, cut short, damaged inside, from a newer
// schema, or on a read-only disk. Each gives one message naming the file, the cause and what to do —
// never SQLite's bare "unable to open database file" — and once the user has done that, the store
// opens with the data that was there. The matrix runs against openStore (every process opens the
// store that way); the built `ric`, `ric serve` and the `npm start` entry are run as child
// processes for the cases that show how a process reports it: exit 1, one line, no stack.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport } from '../../../../main/data/import-runner.js';
import { openStore } from '../../../../main/store/index.js';
import { hasStack, integrity, mountSupport, needsMount, projectRoot, readOnly, ric } from './disk.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-store-open-'));
const seeded = path.join(root, 'seeded');
let n = 0;
/** A copy of the seeded data folder (40 ShapesEdit samples) to break. */
const copy = () => {
  const dir = path.join(root, `case-${n++}`);
  fs.cpSync(seeded, dir, { recursive: true });
  return dir;
};
const storeOf = (dir: string) => path.join(dir, 'ric.sqlite');
/** Some cases run the CLI as a child process: seconds each on a busy machine. */
const SLOW = 120_000;

beforeAll(async () => {
  const store = openStore(seeded);
  const report = await startImport(store, null, { format: 'shapes', count: 40, seed: 0, size: 64, name: 'shapes' }).done;
  store.close();
  expect(report.state).toBe('completed');
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The message openStore refuses the folder with. */
function refusedOpen(dir: string): string {
  try {
    openStore(dir).close();
  } catch (err) {
    const message = (err as Error).message;
    expect(message).not.toContain('unable to open database file');
    return message;
  }
  throw new Error(`${dir} opened`);
}

/** One line on stderr, `ric: ` and the message; nothing on stdout; exit 1; no stack. */
function refused(dir: string, args = ['datasets']): string {
  const r = ric(dir, args);
  expect(r.status, r.stdout + r.stderr).toBe(1);
  expect(hasStack(r.stderr + r.stdout)).toBe(false);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^ric: [^\n]+\n$/);
  expect(r.stderr).not.toContain('unable to open database file');
  return r.stderr;
}

/** After the fix, the store opens with the 40 samples, intact. */
function works(dir: string): void {
  const store = openStore(dir);
  try {
    expect(store.datasets.list()).toEqual([expect.objectContaining({ name: 'shapes', status: 'ready', sampleCount: 40 })]);
  } finally {
    store.close();
  }
  expect(integrity(dir)).toBe('ok');
}

describe('a store file that is not a usable SQLite store', () => {
  it('garbage bytes: named as not a store, with what to do; moved aside, a new empty store starts', () => {
    const dir = copy();
    fs.writeFileSync(storeOf(dir), randomBytes(64 * 1024));
    const message = refusedOpen(dir);
    expect(message).toContain(`${storeOf(dir)} is not a RIC Studio store (not a SQLite database: it starts with bytes `);
    expect(message).toContain('Move it aside (with its -wal and -shm files) and restore it from a backup');
    fs.renameSync(storeOf(dir), `${storeOf(dir)}.broken`);
    const fresh = openStore(dir);
    expect(fresh.datasets.list()).toEqual([]);
    fresh.close();
  }, SLOW);

  it('a text file in its place: `ric` says so in one line, and with --json in one JSON document', () => {
    const dir = copy();
    fs.writeFileSync(storeOf(dir), 'these are my notes, not a database\n');
    const expected = `${storeOf(dir)} is not a RIC Studio store (not a SQLite database: it starts with "these are my notes, not" and holds only 35 bytes). Move it aside`;
    expect(refused(dir)).toContain(`ric: ${expected}`);
    const r = ric(dir, ['datasets', '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: string };
    expect(doc).toEqual({ ok: false, error: expect.stringContaining(expected) });
    expect(hasStack(r.stderr)).toBe(false);
  }, SLOW);

  it('cut short: the header promises more than the file holds; restored from the copy, it works', () => {
    const dir = copy();
    const whole = fs.readFileSync(storeOf(dir));
    fs.writeFileSync(storeOf(dir), whole.subarray(0, 3 * 4096 + 100));
    expect(refusedOpen(dir)).toMatch(new RegExp(`^${storeOf(dir)} is damaged \\(the file is cut short: 12388 bytes where its header promises \\d+\\)`));
    fs.writeFileSync(storeOf(dir), whole);
    works(dir);
  }, SLOW);

  it('damaged pages inside a file with a good header: SQLite finds them, the message names the file', () => {
    const dir = copy();
    const fd = fs.openSync(storeOf(dir), 'r+');
    fs.writeSync(fd, randomBytes(20 * 4096), 0, 20 * 4096, 4096);
    fs.closeSync(fd);
    expect(refusedOpen(dir)).toContain(`${storeOf(dir)} is damaged (SQLite: database disk image is malformed (SQLITE_CORRUPT)). Move it aside`);
  }, SLOW);

  it('a newer schema: names the file and both versions, says to upgrade', () => {
    const dir = copy();
    const db = new Database(storeOf(dir));
    db.pragma('user_version = 99');
    db.close();
    expect(refusedOpen(dir)).toMatch(new RegExp(`^${storeOf(dir)} has schema version 99, but this RIC Studio only knows versions up to \\d+: it was written by a newer RIC Studio\\. Upgrade RIC Studio`));
  }, SLOW);

  it('a data folder that is a file', () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(refusedOpen(file)).toBe(`the data folder ${file} is a file, not a folder: choose another data folder with --data DIR or RIC_DATA`);
    expect(refusedOpen(path.join(file, 'sub'))).toContain(`the data folder ${path.join(file, 'sub')} cannot be used (ENOTDIR: a part of its path is a file)`);
  }, SLOW);

  it('ric serve and the npm start entry say the same and exit, with no stack', () => {
    const dir = copy();
    fs.writeFileSync(storeOf(dir), 'not a database at all, just text\n');
    const serve = refused(dir, ['serve', '--port', '0']);
    expect(serve).toContain(`${storeOf(dir)} is not a RIC Studio store`);
    const start = spawnSync(process.execPath, [path.join(projectRoot, 'dist/main/cli/start.js')], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, RIC_DATA: dir, RIC_PORT: '0', DISPLAY: '', WAYLAND_DISPLAY: '' },
      timeout: 30_000,
    });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain(`ric: ${storeOf(dir)} is not a RIC Studio store`);
    expect(hasStack(start.stderr + start.stdout)).toBe(false);
  }, SLOW);
});

describe.skipIf(!mountSupport().ok)(`a read-only data folder or store file (read-only mounts: root writes through permission bits)${needsMount()}`, () => {
  it('a read-only data folder: named, with what to do; writable again, it works', () => {
    const dir = copy();
    const undo = readOnly(dir);
    try {
      expect(refused(dir)).toBe(
        `ric: the data folder ${dir} is on a read-only file system: RIC Studio writes its store and images there. Make it writable, or choose another data folder with --data DIR or RIC_DATA; then start again\n`,
      );
      expect(refused(dir, ['serve', '--port', '0'])).toContain(`the data folder ${dir} is on a read-only file system`);
    } finally {
      undo();
    }
    works(dir);
  }, SLOW);

  it('a read-only store file in a writable folder: named (SQLite alone would open it and fail at the first write)', () => {
    const dir = copy();
    const undo = readOnly(storeOf(dir));
    try {
      expect(refusedOpen(dir)).toContain(`${storeOf(dir)} is on a read-only file system: RIC Studio must write its store. Make it writable`);
    } finally {
      undo();
    }
    works(dir);
  }, SLOW);

  it('a data folder that cannot be created: names the read-only parent', () => {
    const parent = path.join(root, `ro-parent-${n++}`);
    fs.mkdirSync(parent);
    const undo = readOnly(parent);
    try {
      expect(refusedOpen(path.join(parent, 'data'))).toBe(
        `the data folder ${path.join(parent, 'data')} cannot be created (${parent} is on a read-only file system): create it yourself, or choose another with --data DIR or RIC_DATA`,
      );
    } finally {
      undo();
    }
    openStore(path.join(parent, 'data')).close();
  }, SLOW);
});
