// Apps and scratch folders that live for one test: what a test opens is closed and removed after it,
// passed or failed, so a store moving between two apps (bundles) needs no bookkeeping of its own.
import fs from 'node:fs';
import { afterEach } from 'vitest';
import { openTestApp, tempDir, type TestApp } from './app.js';

export function scopedApps(scratchPrefix = 'ric-test-'): { app: () => TestApp; scratch: () => string } {
  const open: TestApp[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    /** A real App on a data folder of its own. */
    app: () => {
      const t = openTestApp();
      open.push(t);
      return t;
    },
    /** An empty folder (bundles written, folders taken). */
    scratch: () => {
      const d = tempDir(scratchPrefix);
      dirs.push(d);
      return d;
    },
  };
}
