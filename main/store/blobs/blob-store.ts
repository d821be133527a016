// Content-addressed files: <dir>/<aa>/<sha256>, written to a temporary name, fsynced, renamed.
// The rules that keep rows and files consistent, even with another process on the same folder:
// - a file is made durable before its row is written, so a row never points at nothing;
// - a writer records a blob's row in the same transaction as the row that refers to it (record(),
//   or put() inside the caller's Store.transaction), so no committed blob row is unused for long;
// - a file is removed only inside a write transaction that first checks its row is gone (here, in
//   emptyTrash and the sweep), and a writer checks its file is still there inside its own write
//   transaction: SQLite serialises the two, so a removal never takes a file a new row needs.
// A write that fails removes its temporary file; those of killed processes are swept when the store opens.
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

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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

  /**
   * Stores bytes (deduplicated by content) and returns their reference. Call it inside the
   * Store.transaction that also writes the row referring to the blob.
   */
  put(bytes: Uint8Array, mediaType = sniffMediaType(bytes)): BlobRef {
    const ref = { sha256: sha256Of(bytes), size: bytes.byteLength, mediaType };
    this.writeFile(ref.sha256, bytes);
    this.record([ref], [bytes]);
    return ref;
  }

  /**
   * Makes the files durable (fsyncs in parallel, blob-batch.ts) without writing any row; the caller
   * then records them with `record` in the transaction of the rows that refer to them.
   */
  writeFiles(items: readonly Uint8Array[]): Promise<BlobRef[]> {
    return writeBlobFiles(this.dir, items);
  }

  /**
   * The rows of blobs whose files were written (writeFiles), in the caller's transaction. A file a
   * concurrent removal took meanwhile is written again from `bytes` (same order as `refs`).
   */
  record(refs: readonly BlobRef[], bytes: readonly Uint8Array[]): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      refs.forEach((r, i) => {
        this.insert.run(r.sha256, r.size, r.mediaType, now);
        if (!fs.existsSync(this.fileOf(r.sha256))) this.writeFile(r.sha256, bytes[i] as Uint8Array);
      });
    })();
  }

  /** writeFiles + record in a transaction of their own (rows nothing refers to yet: tests, tools). */
  async putMany(items: readonly Uint8Array[]): Promise<BlobRef[]> {
    const refs = await this.writeFiles(items);
    this.record(refs, items);
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

  /** Whether a blob's file is on disk (tests and the sweep). */
  hasFile(sha256: string): boolean {
    return isSha256(sha256) && fs.existsSync(this.fileOf(sha256));
  }

  /**
   * Removes the files queued in blob_trash (by a dataset deletion's transaction) whose rows are still
   * gone. Run after that transaction commits, and at every start for a process killed in between.
   * Returns how many files were removed.
   */
  emptyTrash(): number {
    const queued = this.db.prepare<[], { sha256: string }>('SELECT sha256 FROM blob_trash').all();
    if (queued.length === 0) return 0;
    const drop = this.db.prepare('DELETE FROM blob_trash WHERE sha256 = ?');
    let removed = 0;
    this.db
      .transaction(() => {
        for (const { sha256 } of queued) {
          if (this.removeIfUnrecorded(sha256)) removed++;
          drop.run(sha256);
        }
      })
      .immediate();
    return removed;
  }

  /**
   * Inside a write transaction: removes a blob's file when no row records it (a writer that added
   * one meanwhile keeps it). Returns whether a file was removed.
   */
  removeIfUnrecorded(sha256: string): boolean {
    if (!isSha256(sha256) || this.lookup.get(sha256) !== undefined) return false;
    try {
      fs.unlinkSync(this.fileOf(sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private writeFile(sha256: string, bytes: Uint8Array): void {
    const final = this.fileOf(sha256);
    if (fs.existsSync(final)) return;
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
