// Deleting a dataset (issue 17) on a real store: rows go in one transaction, blobs are collected by
// reference (a blob another dataset or a run's stored sample uses stays), files go only after the
// commit, and a process killed in between is finished by the sweep at the next start. Also the
// orphan sweep, the per-stage error counts and rename.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startImport } from '../../../main/data/import-runner.js';
import { BLOB_REFERENCES, IMAGE_REFERENCES } from '../../../main/store/blobs/references.js';
import { openStore, type Store } from '../../../main/store/index.js';
import { sqlOf } from '../../helpers/sql.js';
import { tempDir } from '../data/helpers.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function open(dir = tempDir('ric-lifecycle-')): Store {
  const s = openStore(dir);
  stores.push(s);
  return s;
}

async function shapes(store: Store, name: string, seed: number, count = 6): Promise<number> {
  const report = await startImport(store, null, { format: 'shapes', name, count, seed, size: 32 }).done;
  expect(report.state).toBe('completed');
  return report.datasetId;
}

/** Every blob hash a dataset's rows name: images, thumbnails, masks. */
function blobsOf(store: Store, datasetId: number): Set<string> {
  const db = sqlOf(store);
  const rows = db
    .prepare(
      `SELECT s.source_sha256 AS a, s.target_sha256 AS b, si.thumb_sha256 AS c, ti.thumb_sha256 AS d, m.png_sha256 AS e
       FROM samples s JOIN images si ON si.sha256 = s.source_sha256 LEFT JOIN images ti ON ti.sha256 = s.target_sha256
       LEFT JOIN masks m ON m.sample_id = s.id WHERE s.dataset_id = ?`,
    )
    .all(datasetId) as Record<string, string | null>[];
  return new Set(rows.flatMap((r) => Object.values(r).filter((v): v is string => v !== null)));
}

const blobRows = (store: Store) => sqlOf(store).prepare('SELECT count(*) FROM blobs').pluck().get() as number;

describe('deleting a dataset', () => {
  test('removes its rows and the blobs nothing else uses; shared blobs and run samples keep theirs', async () => {
    const store = open();
    const a = await shapes(store, 'a', 1);
    const twin = await shapes(store, 'twin-of-a', 1); // the same seed: the same images, shared blobs
    const other = await shapes(store, 'other', 2);
    const aBlobs = blobsOf(store, a);
    const otherBlobs = blobsOf(store, other);
    expect([...otherBlobs].some((b) => aBlobs.has(b))).toBe(false);

    // A finished run on "other" that stored one of its images as a sample output.
    const runId = store.runs.create({ jobId: null, kind: 'regionclip', name: 'r', datasetId: other, config: {}, seed: 0, codeVersion: 't' });
    const kept = store.samples.records(other)[0]!.targetSha256!;
    store.runs.replaceSamples(runId, 10, [{ kind: 'retrieval', payload: {}, blobSha256: kept }]);
    store.datasets.addErrors(other, null, 'import', [{ sampleRef: 'x', field: null, reason: 'bad' }]);

    // Deleting "a" frees nothing: its twin uses every one of its blobs.
    const first = store.datasets.delete(a)!;
    expect(first).toMatchObject({ name: 'a', samples: 6, freedBlobs: [] });
    for (const b of aBlobs) expect(store.blobs.hasFile(b)).toBe(true);
    expect(store.samples.count(twin)).toBe(6);

    // Deleting "other": its blobs go, except the one the run's sample output still names.
    const before = blobRows(store);
    const second = store.datasets.delete(other)!;
    expect(second.freedBlobs.length).toBe(otherBlobs.size - 1);
    expect(second.freedBlobs).not.toContain(kept);
    expect(blobRows(store)).toBe(before - second.freedBlobs.length);
    // Rows are committed, files still there until the trash is emptied.
    for (const b of second.freedBlobs) expect(store.blobs.hasFile(b)).toBe(true);
    expect(store.blobs.emptyTrash()).toBe(second.freedBlobs.length);
    for (const b of second.freedBlobs) expect(store.blobs.hasFile(b)).toBe(false);
    expect(store.blobs.read(kept)).toBeDefined();

    // Cascades: samples, masks, captions of it and its errors are gone; the run keeps the name.
    const db = sqlOf(store);
    expect(db.prepare('SELECT count(*) FROM samples WHERE dataset_id = ?').pluck().get(other)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM sample_errors WHERE dataset_id = ?').pluck().get(other)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.source_sha256 = i.sha256 OR s.target_sha256 = i.sha256)').pluck().get()).toBe(0);
    expect(store.runs.get(runId)).toMatchObject({ datasetId: null, datasetName: 'other (deleted)' });
    expect(store.integrityCheck()).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  test('a process killed after the commit, before the files went: the next start removes them', async () => {
    const dir = tempDir('ric-lifecycle-crash-');
    const store = openStore(dir);
    const id = await shapes(store, 'doomed', 3);
    const freed = store.datasets.delete(id)!.freedBlobs;
    expect(freed.length).toBeGreaterThan(0);
    store.close(); // "killed": the trash was never emptied
    const reopened = open(dir);
    for (const b of freed) expect(reopened.blobs.hasFile(b)).toBe(true);
    const report = await reopened.sweepBlobs();
    expect(report.trashRemoved).toBe(freed.length);
    for (const b of freed) expect(reopened.blobs.hasFile(b)).toBe(false);
    expect(sqlOf(reopened).prepare('SELECT count(*) FROM blob_trash').pluck().get()).toBe(0);
  });

  test('a blob written again after its deletion was queued keeps its file', async () => {
    const store = open();
    const id = await shapes(store, 'gone', 4, 2);
    const freed = store.datasets.delete(id)!.freedBlobs;
    const sha = freed[0]!;
    const bytes = fs.readFileSync(path.join(store.blobs.dir, sha.slice(0, 2), sha));
    // Another writer records the same content before the trash is emptied: its row wins.
    store.transaction(() => store.blobs.put(bytes));
    store.blobs.emptyTrash();
    expect(store.blobs.read(sha)?.equals(bytes)).toBe(true);
    // And the other way round: a writer's writeFiles found the file and skipped it, then the file
    // was removed, then the writer records its row — record() writes the file again.
    const late = new Uint8Array([42, 42, 42]);
    const [ref] = await store.blobs.writeFiles([late]);
    expect(store.blobs.removeIfUnrecorded(ref!.sha256)).toBe(true);
    expect(store.blobs.hasFile(ref!.sha256)).toBe(false);
    store.transaction(() => store.blobs.record([ref!], [late]));
    expect(store.blobs.read(ref!.sha256)).toEqual(Buffer.from(late));
  });
});

describe('the orphan sweep', () => {
  test('collects old unused rows, files without rows and temporary files; leaves young ones alone', async () => {
    const store = open();
    const id = await shapes(store, 'keep', 5, 2);
    const used = blobsOf(store, id);
    const old = (file: string) => fs.utimesSync(file, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));

    const [orphanRow] = await store.blobs.putMany([new Uint8Array([1, 2, 3])]);
    sqlOf(store).prepare("UPDATE blobs SET created_at = '2000-01-01T00:00:00.000Z' WHERE sha256 = ?").run(orphanRow!.sha256);
    const [youngRow] = await store.blobs.putMany([new Uint8Array([4, 5, 6])]);
    const [orphanFile] = await store.blobs.writeFiles([new Uint8Array([7, 8, 9])]);
    old(path.join(store.blobs.dir, orphanFile!.sha256.slice(0, 2), orphanFile!.sha256));
    const [youngFile] = await store.blobs.writeFiles([new Uint8Array([10, 11])]);
    const tmpOld = path.join(store.blobs.dir, 'tmp', 'left-over.1');
    fs.writeFileSync(tmpOld, 'x');
    old(tmpOld);
    // Nothing used may look old to the sweep either.
    for (const b of used) old(path.join(store.blobs.dir, b.slice(0, 2), b));

    const report = await store.sweepBlobs();
    expect(report).toMatchObject({ orphanRows: 1, orphanFiles: 1, tmpFiles: 1 });
    expect(store.blobs.hasFile(orphanRow!.sha256)).toBe(false);
    expect(store.blobs.hasFile(orphanFile!.sha256)).toBe(false);
    expect(fs.existsSync(tmpOld)).toBe(false);
    expect(store.blobs.get(youngRow!.sha256)).toBeDefined();
    expect(store.blobs.hasFile(youngFile!.sha256)).toBe(true);
    for (const b of used) expect(store.blobs.read(b)).toBeDefined();
  });
  test('every foreign key to a blob or an image row is a reference the collection counts', () => {
    const db = sqlOf(open());
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    const to = (target: string) =>
      tables
        .flatMap((table) => (db.prepare(`PRAGMA foreign_key_list(${JSON.stringify(table)})`).all() as { table: string; from: string }[]).filter((k) => k.table === target).map((k) => `${table}.${k.from}`))
        .sort();
    const listed = (refs: readonly { table: string; column: string }[]) => refs.map((r) => `${r.table}.${r.column}`).sort();
    // captions.image_sha256 (the crop a VLM saw) names a blob without a foreign key; it is counted too.
    expect(listed(BLOB_REFERENCES)).toEqual([...to('blobs'), 'captions.image_sha256'].sort());
    expect(listed(IMAGE_REFERENCES)).toEqual(to('images'));
  });

  test("an edited image only a result set holds is in use: the sweep keeps it and finishes; deleted with its set, it goes", async () => {
    const store = open();
    const datasetId = await shapes(store, 'd', 3, 2);
    const [sample] = store.samples.records(datasetId);
    const blob = store.blobs.put(Buffer.from('an edited png'), 'image/png');
    const setId = store.results.create({ datasetId, name: 'edits', method: 'm', origin: 'edit', jobId: null, provenance: {}, expected: 1 });
    store.results.putImage(setId, { sampleId: sample!.id, status: 'done', image: { sha256: blob.sha256, width: 32, height: 32, channels: 3, format: 'png', thumbSha256: null }, size: blob.size, seconds: 1, seed: 0, jobId: null });
    const [orphan] = await store.blobs.putMany([new Uint8Array([1, 2, 3])]);
    // Everything written two hours ago, as a store reopened the next day is.
    const db = sqlOf(store);
    db.prepare("UPDATE blobs SET created_at = '2000-01-01T00:00:00.000Z'").run();
    const aged = new Date(Date.now() - 7_200_000);
    for (const p of fs.readdirSync(store.blobs.dir).filter((d) => /^[0-9a-f]{2}$/.test(d))) for (const n of fs.readdirSync(path.join(store.blobs.dir, p))) fs.utimesSync(path.join(store.blobs.dir, p, n), aged, aged);

    // It stopped here with "FOREIGN KEY constraint failed": the result set's images row looked unused.
    expect(await store.sweepBlobs()).toMatchObject({ orphanRows: 1, orphanFiles: 0 });
    expect(store.blobs.hasFile(orphan!.sha256)).toBe(false);
    expect(store.blobs.read(blob.sha256)).toEqual(Buffer.from('an edited png'));

    store.results.delete(setId);
    expect(await store.sweepBlobs()).toMatchObject({ orphanRows: 1 });
    expect(store.blobs.hasFile(blob.sha256)).toBe(false);
    expect(db.prepare('SELECT count(*) FROM images WHERE sha256 = ?').pluck().get(blob.sha256)).toBe(0);
  });
});

describe('datasets repository', () => {
  test('import and caption errors are counted and listed apart; rename refuses a taken name', async () => {
    const store = open();
    const a = await shapes(store, 'a', 6, 2);
    await shapes(store, 'b', 7, 2);
    store.datasets.addErrors(a, null, 'import', [{ sampleRef: 'r1', field: 'source', reason: 'broken' }]);
    store.datasets.addErrors(a, null, 'caption', [
      { sampleRef: 'r2', field: 'caption.scene', reason: 'HTTP 500' },
      { sampleRef: 'r3', field: 'caption.scene', reason: 'HTTP 500' },
    ]);
    expect(store.datasets.summary(a)).toMatchObject({ errorCount: 1, captionErrorCount: 2 });
    expect(store.datasets.errors(a, 10, 'caption').map((e) => e.sampleRef)).toEqual(['r2', 'r3']);
    expect(store.datasets.errors(a, 10, 'import').map((e) => e.sampleRef)).toEqual(['r1']);
    expect(store.datasets.errors(a, 10)).toHaveLength(3);
    // Caption counts per sample: one sample with a pending scene and a pending region caption is
    // one pending sample (the browser's filter counts samples), two pending captions.
    const [first] = store.samples.records(a);
    store.captions.insert({ sampleId: first!.id, kind: 'scene', text: 'x', source: 'vlm' });
    store.captions.insert({ sampleId: first!.id, kind: 'region', text: 'y', source: 'vlm' });
    const detail = store.datasets.detail(a)!;
    expect(detail.captionCounts.scene.pending! + detail.captionCounts.region.pending!).toBe(2);
    expect(detail.captionSampleCounts.pending).toBe(1);
    expect(store.datasets.rename(a, 'b')).toBe(false);
    expect(store.datasets.rename(a, 'renamed')).toBe(true);
    expect(store.datasets.name(a)).toBe('renamed');
  });
});
