import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkTree, importsOf, MAIN_LAYERS, sourceFiles } from './layer-rules.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('layer rules (DESIGN.md §2)', () => {
  it('the source tree has no layer violations', () => {
    expect(sourceFiles(root).length).toBeGreaterThan(20);
    const violations = checkTree(root).map((v) => `${v.file}:${v.line} imports '${v.specifier}': ${v.rule}`);
    expect(violations).toEqual([]);
  });

  it('reads static, type-only, re-export, dynamic and require imports, not comments', () => {
    const src = [
      "import a from 'a';",
      "import type { B } from './b.js';",
      "export * from './c.js';",
      "const d = await import('d');",
      "const e = require('e');",
      "// import nope from 'comment';",
      "/* import nope2 from 'block'; */",
    ].join('\n');
    expect(importsOf(src).map((i) => i.specifier)).toEqual(['a', './b.js', './c.js', 'd', 'e']);
  });

  it('rejects Node, Electron and foreign packages in shared/', () => {
    expect(checkFile('shared/x.ts', "import fs from 'node:fs';")).toHaveLength(2);
    expect(checkFile('shared/x.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(checkFile('shared/x.ts', "import x from '../main/app.js';")[0]?.rule).toBe('shared/ imports only shared/');
    expect(checkFile('shared/api/x.ts', "import { z } from 'zod'; import { y } from './y.js';")).toEqual([]);
  });

  it('rejects renderer imports of main/, Node and Electron', () => {
    expect(checkFile('renderer/src/a.tsx', "import { openApp } from '../../main/app.js';")).toHaveLength(1);
    expect(checkFile('renderer/src/a.tsx', "import path from 'path';")).toHaveLength(1);
    expect(checkFile('renderer/src/a.tsx', "import { ipcRenderer } from 'electron';")).toHaveLength(1);
    expect(checkFile('renderer/src/a.tsx', "import { z } from '../../shared/api/index';")).toEqual([]);
  });

  it('allows electron only under main/electron, and keeps engine and store plain Node', () => {
    expect(checkFile('main/api/x.ts', "import { ipcMain } from 'electron';")).toHaveLength(1);
    expect(checkFile('main/electron/x.ts', "import { ipcMain } from 'electron';")).toEqual([]);
    expect(checkFile('main/store/x.ts', "import { a } from '../api/dispatcher.js';")).toHaveLength(1);
    expect(checkFile('main/engine/x.ts', "import { b } from '../electron/main.js';")).toHaveLength(2);
    expect(checkFile('main/engine/models/x.ts', "import { c } from '../../store/index.js';")).toEqual([]);
  });

  it('finds SQL outside main/store/: statements, pragmas, database handles and the driver', () => {
    const sql = (file: string, src: string) => checkFile(file, src).filter((v) => v.rule.startsWith('SQL only in main/store/')).map((v) => v.specifier).sort();
    expect(sql('main/data/x.ts', "const rows = store.db.prepare('SELECT 1').all();")).toEqual(['.db', '.prepare(']);
    expect(sql('main/jobs/x.ts', "const n = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM jobs').get(1);")).toEqual(['.prepare<', 'db.p']);
    expect(sql('main/api/x.ts', 'handle.exec(`CREATE TABLE t (x)`);')).toHaveLength(1);
    expect(sql('main/cli/x.ts', "conn.pragma('integrity_check');")).toHaveLength(1);
    expect(sql('main/jobs/x.ts', "db.transaction(() => undefined)();")).toHaveLength(1);
    expect(sql('main/jobs/x.ts', "import Database from 'better-sqlite3';")).toHaveLength(1);
    expect(sql('main/electron/x.ts', "import type { Database } from 'better-sqlite3';")).toHaveLength(1);
    // The store itself, a regular expression's exec, a store's repositories and prose are fine.
    expect(sql('main/store/x.ts', "import Database from 'better-sqlite3'; db.prepare('SELECT 1').get();")).toEqual([]);
    expect(sql('main/engine/x.ts', 'const m = /lib(\\w+)/.exec(message);')).toEqual([]);
    expect(sql('main/jobs/x.ts', "store.jobs.update(id, { state: 'running' }); store.transaction(() => undefined);")).toEqual([]);
    expect(sql('main/jobs/x.ts', '// the old code called store.db.prepare(...) here')).toEqual([]);
  });

  it('keeps the CLI on the Api: no store, queue, importer or settings; only the bootstrap opens the app', () => {
    const cli = (file: string, src: string) => checkFile(file, src).map((v) => v.rule);
    expect(cli('main/cli/commands/x.ts', "import { openStore } from '../../store/index.js';")).toEqual([expect.stringContaining('main/cli/ reaches main/store only through the Api')]);
    expect(cli('main/cli/commands/x.ts', "import { jobOutcome } from '../../jobs/index.js';")).toEqual([expect.stringContaining('only through the Api')]);
    expect(cli('main/cli/commands/x.ts', "import { readSettings } from '../../settings/index.js';")).toEqual([expect.stringContaining('only through the Api')]);
    expect(cli('main/cli/commands/x.ts', "import { openApp } from '../../app.js';")).toEqual([expect.stringContaining("only the CLI's bootstrap")]);
    expect(cli('main/cli/commands/x.ts', "import { jobsHandlers } from '../../api/handlers/jobs.js';")).toEqual([expect.stringContaining("only the CLI's bootstrap")]);
    expect(cli('main/cli/session.ts', "import { openApp } from '../app.js'; import { createInProcessTransport } from '../api/transports/in-process.js';")).toEqual([]);
    expect(cli('main/cli/commands/x.ts', "import { withApi } from '../session.js'; import { initBackend } from '../../engine/backend.js';")).toEqual([]);
  });

  it('rejects arrows that point up the layer order of main/', () => {
    const up = (file: string, src: string) => checkFile(file, src).map((v) => v.rule);
    const rule = expect.stringMatching(/imports point down the layer order/);
    expect(up('main/jobs/manager.ts', "import type { EventHub } from '../api/event-hub.js';")).toEqual([rule]);
    expect(up('main/jobs/host/builtin.ts', "import { readSettings } from '../../api/handlers/settings.js';")).toEqual([rule]);
    expect(up('main/jobs/host-process.ts', "import { projectRoot } from '../app.js';")).toEqual([rule]);
    expect(up('main/store/x.ts', "import { readSettings } from '../settings/index.js';")).toEqual([rule]);
    expect(up('main/events/index.ts', "import type { Store } from '../store/index.js';")).toEqual([rule]);
    expect(up('main/data/x.ts', "import { runCaptionJob } from '../captions/index.js';")).toEqual([rule]);
    expect(up('main/cli/x.ts', "import { registerIpcTransport } from '../electron/ipc.js';")).toHaveLength(2);
    // Down the order: fine.
    expect(up('main/api/handlers/x.ts', "import { JobManager } from '../../jobs/index.js'; import { EventHub } from '../../events/index.js';")).toEqual([]);
    expect(up('main/jobs/x.ts', "import { readSettings } from '../settings/index.js'; import { projectRoot } from '../paths.js';")).toEqual([]);
    expect(up('main/captions/x.ts', "import { generateShapesSample } from '../data/shapes.js';")).toEqual([]);
    // A new area must be placed in the order before it can be imported.
    expect(up('main/api/x.ts', "import { x } from '../results/index.js';")).toEqual([expect.stringContaining('main/results is not in the layer order')]);
  });

  it("README's layout table states the same layer order", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const order = MAIN_LAYERS.map((rank) => rank.map((a) => `\`${a}\``).join(', ')).join(' < ');
    expect(readme).toContain(order);
  });
});
