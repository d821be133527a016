// Checks made before SQLite opens the store. SQLite says "unable to open database file" for a
// read-only folder, a folder in the file's place and a missing parent alike, and opens a read-only
// file without a word until the first write fails; these checks name the file, the cause and what
// to do. They read only the folder's metadata and the file's first 100 bytes (its header), so every
// `ric` command can afford them; a page damaged deeper in the file is reported when it is read.
import fs from 'node:fs';
import path from 'node:path';
import { corruptMessage, storeFaultOf, StoreFaultError } from './faults.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** The data folder exists (made if not), is a folder, and can be written. */
export function checkDataFolder(dataDir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dataDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT') {
      throw (
        storeFaultOf(err, dataDir, dataDir, 'open') ??
        new StoreFaultError('io', dataDir, `the data folder ${dataDir} cannot be used (${code}${code === 'ENOTDIR' ? ': a part of its path is a file' : ''}): choose another with --data DIR or RIC_DATA`, code)
      );
    }
  }
  if (stat && !stat.isDirectory()) {
    throw new StoreFaultError('io', dataDir, `the data folder ${dataDir} is a file, not a folder: choose another data folder with --data DIR or RIC_DATA`, 'ENOTDIR');
  }
  if (!stat) {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      const fault = storeFaultOf(err, dataDir, dataDir, 'open');
      const cause = unwritableAncestor(dataDir) ?? (err as Error).message;
      throw new StoreFaultError(fault?.kind ?? 'io', dataDir, `the data folder ${dataDir} cannot be created (${cause}): create it yourself, or choose another with --data DIR or RIC_DATA`, fault?.code ?? null);
    }
  }
  try {
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
    throw new StoreFaultError(
      'readonly',
      dataDir,
      `the data folder ${dataDir} is ${code === 'EROFS' ? 'on a read-only file system' : 'not writable by this user (permission denied)'}: ` +
        'RIC Studio writes its store and images there. Make it writable, or choose another data folder with --data DIR or RIC_DATA; then start again',
      code,
    );
  }
}

/** Why a folder cannot be made: its nearest existing parent is read-only or not ours (a recursive mkdir says only ENOENT). */
function unwritableAncestor(dir: string): string | null {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(d)) {
      try {
        fs.accessSync(d, fs.constants.W_OK);
        return null;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return `${d} is ${code === 'EROFS' ? 'on a read-only file system' : 'not writable by this user'}`;
      }
    }
    if (path.dirname(d) === d) return null;
  }
}

/**
 * The store file, if present, is a regular file this process may read and write, and its header
 * is a SQLite header that fits the file (a file cut short is caught here, not pages later).
 */
export function checkStoreFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw storeFaultOf(err, file, file, 'open') ?? err;
  }
  if (!stat.isFile()) throw new StoreFaultError('corrupt', file, corruptMessage(file, 'it is a folder, not a file', true), 'EISDIR');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (f !== file && !fs.existsSync(f)) continue;
    try {
      fs.accessSync(f, fs.constants.R_OK | fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
      throw new StoreFaultError(
        'readonly',
        f,
        `${f} is ${code === 'EROFS' ? 'on a read-only file system' : 'read-only for this user (permission denied)'}: RIC Studio must write its store. ` +
          `Make it writable (chmod u+w ${f}, or remount the disk read-write), or choose another data folder with --data DIR; then start again`,
        code,
      );
    }
  }
  if (stat.size === 0) return; // SQLite makes a new database in an empty file
  const header = Buffer.alloc(100);
  let read: number;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      read = fs.readSync(fd, header, 0, 100, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw storeFaultOf(err, file, file, 'open') ?? err;
  }
  if (read < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new StoreFaultError('corrupt', file, corruptMessage(file, `not a SQLite database: it starts with ${preview(header.subarray(0, read))}${read < 100 ? ` and holds only ${read} bytes` : ''}`, true), 'SQLITE_NOTADB');
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new StoreFaultError('corrupt', file, corruptMessage(file, `its header gives a page size of ${rawPageSize}`), 'SQLITE_CORRUPT');
  }
  // The header's page count is valid when its "version-valid-for" matches the change counter. Only
  // without a WAL is the file alone the whole database: a WAL may hold pages a checkpoint had not
  // yet copied when the process stopped.
  const pages = header.readUInt32BE(28);
  const valid = header.readUInt32BE(92) === header.readUInt32BE(24);
  const walBytes = fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0;
  if (walBytes === 0 && valid && pages > 0 && (stat.size < pages * pageSize || stat.size % pageSize !== 0)) {
    throw new StoreFaultError('corrupt', file, corruptMessage(file, `the file is cut short: ${stat.size} bytes where its header promises ${pages * pageSize}`), 'SQLITE_CORRUPT');
  }
}

/** The first bytes of a file that is not a database, as a person would recognise them. */
function preview(bytes: Buffer): string {
  const text = bytes.subarray(0, 24).toString('latin1');
  return /^[\x20-\x7e\t\r\n]+$/.test(text) ? JSON.stringify(text.replace(/\s+/g, ' ').trim()) : `bytes ${bytes.subarray(0, 8).toString('hex')}`;
}
