// Where the project folder lives: --data DIR, then RIC_DATA, then the platform's app-data folder.
// The desktop app and the CLI use the same rule, so both see the same store.
import path from 'node:path';
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
