import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion, openStore, StoreVersionError } from '../../../main/store/index.js';
import { tempDir } from '../../helpers/app.js';
import { sqlOf } from '../../helpers/sql.js';

const dirs: string[] = [];
const fresh = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('store basics', () => {
  it('opens in WAL with foreign keys at the latest schema version', () => {
    const s = openStore(fresh());
    expect(sqlOf(s).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.schemaVersion()).toBe(latestSchemaVersion);
    expect(s.integrityCheck()).toBe('ok');
    // Foreign keys are enforced on the store's own connection: a sample of no dataset is refused.
    const image = { sha256: 'a'.repeat(64), width: 1, height: 1, channels: 3, format: 'png', thumbSha256: null };
    const orphan = { externalId: 'x', sessionId: null, turnIndex: null, split: 'train' as const, editType: null, instruction: 'i', regionDescription: null, sceneDescription: null, inputCaption: null, outputCaption: null, source: image, target: null, mask: null, meta: {} };
    expect(() => s.samples.insertMany(9999, [orphan])).toThrow(/FOREIGN KEY/);
    s.close();
  });

  it('refuses a file written by a newer RIC Studio, naming the file, and leaves it untouched', () => {
    const dir = fresh();
    openStore(dir).close();
    const file = path.join(dir, 'ric.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestSchemaVersion + 5}`);
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openStore(dir)).toThrow(StoreVersionError);
    expect(() => openStore(dir)).toThrow(/ric\.sqlite has schema version \d+, but this RIC Studio only knows versions up to/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('stores settings as JSON and deletes on undefined', () => {
    const s = openStore(fresh());
    s.settings.putMany({ 'a.b': { x: [1, 2] }, c: 'text' });
    expect(s.settings.get('a.b')).toEqual({ x: [1, 2] });
    s.settings.putMany({ c: undefined });
    expect(s.settings.get('c')).toBeUndefined();
    s.close();
  });

  it('writes blobs by content hash, deduplicated, via a temporary file', () => {
    const s = openStore(fresh());
    const bytes = Buffer.from('RIFF\0\0\0\0WEBPVP8 ');
    const a = s.blobs.put(bytes);
    const b = s.blobs.put(Buffer.from(bytes));
    expect(a).toEqual(b);
    expect(a.mediaType).toBe('image/webp');
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const stored = s.blobs.get(a.sha256);
    expect(stored && fs.readFileSync(stored.file).equals(bytes)).toBe(true);
    expect(stored?.file).toBe(path.join(s.dataDir, 'blobs', a.sha256.slice(0, 2), a.sha256));
    expect(fs.readdirSync(path.join(s.dataDir, 'blobs', 'tmp'))).toEqual([]);
    expect((sqlOf(s).prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(1);
    expect(s.blobs.get('../ric.sqlite')).toBeUndefined();
    expect(s.blobs.get('f'.repeat(64))).toBeUndefined();
    s.close();
  });
});
