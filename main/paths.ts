// Where things live. The install: the package root (the built renderer, the engine host script,
// the version). The project folder: --data DIR, then RIC_DATA, then the platform's app-data folder —
// the desktop app and the CLI use the same rule, so both see the same store. Imports nothing of
// main/, so every area may use it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

export interface DataDirSources {
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export function defaultDataDir(): string {
  return envPaths('RIC Studio', { suffix: '' }).data;
}

export function resolveDataDir({ flag, env }: DataDirSources): string {
  const chosen = flag ?? (env.RIC_DATA && env.RIC_DATA.length > 0 ? env.RIC_DATA : undefined);
  return path.resolve(chosen ?? defaultDataDir());
}

/** The project root: the nearest folder above this file with our package.json (source or dist). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'ric-studio') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the ric-studio package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function appVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
