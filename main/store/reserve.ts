// A little disk space held back for recording a failure. When the disk fills, the write that fails
// is rarely the last one the store needs: the job must still end `failed` with its reason, the
// dataset must leave `importing`. SQLite can usually fit a small commit into the room its failed
// transaction left in the WAL, but not always (a blob write may have taken the last bytes). So every
// process that opens the store keeps a file of RESERVE_BYTES in the data folder, and the first
// writer that meets a full disk deletes it and retries the failure's record into that room. It is
// put back when the store is next opened or a job starts, if there is space for it again.
import fs from 'node:fs';
import path from 'node:path';

export const RESERVE_FILE = 'disk-reserve.bin';
/** A few dozen small commits of job, log and dataset rows (each a few 4 KiB WAL frames). */
export const RESERVE_BYTES = 1024 * 1024;

export class DiskReserve {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, RESERVE_FILE);
  }

  /** Puts the reserve in place if it is missing and there is room for it; never throws. */
  ensure(): boolean {
    try {
      if (fs.statSync(this.file).size >= RESERVE_BYTES) return true;
    } catch {
      // missing: made below
    }
    this.sweep();
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      // Real bytes, not a sparse file: the space must be taken now to be given back later.
      fs.writeFileSync(tmp, Buffer.alloc(RESERVE_BYTES), { flag: 'w' });
      fs.renameSync(tmp, this.file);
      return true;
    } catch {
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Gives the space back to the file system; true when there was a reserve to give. */
  release(): boolean {
    try {
      fs.unlinkSync(this.file);
      return true;
    } catch {
      return false;
    }
  }

  /** Half-written reserves of processes that died while writing one. */
  private sweep(): void {
    const dir = path.dirname(this.file);
    const prefix = `${RESERVE_FILE}.`;
    try {
      for (const name of fs.readdirSync(dir)) {
        const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -4)) : NaN;
        if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // an unreadable folder is reported by whoever needs it
    }
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
