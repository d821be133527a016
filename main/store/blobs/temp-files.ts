// The blob store's temporary files: <dir>/tmp/<sha256>.<pid>.<random>. A write goes to one, is
// fsynced and renamed into place; every error path removes its own (blob-batch.ts, blob-store.ts),
// and what a killed process left behind is swept when a store opens (issue 10: a full disk used to
// leave thousands of them). The writer's pid in the name tells a dead writer's file from a live
// one's, so a sweep never pulls a file from under another process that is writing it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../reserve.js';

/** Ours: <sha256>.<pid>.<12 hex>; before pids were recorded: <sha256>.<12 hex>. */
const TEMP_NAME = /^[0-9a-f]{64}\.(?:(\d{1,10})\.)?[0-9a-f]{12}$/;

export function tempFile(dir: string, sha256: string): string {
  return path.join(dir, 'tmp', `${sha256}.${process.pid}.${randomBytes(6).toString('hex')}`);
}

/** Removes a temporary file on an error path; never throws (the original error is what matters). */
export function removeTemp(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // an unlink that fails (EIO) leaves it to the next sweep
  }
}

/** Adds the file to an fs error that lacks it (a write on an open handle), so its message can name it. */
export function withPath(err: unknown, file: string): unknown {
  if (err instanceof Error && (err as NodeJS.ErrnoException).path === undefined) (err as NodeJS.ErrnoException).path = file;
  return err;
}

export interface SweepResult {
  removed: number;
  kept: number;
}

/**
 * Removes temporary files of writers that are gone: only names of our pattern, only files older
 * than this process, and only when the pid in the name is not alive (files named before pids were
 * recorded are judged by age alone). Anything else in tmp/ is left as it is.
 */
export function sweepTempFiles(dir: string, startedAt = performance.timeOrigin): SweepResult {
  const tmpDir = path.join(dir, 'tmp');
  const result: SweepResult = { removed: 0, kept: 0 };
  let names: string[];
  try {
    names = fs.readdirSync(tmpDir);
  } catch {
    return result;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(tmpDir, name);
    try {
      const stat = fs.lstatSync(file);
      const pid = m[1] === undefined ? null : Number(m[1]);
      const writerGone = pid === null || (pid !== process.pid && !processAlive(pid));
      if (stat.isFile() && stat.mtimeMs < startedAt && writerGone) {
        fs.rmSync(file, { force: true });
        result.removed++;
      } else result.kept++;
    } catch {
      result.kept++;
    }
  }
  return result;
}
