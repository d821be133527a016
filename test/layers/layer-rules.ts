// The layer rules of DESIGN.md §2, as a check that fails the test command (like VS Code's
// code-layering lint rule): every import in shared/, renderer/ and main/ is read and judged.
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Bare packages shared/ may use: pure, runtime-neutral. */
const SHARED_PACKAGES = new Set(['zod']);

const IMPORT_RE = /(?:^|[^.\w$])(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+\s+from\s+)?['"]([^'"]+)['"]|(?:^|[^.\w$])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^.\w$])require\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  // Drop comments so examples in prose are not read as imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(IMPORT_RE)) {
    const specifier = m[1] ?? m[2] ?? m[3];
    if (!specifier) continue;
    const line = code.slice(0, m.index).split('\n').length;
    found.push({ specifier, line });
  }
  return found;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** Judges one file's imports. `file` is relative to the project root, with forward slashes. */
export function checkFile(file: string, source: string): Violation[] {
  const out: Violation[] = [];
  const dir = path.posix.dirname(file);
  const layer = file.split('/')[0];
  for (const { specifier, line } of importsOf(source)) {
    const v = (rule: string) => out.push({ file, line, specifier, rule });
    const relative = specifier.startsWith('.');
    const target = relative ? path.posix.normalize(path.posix.join(dir, specifier)) : undefined;
    const targetLayer = target?.split('/')[0];
    const isElectron = specifier === 'electron' || specifier.startsWith('electron/');

    if (layer === 'shared') {
      if (relative && targetLayer !== 'shared') v('shared/ imports only shared/');
      if (!relative && NODE_BUILTINS.has(specifier)) v('shared/ imports nothing of Node');
      if (!relative && !SHARED_PACKAGES.has(packageName(specifier))) v(`shared/ may import only ${[...SHARED_PACKAGES].join(', ')}`);
    } else if (layer === 'renderer') {
      if (relative && targetLayer !== 'renderer' && targetLayer !== 'shared') v('renderer/ imports only renderer/ and shared/');
      if (!relative && (NODE_BUILTINS.has(specifier) || isElectron)) v('renderer/ imports nothing of Node or Electron');
    } else if (layer === 'main') {
      const inElectron = file.startsWith('main/electron/');
      if (isElectron && !inElectron) v('only main/electron/ imports electron');
      if (relative && targetLayer === 'renderer') v('main/ never imports renderer/');
      if (relative && !inElectron && target?.startsWith('main/electron')) v('only main/electron/ may use main/electron/');
      const plainNode = file.startsWith('main/engine/') || file.startsWith('main/store/');
      if (plainNode && relative && target && !(target.startsWith('main/engine') || target.startsWith('main/store') || target.startsWith('shared'))) {
        v('main/engine/ and main/store/ import only themselves and shared/ (they run in plain Node)');
      }
    }
  }
  return out;
}

export function sourceFiles(root: string, layers = ['shared', 'renderer', 'main']): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child);
      } else if (/\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(child);
    }
  };
  for (const layer of layers) if (fs.existsSync(path.join(root, layer))) walk(layer);
  return files;
}

export function checkTree(root: string): Violation[] {
  return sourceFiles(root).flatMap((f) => checkFile(f, fs.readFileSync(path.join(root, f), 'utf8')));
}
