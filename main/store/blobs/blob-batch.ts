// Many blobs at once with the same durability as BlobStore.put (temp name, fsync, rename, directory
// fsync), but with the fsyncs issued in parallel on the thread pool: on a journaling file system
// they share commits, which is what makes an import's thumbnails and masks affordable. A failure
// (a full disk) leaves no temporary file behind and nothing still writing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeTemp, tempFile, withPath } from './temp-files.js';

const PARALLEL = 16;

export interface BlobRef {
  sha256: string;
  size: number;
  mediaType: string;
}

export function sniffMediaType(bytes: Uint8Array): string {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'image/webp';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  return 'application/octet-stream';
}

/** The file a hash is kept in: <dir>/<aa>/<sha256>. */
export function blobFile(dir: string, sha256: string): string {
  return path.join(dir, sha256.slice(0, 2), sha256);
}

/**
 * Runs `fn` over the items, PARALLEL at a time. After the first failure no new item starts; the
 * ones in flight finish (each cleans up after itself), then that first error is thrown — so when
 * this returns or throws, nothing is still writing.
 */
async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    for (let i = next++; i < items.length && !failed; i = next++) {
      try {
        await fn(items[i] as T);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  if (failed) throw failure;
}

/**
 * Writes every byte array's file (deduplicated by content) durably; returns their references in the
 * same order. The caller records the rows once this resolves (BlobStore.putMany).
 */
export async function writeBlobFiles(dir: string, items: readonly Uint8Array[]): Promise<BlobRef[]> {
  const refs = items.map((bytes) => ({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength, mediaType: sniffMediaType(bytes) }));
  const pending = new Map<string, Uint8Array>();
  refs.forEach((r, i) => {
    if (!pending.has(r.sha256) && !fs.existsSync(blobFile(dir, r.sha256))) pending.set(r.sha256, items[i] as Uint8Array);
  });
  const written: { tmp: string; final: string }[] = [];
  // Every temporary file made and not yet renamed: all removed if anything fails (a full disk).
  const temps = new Set<string>();
  try {
    await inParallel([...pending], async ([sha256, bytes]) => {
      const tmp = tempFile(dir, sha256);
      temps.add(tmp);
      try {
        const handle = await fs.promises.open(tmp, 'w');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (err) {
        throw withPath(err, tmp);
      }
      written.push({ tmp, final: blobFile(dir, sha256) });
    });
    const dirs = new Set<string>();
    for (const w of written) {
      fs.mkdirSync(path.dirname(w.final), { recursive: true });
      fs.renameSync(w.tmp, w.final);
      temps.delete(w.tmp);
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
    // Files already renamed are whole (named by their content) and a re-run finds them.
    for (const tmp of temps) removeTemp(tmp);
    throw err;
  }
  return refs;
}
