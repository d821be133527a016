// Real file-system faults for the fault suite: a small tmpfs that fills up, read-only bind mounts
// and remounts (root ignores permission bits, a read-only mount it cannot), a folder in a file's
// place (unreadable even for root), and the CLI as a child process. Mounting needs root (or
// CAP_SYS_ADMIN); where the OS refuses, `mountSupport()` says why and the suites that need it skip
// with that reason in their title. CI runs as root, so there they run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export const projectRoot = path.resolve(import.meta.dirname, '../../../..');

function sh(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

let support: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether this process may mount a tmpfs; probed once with a real 64 KiB mount. */
export function mountSupport(): { ok: true } | { ok: false; reason: string } {
  if (support) return support;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-mount-probe-'));
  const r = sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  if (r.ok) sh('umount', [dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  support = r.ok ? { ok: true } : { ok: false, reason: `mounting a tmpfs is refused here (${r.err || 'mount failed'}; uid ${process.getuid?.() ?? '?'}): run as root, as CI does` };
  return support;
}

/** Title suffix for a suite that needs mounts: empty where they work, the reason where skipped. */
export const needsMount = () => {
  const s = mountSupport();
  return s.ok ? '' : ` (skipped: ${s.reason})`;
};

export class SmallDisk {
  readonly dir: string;
  private readonly mounts: string[] = [];
  private readonly filler: string;

  /** A fresh tmpfs of `bytes` at a new temporary folder. */
  constructor(bytes: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-fault-disk-'));
    this.mount(['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', this.dir], this.dir);
    this.filler = path.join(this.dir, 'filler.bin');
  }

  private mount(args: string[], target: string): void {
    const r = sh('mount', args);
    if (!r.ok) throw new Error(`mount ${args.join(' ')}: ${r.err}`);
    if (!this.mounts.includes(target)) this.mounts.push(target);
  }

  freeBytes(): number {
    const s = fs.statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  /** Fills the disk with a file until `leave` bytes are free (what the user later deletes). */
  fill(leave: number): void {
    const extra = this.freeBytes() - leave;
    if (extra <= 0) return;
    const fd = fs.openSync(this.filler, 'a');
    try {
      const chunk = Buffer.alloc(Math.min(extra, 1 << 20));
      for (let left = extra; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** "Free space": the user deletes the big file. */
  freeSpace(): void {
    fs.rmSync(this.filler, { force: true });
  }

  resize(bytes: number): void {
    this.mount(['-o', `remount,size=${bytes}`, this.dir], this.dir);
  }

  /** A folder of the normal disk mounted at `target` (inside this disk): its writes do not fill this one. */
  bindElsewhere(target: string): string {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-fault-outside-'));
    fs.mkdirSync(target, { recursive: true });
    this.mount(['--bind', outside, target], target);
    return outside;
  }

  unmount(): void {
    for (const m of this.mounts.reverse()) sh('umount', ['-l', m]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Makes `target` (a file or folder) read-only by a read-only bind mount of itself; returns the undo. */
export function readOnly(target: string): () => void {
  let r = sh('mount', ['--bind', target, target]);
  if (!r.ok) throw new Error(`bind mount ${target}: ${r.err}`);
  r = sh('mount', ['-o', 'remount,bind,ro', target]);
  if (!r.ok) {
    sh('umount', [target]);
    throw new Error(`read-only remount ${target}: ${r.err}`);
  }
  return () => void sh('umount', ['-l', target]);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built `ric` command on a data folder, as a user runs it. */
export function ric(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, RIC_BACKEND: 'wasm', RIC_ENGINE_WORKERS: '1', ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace anywhere in what a command printed. */
export const hasStack = (text: string) => /\n\s+at .+:\d+:\d+/.test(text) || /\bat [\w.<>]+ \(.*\.js:\d+/.test(text);

/** Rows read over a separate connection (SQLite's own integrity check, states, counts). */
export function inspect<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'ric.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export const integrity = (dataDir: string) => inspect(dataDir, (db) => String(db.pragma('integrity_check', { simple: true })));

/** Temporary blob files left in the data folder. */
export const tempFiles = (dataDir: string) => {
  const dir = path.join(dataDir, 'blobs', 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};
