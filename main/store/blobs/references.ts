// Which blobs are still used. A blob is referenced by counting, not by a stored counter: a count
// kept in a column drifts the first time a writer forgets it, while these probes (each an index
// lookup, migration 5) are right by construction. Every column that names a blob is listed here.
//
// The chain matters: samples refer to `images` rows, and an `images` row refers to its blob and to
// its thumbnail's blob. So an unused `images` row goes first, then the blobs nothing refers to.
import type { Db } from '../database.js';

/** Every column that names a blob (its sha256); `test/main/store/dataset-lifecycle.test.ts` holds it to the schema's foreign keys. */
export const BLOB_REFERENCES: readonly { table: string; column: string }[] = [
  { table: 'images', column: 'sha256' },
  { table: 'images', column: 'thumb_sha256' },
  { table: 'masks', column: 'png_sha256' },
  { table: 'captions', column: 'image_sha256' },
  { table: 'run_samples', column: 'blob_sha256' },
  { table: 'evaluation_scores', column: 'output_sha256' },
];

/** Every column that names an `images` row: the samples' images and the result sets' edited images. */
export const IMAGE_REFERENCES: readonly { table: string; column: string }[] = [
  { table: 'samples', column: 'source_sha256' },
  { table: 'samples', column: 'target_sha256' },
  { table: 'result_images', column: 'image_sha256' },
];

/** SQL true when some row names `hash` in one of `refs` (each probe an index lookup). */
const inUse = (refs: readonly { table: string; column: string }[], hash: string) => `(${refs.map((r) => `EXISTS (SELECT 1 FROM ${r.table} WHERE ${r.column} = ${hash})`).join(' OR ')})`;

/** SQL true when the blob `@sha` is still referred to by any row. */
const BLOB_IN_USE = inUse(BLOB_REFERENCES, '@sha');
const IMAGE_IN_USE = inUse(IMAGE_REFERENCES, '@sha');

/**
 * Inside the caller's transaction: of the candidate hashes, drops the `images` rows no sample uses
 * and the `blobs` rows nothing refers to, and queues those blobs' files in `blob_trash` (removed
 * after the commit by BlobStore.emptyTrash). Returns the hashes whose files are to go.
 */
export function releaseBlobs(db: Db, candidates: Iterable<string>): string[] {
  const unique = new Set(candidates);
  const thumbOf = db.prepare<[string], { thumb: string | null }>('SELECT thumb_sha256 AS thumb FROM images WHERE sha256 = ?');
  const dropImage = db.prepare(`DELETE FROM images WHERE sha256 = @sha AND NOT ${IMAGE_IN_USE}`);
  for (const sha of [...unique]) {
    const thumb = thumbOf.get(sha)?.thumb ?? null;
    // A dropped image row no longer holds its thumbnail: that blob becomes a candidate too.
    if (dropImage.run({ sha }).changes > 0 && thumb !== null) unique.add(thumb);
  }
  const dropBlob = db.prepare(`DELETE FROM blobs WHERE sha256 = @sha AND NOT ${BLOB_IN_USE}`);
  const trash = db.prepare('INSERT OR IGNORE INTO blob_trash(sha256, queued_at) VALUES (?, ?)');
  const now = new Date().toISOString();
  const freed: string[] = [];
  for (const sha of unique) {
    if (dropBlob.run({ sha }).changes === 0) continue;
    trash.run(sha, now);
    freed.push(sha);
  }
  return freed;
}

/**
 * Blob rows (and unused image rows) nothing refers to that were written before `before`: what a
 * process killed between writing a blob's row and its referring row leaves behind. Writers today
 * record both in one transaction; the age bound keeps the sweep off any writer that does not.
 */
export function orphanBlobRows(db: Db, before: string, limit: number): string[] {
  const images = db
    .prepare<{ before: string; limit: number }, { sha256: string }>(
      `SELECT i.sha256 FROM images i JOIN blobs b ON b.sha256 = i.sha256
       WHERE b.created_at < @before AND NOT ${inUse(IMAGE_REFERENCES, 'i.sha256')}
       LIMIT @limit`,
    )
    .all({ before, limit })
    .map((r) => r.sha256);
  const blobs = db
    .prepare<{ before: string; limit: number }, { sha256: string }>(
      `SELECT b.sha256 FROM blobs b WHERE b.created_at < @before AND NOT ${inUse(BLOB_REFERENCES, 'b.sha256')} LIMIT @limit`,
    )
    .all({ before, limit })
    .map((r) => r.sha256);
  return [...new Set([...images, ...blobs])];
}
