// The cluster code's ssh path against a REAL sshd (issue 19): Debian's OpenSSH server on a free port
// of 127.0.0.1, with a host key, a user key, authorized_keys and a client ssh_config all generated
// in a temporary folder (the system's ssh configuration is not read or changed: sshd gets `-f` with
// our file, the client `-F` through the login shell's sshConfigFile). Through it: a script's exit
// code, stdout and stderr come back apart; a folder goes out as a tar stream (sendFolder, what
// staging does) and comes back (fetchFolder, what collect does) byte for byte; a key the server
// does not accept is a clear "cannot reach the login node" error, not a hang or an empty answer.
// Needs sshd and ssh-keygen (openssh-server); without them the suite is skipped, unless under CI
// (RIC_REQUIRE_SLURM=1, which .ci/run sets, or CI): there a missing sshd is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginShell } from '../../../main/cluster/shell.js';
import { fetchFolder, sendFolder } from '../../../main/cluster/stage.js';
import { tempDir } from '../../helpers/app.js';

const sshd = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((f) => fs.existsSync(f));
const haveSsh = sshd !== undefined && ['ssh', 'ssh-keygen'].every((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
const required = process.env['RIC_REQUIRE_SLURM'] === '1' || Boolean(process.env['CI']);

it('has sshd when CI requires it', () => {
  if (required) expect(haveSsh, 'under CI (RIC_REQUIRE_SLURM=1 or CI) but sshd/ssh/ssh-keygen are missing: apt-get install openssh-server').toBe(true);
});

/** A port nobody listens on right now (the kernel's choice). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

const keygen = (file: string) => {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ric-test', '-f', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};

describe.skipIf(!haveSsh)('the cluster login shell over a real sshd', () => {
  const dir = tempDir('ric-sshd-');
  const user = process.env['USER'] ?? spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
  let server: ChildProcess | null = null;
  let port = 0;
  let serverLog = '';
  const clientConfig = path.join(dir, 'ssh_config');

  beforeAll(async () => {
    port = await freePort();
    keygen(path.join(dir, 'host_key'));
    keygen(path.join(dir, 'user_key'));
    keygen(path.join(dir, 'stranger_key'));
    fs.copyFileSync(path.join(dir, 'user_key.pub'), path.join(dir, 'authorized_keys'));
    fs.writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `ListenAddress 127.0.0.1`,
        `Port ${port}`,
        `HostKey ${path.join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The temporary folder sits under a world-writable /tmp, which StrictModes would refuse.
        'StrictModes no',
        `AllowUsers ${user}`,
        '',
      ].join('\n'),
    );
    const hostKey = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
    const client = (key: string) =>
      [
        'Host login-node',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${user}`,
        `  IdentityFile ${path.join(dir, key)}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
        '  StrictHostKeyChecking yes',
        '  GlobalKnownHostsFile /dev/null',
        '',
      ].join('\n');
    fs.writeFileSync(clientConfig, client('user_key'));
    fs.writeFileSync(path.join(dir, 'stranger_config'), client('stranger_key'));
    // sshd run by root wants its privilege-separation folder (the package's service makes it at boot).
    if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    server = spawn(sshd!, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.on('data', (c: Buffer) => (serverLog += c.toString('utf8')));
    // Listening once it says so; an sshd that exits first (a bad config) fails here with its words.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start within 20 s: ${serverLog}`)), 20_000);
      const check = () => {
        if (/Server listening/.test(serverLog)) (clearTimeout(timer), resolve());
      };
      server!.stderr!.on('data', check);
      server!.on('exit', (code) => (clearTimeout(timer), reject(new Error(`sshd exited ${code}: ${serverLog}`))));
    });
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const shell = () => loginShell({ kind: 'ssh', host: 'login-node' }, { sshConfigFile: clientConfig });

  it('runs a script there: exit code, stdout and stderr come back apart, quoting intact', async () => {
    const r = await shell().run(`printf '%s|' "it's" "$(whoami)"; echo 'on stderr' >&2; exit 3`);
    expect(r.code).toBe(3);
    expect(r.stdout.toString('utf8')).toBe(`it's|${user}|`);
    expect(r.stderr).toContain('on stderr');
    expect(shell().where).toBe('ssh login-node');
  });

  it('sends a folder as a tar stream and fetches it back byte for byte', async () => {
    const local = path.join(dir, 'out');
    fs.mkdirSync(path.join(local, 'tasks', '0'), { recursive: true });
    const big = randomBytes(3 * 1024 * 1024 + 17); // past any one pipe buffer
    fs.writeFileSync(path.join(local, 'stage.bin'), big);
    fs.writeFileSync(path.join(local, 'tasks', '0', "name with 'quotes' and spaces.json"), '{"step":4}\n');
    const remote = path.join(dir, 'remote', 'work dir');
    await sendFolder(shell(), local, remote);
    // Buffer.equals: a deep toEqual walks 3 MB element by element (tens of seconds).
    expect(fs.readFileSync(path.join(remote, 'stage.bin')).equals(big)).toBe(true);

    const back = await fetchFolder(shell(), remote, 'tasks');
    try {
      expect(fs.readFileSync(path.join(back, 'tasks', '0', "name with 'quotes' and spaces.json"), 'utf8')).toBe('{"step":4}\n');
    } finally {
      fs.rmSync(back, { recursive: true, force: true });
    }
    await expect(fetchFolder(shell(), remote, 'no-such-folder')).rejects.toThrow(/reading .*no-such-folder on ssh login-node failed/);
  });

  it('a key the server does not accept is a clear error naming the login node', async () => {
    const stranger = loginShell({ kind: 'ssh', host: 'login-node' }, { sshConfigFile: path.join(dir, 'stranger_config') });
    await expect(stranger.run('echo never')).rejects.toThrow(/cannot reach the login node "login-node" over ssh: .*Permission denied/);
  });
});
