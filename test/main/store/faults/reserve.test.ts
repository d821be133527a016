// The disk reserve on a real full disk: once SQLite cannot fit even a one-row commit, a write made
// through Store.critical (a job's end, a dataset leaving `importing`) still lands — the reserve is
// given back for it — and the reserve returns once there is room again.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, RESERVE_FILE } from '../../../../main/store/index.js';
import { mountSupport, needsMount, SmallDisk } from './disk.js';

describe.skipIf(!mountSupport().ok)(`the disk reserve${needsMount()}`, () => {
  const disk = mountSupport().ok ? new SmallDisk(4 * 1024 * 1024) : null;
  afterAll(() => disk?.unmount());

  it('lets the record of a failure land when nothing else can, and comes back after space is freed', () => {
    const dataDir = path.join(disk!.dir, 'data');
    const store = openStore(dataDir);
    const reserve = path.join(dataDir, RESERVE_FILE);
    try {
      const id = store.datasets.create({ name: 'd', format: 'shapes', sourcePath: null, options: {} });
      disk!.fill(0);
      // Use up what SQLite's WAL still has room for: until even a one-row commit fails.
      let full = 0;
      for (let i = 0; i < 10_000 && full < 3; i++) {
        try {
          store.jobs.addLog(store.jobs.create({ kind: 'import', state: 'running', title: 'x'.repeat(2000), params: {} }), 'info', 'y'.repeat(2000), Date.now());
          full = 0;
        } catch (err) {
          expect(store.fault(err)?.kind).toBe('full');
          full++;
        }
      }
      expect(full).toBe(3);
      expect(() => store.datasets.setStatus(id, 'failed')).toThrow(/full/);
      expect(fs.existsSync(reserve)).toBe(true);

      store.critical(() => store.datasets.setStatus(id, 'failed'));
      expect(fs.existsSync(reserve)).toBe(false);
      expect(store.datasets.state(id)?.status).toBe('failed');
      // No room for it while the disk is full; back once space is freed.
      disk!.fill(0);
      expect(store.ensureReserve()).toBe(false);
      expect(fs.readdirSync(dataDir).filter((f) => f.startsWith(RESERVE_FILE))).toEqual([]);
      disk!.freeSpace();
      expect(store.ensureReserve()).toBe(true);
      expect(fs.statSync(reserve).size).toBe(1024 * 1024);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });
});
