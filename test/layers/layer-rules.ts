// The layer rules of DESIGN.md §2, as a check that fails the test command (like VS Code's
// code-layering lint rule): every import in shared/, renderer/ and main/ is read and judged, and
// main/'s code is read for SQL outside main/store/.
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

/**
 * main/'s areas, lowest first (README's layout table). An area imports itself, shared/ and areas
 * of a lower rank — the arrows point down; areas of one rank do not import each other. Rank 0 runs
 * in plain Node with no other area: the store, the engine, the event hub and the install paths.
 */
export const MAIN_LAYERS: readonly (readonly string[])[] = [
  ['paths', 'events', 'store', 'engine'],
  ['settings'],
  ['data'],
  ['captions', 'evals'],
  ['jobs', 'cluster', 'demo'],
  ['api'],
  ['app'],
  ['cli', 'electron'],
];

/** The area of a path under main/ ("main/jobs/host/x.ts" -> "jobs", "main/app.ts" -> "app"). */
export function mainArea(target: string): string | undefined {
  const parts = target.split('/');
  if (parts[0] !== 'main' || parts.length < 2) return undefined;
  return parts.length === 2 ? (parts[1] ?? '').replace(/\.(c|m)?[jt]sx?$/, '') : parts[1];
}

const rankOf = (area: string): number => MAIN_LAYERS.findIndex((rank) => rank.includes(area));

/** Arrows within rank 0 that are allowed: the engine may read the store (both run in plain Node). */
const SAME_RANK_ALLOWED = new Set(['engine>store']);

/** The CLI's way into the app (an App and the in-process Api client, or the web server): nothing else in main/cli/ opens them. */
export const CLI_BOOTSTRAP = new Set(['main/cli/session.ts', 'main/cli/commands/serve.ts']);
/** What the CLI never reaches for itself: it calls the Api. */
const CLI_FORBIDDEN = new Set(['store', 'jobs', 'data', 'captions', 'evals', 'settings', 'events']);

function checkMainImport(file: string, target: string, v: (rule: string) => void): void {
  const from = mainArea(file);
  const to = mainArea(target);
  if (from === undefined || to === undefined || from === to) return;
  const a = rankOf(from);
  const b = rankOf(to);
  if (a < 0) v(`main/${from} is not in the layer order (test/layers/layer-rules.ts MAIN_LAYERS)`);
  else if (b < 0) v(`main/${to} is not in the layer order (test/layers/layer-rules.ts MAIN_LAYERS)`);
  else if (b > a || (b === a && !SAME_RANK_ALLOWED.has(`${from}>${to}`))) v(`main/${from} may not import main/${to}: imports point down the layer order (${MAIN_LAYERS.map((r) => r.join(' ')).join(' < ')})`);
  if (from === 'cli') {
    if (CLI_FORBIDDEN.has(to)) v(`main/cli/ reaches main/${to} only through the Api (main/cli/session.ts gives commands a client)`);
    else if ((to === 'app' || to === 'api') && !CLI_BOOTSTRAP.has(file)) v(`only the CLI's bootstrap (${[...CLI_BOOTSTRAP].join(', ')}) opens the app or a transport; a command calls the Api client`);
  }
}

/** SQL outside main/store/: a statement prepared or run, a better-sqlite3 handle used, the driver imported. */
const SQL_PATTERNS: { re: RegExp; what: string }[] = [
  { re: /\.prepare\s*[<(]/g, what: 'prepares a statement' },
  { re: /\.(exec|run)\s*\(\s*[`'"]\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|BEGIN|WITH|REPLACE)\b/gi, what: 'runs SQL' },
  { re: /\.pragma\s*\(/g, what: 'runs a pragma' },
  { re: /(?:^|[^\w$.])db\s*\??\.\s*\w/g, what: 'uses a database handle (db.)' },
  { re: /\.db\b(?!\s*[:=(])/g, what: 'reaches for a database handle (.db)' },
];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** SQL in a main/ file outside main/store/ (the store's repositories are the only way to SQL). */
export function checkSql(file: string, source: string): Violation[] {
  if (!file.startsWith('main/') || file.startsWith('main/store/')) return [];
  const code = stripComments(source);
  const out: Violation[] = [];
  for (const { re, what } of SQL_PATTERNS) {
    for (const m of code.matchAll(re)) {
      const line = code.slice(0, m.index).split('\n').length;
      out.push({ file, line, specifier: m[0].trim(), rule: `SQL only in main/store/ (a repository): this ${what}` });
    }
  }
  return out;
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
      if (!relative && packageName(specifier) === 'better-sqlite3' && !file.startsWith('main/store/')) v('SQL only in main/store/: only the store imports better-sqlite3');
      if (relative && target?.startsWith('main/')) checkMainImport(file, target, v);
    }
  }
  return layer === 'main' ? [...out, ...checkSql(file, source)] : out;
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
