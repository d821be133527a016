// `npm start`: the Electron window when an Electron runtime and a display are present; otherwise
// web mode, saying why and where to open it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot, resolveDataDir } from '../paths.js';
import { serve } from './commands/serve.js';
import { DEFAULT_PORT } from './index.js';

export interface ElectronProbe {
  ok: boolean;
  binary?: string;
  reason?: string;
}

/** Finds the Electron binary without importing `electron` (which would try to download it). */
export function probeElectron(root: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): ElectronProbe {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const pathTxt = path.join(pkgDir, 'path.txt');
  if (!fs.existsSync(pathTxt)) {
    return { ok: false, reason: 'no Electron runtime is installed (its download is not possible on this machine)' };
  }
  const binary = path.join(pkgDir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
  if (!fs.existsSync(binary)) return { ok: false, reason: `the Electron runtime is missing (${binary})` };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { ok: false, binary, reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return { ok: true, binary };
}

async function start(): Promise<void> {
  const root = projectRoot();
  const probe = probeElectron(root, process.env, process.platform);
  if (probe.ok && probe.binary) {
    const child = spawn(probe.binary, [root], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  const port = Number(process.env.RIC_PORT ?? DEFAULT_PORT);
  await serve({
    dataDir: resolveDataDir({ env: process.env }),
    host: '127.0.0.1',
    port: Number.isInteger(port) ? port : DEFAULT_PORT,
    reason: `Starting in web mode because ${probe.reason}. Open the URL below in a browser.`,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  start().catch((err: unknown) => {
    process.stderr.write(`ric: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
