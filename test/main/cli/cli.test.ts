// The `ric` command as a user runs it: the built CLI in a child process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../../main/paths.js';
import { probeElectron } from '../../../main/cli/start.js';
import { tempDir } from '../../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('ric command', () => {
  it('--help lists serve and info', () => {
    const r = ric(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('serve');
    expect(r.stdout).toContain('info');
    expect(r.stdout).toContain('--data <dir>');
  });

  it('info --json prints one JSON document for the chosen data folder', () => {
    const dir = tempDir();
    const r = ric(['--data', dir, 'info', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { system: { dataDir: string; schemaVersion: number }; settings: { theme: string } };
    expect(doc.system.dataDir).toBe(dir);
    expect(doc.system.schemaVersion).toBeGreaterThanOrEqual(2);
    expect(doc.settings.theme).toBe('dark');
    const viaEnv = JSON.parse(ric(['info', '--json'], { RIC_DATA: dir }).stdout) as { system: { dataDir: string } };
    expect(viaEnv.system.dataDir).toBe(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits non-zero with a clear message on failure, also with --json', () => {
    const file = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const r = ric(['--data', file, 'info', '--json']);
    expect(r.status).not.toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
    expect(r.stderr).toMatch(/^ric: /m);
    expect(ric(['serve', '--port', 'abc']).status).not.toBe(0);
    expect(ric(['no-such-command']).status).not.toBe(0);
  });

  it('serve prints the tokened URL, warns off loopback, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', dir, 'serve', '--port', '0', '--host', '0.0.0.0'], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const deadline = Date.now() + 20_000;
    while (!/Open: http/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/Open: http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}/);
    expect(out).toContain('WARNING: listening on 0.0.0.0');
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('data folder and desktop probe', () => {
  it('prefers --data, then RIC_DATA, then the platform app-data folder', () => {
    expect(resolveDataDir({ flag: 'a', env: { RIC_DATA: '/b' } })).toBe(path.resolve('a'));
    expect(resolveDataDir({ env: { RIC_DATA: '/b' } })).toBe('/b');
    expect(resolveDataDir({ env: {} })).toBe(defaultDataDir());
    expect(defaultDataDir()).toContain('RIC Studio');
  });

  it('explains why the Electron window cannot open here', () => {
    const probe = probeElectron(root, { DISPLAY: ':0' }, 'linux');
    // No Electron runtime can be downloaded on this machine (ENVIRONMENT.md).
    expect(probe.ok).toBe(false);
    expect(probe.reason).toMatch(/Electron runtime/);
    const fakeRoot = tempDir();
    fs.writeFileSync(path.join(fakeRoot, 'package.json'), '{"name":"x"}');
    const pkg = path.join(fakeRoot, 'node_modules', 'electron');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron","version":"45.5.0"}');
    fs.writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    fs.writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(probeElectron(fakeRoot, {}, 'linux')).toMatchObject({ ok: false, reason: expect.stringContaining('no display') });
    expect(probeElectron(fakeRoot, { DISPLAY: ':1' }, 'linux')).toMatchObject({ ok: true });
    expect(probeElectron(fakeRoot, {}, 'darwin')).toMatchObject({ ok: true });
    fs.rmSync(fakeRoot, { recursive: true, force: true });
  });
});
