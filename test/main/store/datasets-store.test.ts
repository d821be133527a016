import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ftsQuery, latestSchemaVersion, openStore, type NewSample, type Store } from '../../../main/store/index.js';
import { tempDir } from '../data/helpers.js';
import { sqlOf } from '../../helpers/sql.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

describe('migrations', () => {
  test('from empty to the latest version: every issue-3 table and index exists', () => {
    const store = openStore(tempDir('mig-empty-'));
    stores.push(store);
    expect(store.schemaVersion()).toBe(latestSchemaVersion);
    const names = sqlOf(store).prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index')").pluck().all();
    for (const n of ['datasets', 'samples', 'images', 'masks', 'captions', 'sample_errors', 'sample_fts', 'samples_split', 'samples_instruction']) {
      expect(names).toContain(n);
    }
    expect(sqlOf(store).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  test('from version 1 with data to the latest, keeping the rows', () => {
    const dir = tempDir('mig-v1-');
    const v1 = openStore(dir, { targetVersion: 1 });
    expect(v1.schemaVersion()).toBe(1);
    sqlOf(v1).prepare("INSERT INTO settings(key, value, updated_at) VALUES ('k', '\"v\"', 'now')").run();
    sqlOf(v1).prepare("INSERT INTO jobs(kind, state, title, created_at) VALUES ('import', 'completed', 'old job', 'now')").run();
    v1.close();
    const latest = openStore(dir);
    stores.push(latest);
    expect(latest.schemaVersion()).toBe(latestSchemaVersion);
    expect(sqlOf(latest).prepare("SELECT value FROM settings WHERE key = 'k'").pluck().get()).toBe('"v"');
    expect(latest.jobs.list()).toEqual([expect.objectContaining({ title: 'old job', state: 'completed' })]);
    // Columns added by 002 exist on the old row.
    expect(sqlOf(latest).prepare('SELECT result FROM jobs').pluck().get()).toBeNull();
    // And the new tables work.
    const id = latest.datasets.create({ name: 'after-upgrade', format: 'folder', sourcePath: null, options: {} });
    expect(latest.datasets.summary(id)).toMatchObject({ name: 'after-upgrade', sampleCount: 0 });
  });

  test('from version 2 to the latest', () => {
    const dir = tempDir('mig-v2-');
    const v2 = openStore(dir, { targetVersion: 2 });
    sqlOf(v2).prepare("INSERT INTO datasets(name, format, created_at, updated_at) VALUES ('d', 'shapes', 'now', 'now')").run();
    v2.close();
    const latest = openStore(dir);
    stores.push(latest);
    expect(latest.datasets.list().map((d) => d.name)).toEqual(['d']);
    expect(sqlOf(latest).prepare("SELECT count(*) FROM sqlite_master WHERE name = 'samples_split'").pluck().get()).toBe(1);
  });
});

describe('FTS5 query sanitising', () => {
  test('quotes every term, prefix-matches the last, drops syntax', () => {
    expect(ftsQuery('blue circ')).toBe('"blue" "circ"*');
    expect(ftsQuery('  "AND" OR NEAR(x, y) ')).toBe('"AND" "OR" "NEAR" "x" "y"*');
    expect(ftsQuery('instruction:red*')).toBe('"instruction" "red"*');
    expect(ftsQuery('!!! ---')).toBeNull();
    expect(ftsQuery('café')).toBe('"café"*');
  });
});

function sample(i: number, over: Partial<NewSample> = {}): NewSample {
  const sha = (n: number) => n.toString(16).padStart(64, '0');
  return {
    externalId: `x${i}`,
    sessionId: null,
    turnIndex: null,
    split: i % 2 === 0 ? 'train' : 'val',
    editType: i % 3 === 0 ? 'add' : 'remove',
    instruction: `instruction number ${i}`,
    regionDescription: i === 4 ? 'a shiny kettle' : null,
    sceneDescription: null,
    inputCaption: null,
    outputCaption: null,
    source: { sha256: sha(1), width: 8, height: 8, channels: 3, format: 'png', thumbSha256: null },
    target: null,
    mask: i % 2 === 0 ? { pngSha256: sha(2), width: 8, height: 8, area: 4, box: { x: 0, y: 0, width: 2, height: 2 }, source: 'dataset', author: 't' } : null,
    meta: {},
    ...over,
  };
}

describe('samples repository', () => {
  test('filters by mask, caption status (current version only) and search over descriptions and captions', () => {
    const store = openStore(path.join(tempDir('repo-'), 'd'));
    stores.push(store);
    for (const n of [1, 2]) sqlOf(store).prepare("INSERT INTO blobs(sha256, size, media_type, created_at) VALUES (?, 1, 'image/png', 'now')").run(n.toString(16).padStart(64, '0'));
    const ds = store.datasets.create({ name: 'r', format: 'folder', sourcePath: null, options: {} });
    store.samples.insertMany(ds, Array.from({ length: 10 }, (_, i) => sample(i)));
    // Duplicates are left alone.
    expect(store.samples.insertMany(ds, [sample(3)])).toBe(0);
    const q = (filter: object, extra: object = {}) =>
      store.samples.query({ datasetId: ds, filter, sort: 'id', order: 'asc', offset: 0, limit: 100, ...extra });
    expect(q({}).total).toBe(10);
    expect(q({ hasMask: true }).items.map((i) => i.externalId)).toEqual(['x0', 'x2', 'x4', 'x6', 'x8']);
    expect(q({ hasMask: false }).total).toBe(5);
    expect(q({ editType: 'add', split: 'train' }).items.map((i) => i.externalId)).toEqual(['x0', 'x6']);
    expect(q({ search: 'kettle' }).items.map((i) => i.externalId)).toEqual(['x4']);

    const id7 = q({}).items[7]!.id;
    const addCaption = (version: number, status: 'approved' | 'rejected', text: string) =>
      expect(store.captions.insert({ sampleId: id7, kind: 'region', text, source: 'vlm', status }).version).toBe(version);
    addCaption(1, 'rejected', 'a wobbly teapot');
    expect(q({ captionStatus: 'rejected' }).items.map((i) => i.id)).toEqual([id7]);
    addCaption(2, 'approved', 'a porcelain teapot');
    expect(q({ captionStatus: 'rejected' }).total).toBe(0);
    expect(q({ captionStatus: 'approved' }).items.map((i) => i.id)).toEqual([id7]);
    expect(q({ search: 'porcelain' }).items.map((i) => i.id)).toEqual([id7]);
    expect(store.samples.get(id7)!.captions.map((c) => [c.version, c.status])).toEqual([
      [2, 'approved'],
      [1, 'rejected'],
    ]);
    expect(store.datasets.detail(ds)!.captionCounts.region).toEqual({ pending: 0, approved: 1, rejected: 0 });

    expect(q({}, { sort: 'id', order: 'desc', limit: 2 }).items.map((i) => i.externalId)).toEqual(['x9', 'x8']);
    expect(q({}, { sort: 'editType', limit: 3 }).items.map((i) => i.editType)).toEqual(['add', 'add', 'add']);
    expect(q({ search: 'number' }, { sort: 'relevance' }).total).toBe(10);
  });
});

describe('counts', () => {
  test('fast paths (contiguous datasets) and the general path agree with brute force, and the cache follows writes', () => {
    const store = openStore(path.join(tempDir('counts-'), 'd'));
    stores.push(store);
    for (const n of [1, 2]) sqlOf(store).prepare("INSERT INTO blobs(sha256, size, media_type, created_at) VALUES (?, 1, 'image/png', 'now')").run(n.toString(16).padStart(64, '0'));
    const a = store.datasets.create({ name: 'a', format: 'folder', sourcePath: null, options: {} });
    const b = store.datasets.create({ name: 'b', format: 'folder', sourcePath: null, options: {} });
    const c = store.datasets.create({ name: 'c', format: 'folder', sourcePath: null, options: {} });
    // a and b interleave (two imports at once); c is contiguous.
    store.transaction(() => {
      for (let i = 0; i < 40; i++) store.samples.insertMany(i % 2 === 0 ? a : b, [sample(i)]);
      store.samples.insertMany(c, Array.from({ length: 30 }, (_, i) => sample(i)));
    });
    const brute = (ds: number, where: string) =>
      sqlOf(store).prepare(`SELECT count(*) FROM samples s WHERE s.dataset_id = ? AND ${where}`).pluck().get(ds) as number;
    const total = (ds: number, filter: object) => store.samples.query({ datasetId: ds, filter, sort: 'id', order: 'asc', offset: 0, limit: 5 }).total;
    for (const ds of [a, b, c]) {
      expect(total(ds, { search: 'number' })).toBe(brute(ds, '1'));
      expect(total(ds, { search: 'kettle' })).toBe(brute(ds, "region_description = 'a shiny kettle'"));
      expect(total(ds, { hasMask: true })).toBe(brute(ds, 'EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id)'));
      expect(total(ds, { hasMask: false })).toBe(brute(ds, 'NOT EXISTS (SELECT 1 FROM masks m WHERE m.sample_id = s.id)'));
      expect(total(ds, { search: 'number', split: 'val' })).toBe(brute(ds, "split = 'val'"));
    }
    expect(total(c, { hasMask: true })).toBe(15);
    const empty = store.datasets.create({ name: 'empty', format: 'folder', sourcePath: null, options: {} });
    expect(total(empty, { search: 'number' })).toBe(0);

    // Cached counts follow writes: a flag, then a new sample.
    expect(total(c, { flagged: true })).toBe(0);
    const first = store.samples.query({ datasetId: c, filter: {}, sort: 'id', order: 'asc', offset: 0, limit: 1 }).items[0]!;
    store.samples.setFlag(first.id, true);
    expect(total(c, { flagged: true })).toBe(1);
    expect(total(c, { search: 'kettle' })).toBe(1);
    store.samples.insertMany(c, [sample(100, { externalId: 'new', regionDescription: 'another kettle' })]);
    expect(total(c, { search: 'kettle' })).toBe(2);
    // A write by another connection is seen too (PRAGMA data_version).
    const other = openStore(store.dataDir);
    other.samples.setFlag(first.id, false);
    other.close();
    expect(total(c, { flagged: true })).toBe(0);
  });

  test('search windows driven by FTS5 keep id order both ways and page correctly', () => {
    const store = openStore(path.join(tempDir('fts-order-'), 'd'));
    stores.push(store);
    for (const n of [1, 2]) sqlOf(store).prepare("INSERT INTO blobs(sha256, size, media_type, created_at) VALUES (?, 1, 'image/png', 'now')").run(n.toString(16).padStart(64, '0'));
    const ds = store.datasets.create({ name: 'o', format: 'folder', sourcePath: null, options: {} });
    store.samples.insertMany(ds, Array.from({ length: 25 }, (_, i) => sample(i)));
    const ids = (order: 'asc' | 'desc', offset: number) =>
      store.samples.query({ datasetId: ds, filter: { search: 'instr', split: 'train' }, sort: 'id', order, offset, limit: 5 }).items.map((i) => i.externalId);
    expect(ids('asc', 0)).toEqual(['x0', 'x2', 'x4', 'x6', 'x8']);
    expect(ids('asc', 5)).toEqual(['x10', 'x12', 'x14', 'x16', 'x18']);
    expect(ids('desc', 0)).toEqual(['x24', 'x22', 'x20', 'x18', 'x16']);
    // Relevance (search alone): the window is bm25 order, paged.
    store.samples.insertMany(ds, [sample(50, { externalId: 'best', instruction: 'kettle kettle kettle' })]);
    const expected = sqlOf(store).prepare("SELECT rowid FROM sample_fts WHERE sample_fts MATCH '\"kettle\"*' ORDER BY rank, rowid").pluck().all();
    const ranked = (offset: number, limit: number) =>
      store.samples.query({ datasetId: ds, filter: { search: 'kettle' }, sort: 'relevance', order: 'asc', offset, limit }).items.map((i) => i.id);
    expect(expected).toHaveLength(2);
    expect(ranked(0, 10)).toEqual(expected);
    expect(ranked(1, 1)).toEqual(expected.slice(1));
    // The ranked list is cached; a new, better match invalidates it.
    store.samples.insertMany(ds, [sample(51, { externalId: 'better', instruction: 'kettle kettle kettle kettle kettle' })]);
    const better = sqlOf(store).prepare("SELECT id FROM samples WHERE external_id = 'better'").pluck().get();
    expect(ranked(0, 10)[0]).toBe(better);
    expect(ranked(0, 10)).toHaveLength(3);
  });
});
