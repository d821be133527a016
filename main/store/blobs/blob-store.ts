// Content-addressed files: <dir>/<aa>/<sha256>, written to a temporary name, fsynced, renamed.
// The database row is written after the file is durable, so a row never points at nothing. A write
// that fails removes its temporary file; those of killed processes are swept when the store opens.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../database.js';
import { blobFile, sniffMediaType, writeBlobFiles, type BlobRef } from './blob-batch.js';
import { removeTemp, sweepTempFiles, tempFile, withPath, type SweepResult } from './temp-files.js';

export type { BlobRef } from './blob-batch.js';

const SHA256_RE = /^[0-9a-f]{64}$/;

export function isSha256(s: string): boolean {
  return SHA256_RE.test(s);
}

/**
 * A stored blob whose file cannot be read (a folder in its place, permissions, an I/O error): that
 * sample's problem, not a fault of the store (it carries no errno code, so storeFaultOf passes it by).
 */
export class BlobReadError extends Error {
  override name = 'BlobReadError';
}

export class BlobStore {
  private readonly insert;
  private readonly lookup;
  /** What the sweep at open removed (temporary files of killed writers). */
  readonly swept: SweepResult;
  constructor(
    readonly dir: string,
    private readonly db: Db,
  ) {
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    this.swept = sweepTempFiles(dir);
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO blobs(sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)',
    );
    this.lookup = db.prepare<[string], { sha256: string; size: number; media_type: string }>(
      'SELECT sha256, size, media_type FROM blobs WHERE sha256 = ?',
    );
  }

  /** Stores bytes (deduplicated by content) and returns their reference. */
  put(bytes: Uint8Array, mediaType = sniffMediaType(bytes)): BlobRef {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const final = this.fileOf(sha256);
    if (!fs.existsSync(final)) {
      fs.mkdirSync(path.dirname(final), { recursive: true });
      const tmp = tempFile(this.dir, sha256);
      try {
        const fd = fs.openSync(tmp, 'w');
        try {
          // write(2) may write less than asked when the disk fills (and no error until the next
          // call): a single writeSync would rename a truncated file under the full content's hash.
          for (let at = 0; at < bytes.byteLength; ) at += fs.writeSync(fd, bytes, at);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, final);
      } catch (err) {
        removeTemp(tmp);
        throw withPath(err, tmp);
      }
      syncDir(path.dirname(final));
    }
    this.insert.run(sha256, bytes.byteLength, mediaType, new Date().toISOString());
    return { sha256, size: bytes.byteLength, mediaType };
  }

  /**
   * Many blobs with the same durability as `put`, the fsyncs issued in parallel (blob-batch.ts);
   * their rows land in one transaction once every file is durable. References in input order.
   */
  async putMany(items: readonly Uint8Array[]): Promise<BlobRef[]> {
    const refs = await writeBlobFiles(this.dir, items);
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of refs) this.insert.run(r.sha256, r.size, r.mediaType, now);
    })();
    return refs;
  }

  /** The stored blob for a hash, or undefined when the string is not a known hash. */
  get(sha256: string): (BlobRef & { file: string }) | undefined {
    if (!isSha256(sha256)) return undefined;
    const row = this.lookup.get(sha256);
    if (row === undefined) return undefined;
    const file = this.fileOf(row.sha256);
    if (!fs.existsSync(file)) return undefined;
    return { sha256: row.sha256, size: row.size, mediaType: row.media_type, file };
  }

  /** Whether the hash has a row (its file may still be missing: see `get`). */
  known(sha256: string): boolean {
    return isSha256(sha256) && this.lookup.get(sha256) !== undefined;
  }

  /** The bytes of a stored blob; undefined when missing; a BlobReadError naming the file when unreadable. */
  read(sha256: string): Buffer | undefined {
    const blob = this.get(sha256);
    if (blob === undefined) return undefined;
    try {
      return fs.readFileSync(blob.file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      const why = code === 'EISDIR' ? 'EISDIR, a folder is in its place' : code === 'EACCES' || code === 'EPERM' ? `${code}, permission denied` : (code ?? (err as Error).message);
      throw new BlobReadError(`stored image ${sha256.slice(0, 12)} (${blob.file}) cannot be read (${why}): restore the file from a backup of the data folder`);
    }
  }

  private fileOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256 hash: ${JSON.stringify(sha256)}`);
    return blobFile(this.dir, sha256);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Directories cannot be opened for fsync on Windows; rename is still atomic there.
  }
}
