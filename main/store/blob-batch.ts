// Many blobs at once with the same durability as BlobStore.put (temp name, fsync, rename, directory
// fsync), but with the fsyncs issued in parallel on the thread pool: on a journaling file system
// they share commits, which is what makes an import's thumbnails and masks affordable.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BlobRef, BlobStore } from './blob-store.js';
import { sniffMediaType } from './blob-store.js';
import type { Db } from './database.js';

const PARALLEL = 16;

/** The file BlobStore keeps a hash in (its layout: <dir>/<aa>/<sha256>). */
export function blobFile(blobs: BlobStore, sha256: string): string {
  return path.join(blobs.dir, sha256.slice(0, 2), sha256);
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/** Stores every byte array (deduplicated by content); returns their references in the same order. */
export async function putBlobs(blobs: BlobStore, db: Db, items: readonly Uint8Array[]): Promise<BlobRef[]> {
  const refs = items.map((bytes) => ({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength, mediaType: sniffMediaType(bytes) }));
  const pending = new Map<string, Uint8Array>();
  refs.forEach((r, i) => {
    if (!pending.has(r.sha256) && !fs.existsSync(blobFile(blobs, r.sha256))) pending.set(r.sha256, items[i] as Uint8Array);
  });
  const written: { tmp: string; final: string }[] = [];
  try {
    await inParallel([...pending], async ([sha256, bytes]) => {
      const tmp = path.join(blobs.dir, 'tmp', `${sha256}.${randomBytes(6).toString('hex')}`);
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      written.push({ tmp, final: blobFile(blobs, sha256) });
    });
    const dirs = new Set<string>();
    for (const w of written) {
      fs.mkdirSync(path.dirname(w.final), { recursive: true });
      fs.renameSync(w.tmp, w.final);
      dirs.add(path.dirname(w.final));
    }
    await inParallel([...dirs], async (dir) => {
      try {
        const handle = await fs.promises.open(dir, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch {
        // Directories cannot be opened for fsync on Windows; rename is still atomic there.
      }
    });
  } catch (err) {
    for (const w of written) fs.rmSync(w.tmp, { force: true });
    throw err;
  }
  const insert = db.prepare('INSERT OR IGNORE INTO blobs(sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)');
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const r of refs) insert.run(r.sha256, r.size, r.mediaType, now);
  })();
  return refs;
}
