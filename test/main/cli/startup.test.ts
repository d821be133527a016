// What a `ric` start loads (every test and script spawns it): the help loads neither the app nor the
// heavy libraries; a command that opens the store loads the store, and still not the VLM client
// (openai), libvips (sharp), the parquet reader (hyparquet), the web server (ws) or the engine. The
// base build before this change loaded all of them for --help.
// Measured when this was made lazy (2 cores, load ~7.5): --help 0.97 → 0.42 s CPU, info 0.99 → 0.60 s.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../../..');
const data = tempDir('ric-startup-');
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

/** The packages (and our app) a run of `ric args` loaded, with its exit status. */
function loads(args: string[]): { status: number | null; stdout: string; loaded: Set<string> } {
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'test/helpers/trace-loads.mjs'), path.join(root, 'bin/ric.js'), '--data', data, ...args], { cwd: root, encoding: 'utf8' });
  const loaded = new Set<string>();
  for (const m of r.stderr.matchAll(/^loaded (\S+)$/gm)) {
    const url = m[1]!;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) loaded.add(pkg);
    else if (url.endsWith('/dist/main/app.js')) loaded.add('(app)');
  }
  return { status: r.status, stdout: r.stdout, loaded };
}

const HEAVY = ['openai', 'sharp', 'hyparquet', 'ws', '@tensorflow/tfjs', '@tensorflow/tfjs-core'];

describe('what ric loads at start', () => {
  it('--help: commander, not the app or any heavy library (every command module is read for its options)', () => {
    const r = loads(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('serve');
    expect(r.loaded.has('commander'), 'the trace saw commander').toBe(true);
    for (const name of [...HEAVY, 'better-sqlite3', '(app)']) expect(r.loaded.has(name), `--help loaded ${name}`).toBe(false);
  });

  it('info: the app and the store, not the VLM client, libvips, the parquet reader, the web server or the engine', () => {
    const r = loads(['info', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ system: { dataDir: data } });
    expect(r.loaded.has('(app)')).toBe(true);
    expect(r.loaded.has('better-sqlite3')).toBe(true);
    for (const name of HEAVY) expect(r.loaded.has(name), `info loaded ${name}`).toBe(false);
  });
});
