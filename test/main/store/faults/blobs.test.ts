// Blob files under faults: a write on a full disk (a real tmpfs) leaves no temporary file and no
// row, and goes through once space is freed; temporary files of killed writers are swept at open
// (and only those); a blob file that is missing or unreadable (a folder in its place: root reads
// through permission bits, not through that) is named in words, by the store and by web mode.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebServer } from '../../../../main/api/transports/http.js';
import { EventHub } from '../../../../main/events/index.js';
import { BlobReadError, openStore, RESERVE_BYTES } from '../../../../main/store/index.js';
import { tempDir } from '../../../helpers/app.js';
import { mountSupport, needsMount, SmallDisk, tempFiles } from './disk.js';

const images = (n: number, bytes: number) => Array.from({ length: n }, () => randomBytes(bytes));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!mountSupport().ok)(`blob writes on a full disk${needsMount()}`, () => {
  const disk = mountSupport().ok ? new SmallDisk(8 * 1024 * 1024) : null;
  afterAll(() => disk?.unmount());

  it('putMany and put fail with a plain disk-full fault, leave no temporary file and no row; after freeing space they succeed', async () => {
    const dataDir = path.join(disk!.dir, 'data');
    const store = openStore(dataDir);
    try {
      // The store and its reserve are in place; 600 KiB are left for 40 blobs of 64 KiB.
      expect(fs.statSync(path.join(dataDir, 'disk-reserve.bin')).size).toBe(RESERVE_BYTES);
      disk!.fill(600 * 1024);
      const batch = images(40, 64 * 1024);
      const err = await store.blobs.putMany(batch).then(() => null, (e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      const fault = store.fault(err, 'job');
      expect(fault?.kind).toBe('full');
      expect(fault?.message).toMatch(new RegExp(`^the disk holding ${dataDir} is full \\(\\d+ (bytes|KiB) free; ENOSPC writing an image under blobs/\\); free space and resume the job$`));
      expect(tempFiles(dataDir)).toEqual([]);
      // Rows come only after every file of the batch is durable: none of this batch has one.
      expect(batch.filter((b) => store.blobs.known(sha256(b)))).toEqual([]);
      const big = randomBytes(900 * 1024);
      // Bigger than the room left: write(2) takes what fits and fails only on the next call — the
      // file must never be renamed under the full content's hash with part of it.
      expect(() => store.blobs.put(big)).toThrow(/ENOSPC/);
      expect(store.blobs.known(sha256(big))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'blobs', sha256(big).slice(0, 2), sha256(big)))).toBe(false);
      expect(tempFiles(dataDir)).toEqual([]);

      disk!.freeSpace();
      const refs = await store.blobs.putMany(batch);
      expect(refs).toHaveLength(40);
      for (const r of refs) expect(store.blobs.read(r.sha256)?.byteLength).toBe(64 * 1024);
      expect(store.blobs.known(store.blobs.put(big).sha256)).toBe(true);
      expect(tempFiles(dataDir)).toEqual([]);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });
});

describe('temporary blob files left by a killed writer', () => {
  it('are swept when the store opens: only our names, only dead writers, only files older than the process', async () => {
    const dataDir = tempDir('ric-sweep-');
    openStore(dataDir).close();
    const tmp = path.join(dataDir, 'blobs', 'tmp');
    const sha = () => randomBytes(32).toString('hex');
    const hex = () => randomBytes(6).toString('hex');
    // A live writer: a child process that is still running.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const deadPid = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      c.once('exit', () => resolve(c.pid!));
    });
    const files = {
      deadWriter: `${sha()}.${deadPid}.${hex()}`,
      legacyName: `${sha()}.${hex()}`,
      liveWriter: `${sha()}.${live.pid}.${hex()}`,
      notOurs: 'notes.txt',
      almostOurs: `${sha()}.${deadPid}.${hex()}.bak`,
      freshDeadWriter: `${sha()}.${deadPid}.${hex()}`,
    };
    const old = new Date(Date.now() - 3_600_000);
    for (const [key, name] of Object.entries(files)) {
      fs.writeFileSync(path.join(tmp, name), 'partial');
      if (key !== 'freshDeadWriter') fs.utimesSync(path.join(tmp, name), old, old);
    }
    // Written after this process started: a writer that died a moment ago, after us; the next open sweeps it.
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(tmp, files.freshDeadWriter), future, future);
    try {
      const store = openStore(dataDir);
      expect(store.blobs.swept).toEqual({ removed: 2, kept: 2 });
      store.close();
      expect(fs.readdirSync(tmp).sort()).toEqual([files.almostOurs, files.freshDeadWriter, files.liveWriter, files.notOurs].sort());
    } finally {
      live.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a stored image whose file is missing or unreadable', () => {
  it('reads as missing or as a BlobReadError naming the file, and web mode answers each with its word', async () => {
    const dataDir = tempDir('ric-blob-read-');
    const store = openStore(dataDir);
    const missing = store.blobs.put(randomBytes(100));
    const unreadable = store.blobs.put(randomBytes(100));
    const fine = store.blobs.put(randomBytes(100));
    const file = (s: string) => path.join(dataDir, 'blobs', s.slice(0, 2), s);
    fs.rmSync(file(missing.sha256));
    // A folder where the file should be: EISDIR for everyone, root included.
    fs.rmSync(file(unreadable.sha256));
    fs.mkdirSync(file(unreadable.sha256));
    expect(store.blobs.read(missing.sha256)).toBeUndefined();
    expect(() => store.blobs.read(unreadable.sha256)).toThrow(BlobReadError);
    expect(() => store.blobs.read(unreadable.sha256)).toThrow(`stored image ${unreadable.sha256.slice(0, 12)} (${file(unreadable.sha256)}) cannot be read (EISDIR, a folder is in its place): restore the file from a backup of the data folder`);
    // Not a fault of the store: one sample's problem, the job goes on.
    expect(store.fault(new BlobReadError('x'))).toBeNull();

    const logs: string[] = [];
    const server = await startWebServer({
      dispatcher: { call: async () => ({ ok: true, value: null }) },
      events: new EventHub(),
      blobs: store.blobs,
      rendererDir: path.join(dataDir, 'no-renderer'),
      port: 0,
      log: (l) => logs.push(l),
    });
    try {
      const get = async (sha: string) => {
        const r = await fetch(new URL(`/blob/${sha}`, server.url), { headers: { Authorization: `Bearer ${server.token}` } });
        return { status: r.status, text: (await r.text()).trim() };
      };
      expect(await get(missing.sha256)).toEqual({ status: 404, text: `stored image ${missing.sha256.slice(0, 12)} is missing from the data folder` });
      expect(await get(unreadable.sha256)).toEqual({ status: 500, text: `stored image ${unreadable.sha256.slice(0, 12)} is a folder, not a file` });
      expect(await get('0'.repeat(64))).toEqual({ status: 404, text: 'no such image in the blob store' });
      expect((await get(fine.sha256)).status).toBe(200);
    } finally {
      await server.close();
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
