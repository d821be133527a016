import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkTree, importsOf, sourceFiles } from './layer-rules.js';

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
});
