// Faults of the disk and the files under the data folder, in the user's words (issue 10): a full
// disk, an I/O error, a read-only folder or file, a damaged store. Every writer (main, the engine
// hosts, imports, caption jobs, trainers) and every entry point (the Api, `ric`, `ric serve`, the
// desktop app) turns an error into one of these at its boundary, so the person sees what happened,
// which file, and what to do — never SQLite's bare "unable to open database file" or a stack.
import fs from 'node:fs';
import path from 'node:path';

export type StoreFaultKind = 'full' | 'io' | 'readonly' | 'corrupt';

/** What the person should do next depends on where the fault surfaced. */
export type FaultContext = 'job' | 'open' | 'call';

export class StoreFaultError extends Error {
  override name = 'StoreFaultError';
  constructor(
    readonly kind: StoreFaultKind,
    /** The file or folder concerned (the data folder when SQLite does not say which file). */
    readonly file: string,
    message: string,
    /** The system's or SQLite's own code (SQLITE_FULL, ENOSPC, ...). */
    readonly code: string | null,
  ) {
    super(message);
  }
}

const FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const READONLY_ERRNO = new Set(['EROFS', 'EACCES', 'EPERM']);
const IO_ERRNO = new Set(['EIO', 'ENXIO', 'ESTALE', 'ENODEV']);
/** Below this, an I/O error SQLite cannot explain is taken for a full disk (it reports ENOSPC in the -shm file as SQLITE_IOERR_SHMSIZE). */
const NEARLY_FULL_BYTES = 256 * 1024;

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Bytes free for this user on the file system holding `dir`, or null where the system cannot say. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

const NEXT: Record<FaultContext, { full: string; retry: string }> = {
  job: { full: 'free space and resume the job', retry: 'then resume the job' },
  open: { full: 'free space and start again', retry: 'then start again' },
  call: { full: 'free space and try again', retry: 'then try again' },
};

/**
 * The free space when an error was first seen: by the time it is reported again (the job's end)
 * the disk reserve may have been released, and "1 MiB free" would contradict "full".
 */
const freeWhenSeen = new WeakMap<object, number | null>();

function freeAt(err: unknown, dataDir: string): number | null {
  if (typeof err !== 'object' || err === null) return freeBytes(dataDir);
  if (!freeWhenSeen.has(err)) freeWhenSeen.set(err, freeBytes(dataDir));
  return freeWhenSeen.get(err) ?? null;
}

/** The message for a full disk: names the data folder, the free space and the failing write. */
export function diskFullMessage(dataDir: string, cause: string, context: FaultContext, free = freeBytes(dataDir)): string {
  const room = free === null ? '' : `${formatBytes(free)} free; `;
  return `the disk holding ${dataDir} is full (${room}${cause}); ${NEXT[context].full}`;
}

function readonlyMessage(file: string, cause: string, context: FaultContext): string {
  return (
    `${file} is read-only (${cause}): RIC Studio writes its store and images in the data folder. ` +
    `Make it writable (remount the disk read-write, or chmod u+w), or choose another data folder with --data DIR or RIC_DATA; ${NEXT[context].retry}`
  );
}

export function corruptMessage(file: string, cause: string, notAStore = false): string {
  return (
    `${file} ${notAStore ? 'is not a RIC Studio store' : 'is damaged'} (${cause}). Move it aside (with its -wal and -shm files) ` +
    `and restore it from a backup — \`sqlite3 ${path.basename(file)} .recover\` rescues what it can — or choose another data folder with --data DIR; ` +
    'a data folder without a store starts a new, empty one'
  );
}

/**
 * The fault `err` stands for, or null when it is not a fault of the disk or the store's files (a
 * bug, bad input, a cancelled job). `dataDir` is the data folder; `file` the file being written or
 * read when known (SQLite's errors do not say which of its files failed, so the store file is named).
 */
export function storeFaultOf(err: unknown, dataDir: string, file: string, context: FaultContext = 'call'): StoreFaultError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreFaultError) return e;
    const fault = classify(e, dataDir, file, context);
    if (fault) return fault;
  }
  return null;
}

function classify(err: unknown, dataDir: string, file: string, context: FaultContext): StoreFaultError | null {
  const code = codeOf(err);
  if (code === null) return null;
  const raw = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  // Node's fs errors carry the path they failed on (not all: a write on an open handle has none).
  const errPath = typeof (err as { path?: unknown }).path === 'string' ? String((err as { path: string }).path) : null;
  const at = errPath ?? dataDir;
  if (code.startsWith('SQLITE_')) {
    // Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) by their primary code.
    const base = code.split('_').slice(0, 2).join('_');
    const cause = `SQLite: ${raw} (${code})`;
    if (code === 'SQLITE_FULL') return new StoreFaultError('full', dataDir, diskFullMessage(dataDir, cause, context, freeAt(err, dataDir)), code);
    if (base === 'SQLITE_READONLY' || code === 'SQLITE_PERM') return new StoreFaultError('readonly', file, readonlyMessage(file, cause, context), code);
    if (base === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new StoreFaultError('corrupt', file, corruptMessage(file, cause, code === 'SQLITE_NOTADB'), code);
    if (base === 'SQLITE_IOERR' || code === 'SQLITE_CANTOPEN') {
      const free = freeAt(err, dataDir);
      if (free !== null && free < NEARLY_FULL_BYTES) return new StoreFaultError('full', dataDir, diskFullMessage(dataDir, cause, context, free), code);
      return new StoreFaultError(
        'io',
        file,
        `${file} cannot be ${code === 'SQLITE_CANTOPEN' ? 'opened' : 'read or written'} (${cause}): the disk holding ${dataDir} failed, was removed, or the file's folder is not accessible. ` +
          `Check the disk (dmesg) and that the folder is mounted and writable; ${NEXT[context].retry}`,
        code,
      );
    }
    return null;
  }
  // A file outside the data folder (an import's source, an export's target) is that input's or
  // output's problem, not the store's; a permission error without a path cannot be placed at all.
  if (errPath !== null && !inside(errPath, dataDir)) return null;
  if (errPath === null && !FULL_ERRNO.has(code) && !IO_ERRNO.has(code)) return null;
  const cause = `${code} ${describeSyscall(err)}${at}`;
  if (FULL_ERRNO.has(code)) return new StoreFaultError('full', dataDir, diskFullMessage(dataDir, `${code} ${writing(errPath, dataDir)}`, context, freeAt(err, dataDir)), code);
  if (code === 'EROFS') return new StoreFaultError('readonly', at, readonlyMessage(at, 'read-only file system', context), code);
  if (READONLY_ERRNO.has(code) && !isRead(err)) return new StoreFaultError('readonly', at, readonlyMessage(at, `${code}: permission denied`, context), code);
  if (IO_ERRNO.has(code)) {
    return new StoreFaultError(
      'io',
      at,
      `${at} cannot be read or written (${cause}): the disk holding ${dataDir} failed or was removed. Check the disk (dmesg); ${NEXT[context].retry}`,
      code,
    );
  }
  return null;
}

function inside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Which write failed, in a few words: a new image, a checkpoint, the store. */
function writing(file: string | null, dataDir: string): string {
  if (file === null) return 'writing to the data folder';
  const rel = path.relative(dataDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `writing ${file}`;
  if (rel.startsWith(`blobs${path.sep}`)) return 'writing an image under blobs/';
  if (rel.startsWith(`runs${path.sep}`)) return `writing ${rel} (a checkpoint)`;
  return `writing ${rel}`;
}

function describeSyscall(err: unknown): string {
  const syscall = (err as { syscall?: unknown }).syscall;
  return typeof syscall === 'string' ? `in ${syscall} of ` : 'at ';
}

/** Permission errors are faults when writing; a denied read of one image is that image's problem. */
function isRead(err: unknown): boolean {
  const syscall = (err as { syscall?: unknown }).syscall;
  return typeof syscall === 'string' && ['read', 'scandir', 'stat', 'lstat', 'readlink'].includes(syscall);
}
