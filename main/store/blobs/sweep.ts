// The blob sweep that runs at start: it finishes what a killed process left half done.
// 1. blob_trash: files a committed deletion queued (cheap; always).
// 2. Orphans older than a grace period: blob rows nothing refers to (a writer killed between its
//    two steps, or a store written before migration 5), files with no row (killed between the
//    fsync and the row), and temporary files of interrupted writes. The grace keeps the sweep off
//    blobs a live writer (another process on the same folder) is between those steps with.
// Work is done in small chunks with a turn of the event loop between them, and can be stopped.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../database.js';
import type { BlobStore } from './blob-store.js';
import { orphanBlobRows, releaseBlobs } from './references.js';

export interface SweepReport {
  trashRemoved: number;
  orphanRows: number;
  orphanFiles: number;
  tmpFiles: number;
}

export interface SweepOptions {
  /** Leave anything younger than this alone (default one hour). */
  graceMs?: number;
  /** Stops between chunks (app shutdown). */
  signal?: AbortSignal;
}

const CHUNK = 500;
const SHA_NAME = /^[0-9a-f]{64}$/;
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function sweepBlobs(db: Db, blobs: BlobStore, options: SweepOptions = {}): Promise<SweepReport> {
  const graceMs = options.graceMs ?? 3_600_000;
  const before = Date.now() - graceMs;
  const stopped = () => options.signal?.aborted === true;
  const report: SweepReport = { trashRemoved: blobs.emptyTrash(), orphanRows: 0, orphanFiles: 0, tmpFiles: 0 };

  // Orphan rows, a chunk at a time: release them (their files are queued in the trash), then empty it.
  const cutoff = new Date(before).toISOString();
  for (let seen = new Set<string>(); !stopped(); ) {
    const rows = orphanBlobRows(db, cutoff, CHUNK).filter((sha) => !seen.has(sha));
    if (rows.length === 0) break;
    for (const sha of rows) seen.add(sha);
    report.orphanRows += db.transaction(() => releaseBlobs(db, rows).length)();
    report.trashRemoved += blobs.emptyTrash();
    await pause();
  }

  // Files with no row: each removal re-checks the row inside a write transaction (BlobStore).
  for (const prefix of safeList(blobs.dir)) {
    if (stopped()) break;
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    const names = safeList(path.join(blobs.dir, prefix)).filter((n) => SHA_NAME.test(n) && n.startsWith(prefix) && olderThan(path.join(blobs.dir, prefix, n), before));
    for (let i = 0; i < names.length && !stopped(); i += CHUNK) {
      const chunk = names.slice(i, i + CHUNK);
      report.orphanFiles += db.transaction(() => chunk.filter((sha) => blobs.removeIfUnrecorded(sha)).length).immediate();
      await pause();
    }
  }

  const tmp = path.join(blobs.dir, 'tmp');
  for (const name of safeList(tmp)) {
    const file = path.join(tmp, name);
    if (!olderThan(file, before)) continue;
    fs.rmSync(file, { force: true });
    report.tmpFiles++;
  }
  return report;
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function olderThan(file: string, before: number): boolean {
  try {
    return fs.statSync(file).mtimeMs < before;
  } catch {
    return false;
  }
}
