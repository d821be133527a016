// Which errors are faults of the store and in which words (main/store/faults.ts), on the errors the
// system and SQLite really raise: a write into a read-only folder, a read of a folder, SQLite on a
// read-only connection; and what is not the store's fault (a source file outside the data folder).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, StoreFaultError } from '../../../../main/store/index.js';
import { tempDir } from '../../../helpers/app.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};

describe('store faults', () => {
  const dataDir = tempDir('ric-classify-');
  const store = openStore(dataDir);

  it('SQLite refusing to write (a read-only connection) is `readonly`, naming the store file and what to do', () => {
    const ro = new Database(store.databaseFile, { readonly: true });
    const err = thrown(() => ro.prepare("INSERT INTO settings(key, value) VALUES ('k', '1')").run());
    ro.close();
    const fault = store.fault(err, 'job');
    expect(fault).toBeInstanceOf(StoreFaultError);
    expect(fault).toMatchObject({ kind: 'readonly', file: store.databaseFile, code: 'SQLITE_READONLY' });
    expect(fault!.message).toMatch(new RegExp(`^${store.databaseFile} is read-only \\(SQLite: attempt to write a readonly database \\(SQLITE_READONLY\\)\\): .*then resume the job$`));
  });

  it('the system refusing a write inside the data folder is a fault; an input outside it, or a read, is not', () => {
    const notAFolder = path.join(dataDir, 'blobs', 'tmp', 'x');
    fs.writeFileSync(notAFolder, '');
    const inside = thrown(() => fs.writeFileSync(path.join(notAFolder, 'y'), 'z')); // ENOTDIR: not one of ours
    expect(store.fault(inside)).toBeNull();
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(store.fault(enospc, 'call')?.message).toMatch(new RegExp(`^the disk holding ${dataDir} is full \\(.* free; ENOSPC writing to the data folder\\); free space and try again$`));
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open', path: path.join(dataDir, 'runs', '1', 'state.json') });
    expect(store.fault(eacces)).toMatchObject({ kind: 'readonly', file: eacces.path });
    // The same error on an import's source file, or a denied read in the data folder: not the store's.
    expect(store.fault({ ...eacces, path: '/somewhere/else/source.png' })).toBeNull();
    expect(store.fault(Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'scandir', path: dataDir }))).toBeNull();
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read' });
    expect(store.fault(eio)).toMatchObject({ kind: 'io' });
    expect(store.fault(new Error('a bug'))).toBeNull();
    // A fault wrapped as the cause of another error is still found.
    expect(store.fault(new Error('import failed', { cause: enospc }))?.kind).toBe('full');
  });

  it('an I/O error SQLite reports is `io`, unless the disk is (nearly) full', () => {
    const err = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    expect(store.fault(err)).toMatchObject({ kind: 'io', file: store.databaseFile });
    expect(store.fault(err)!.message).toContain(`the disk holding ${dataDir} failed, was removed`);
    store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
