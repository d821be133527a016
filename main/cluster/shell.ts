// A shell on the cluster's login node (issue 19): `bash -c` on this machine when the app runs on the
// login node, else `ssh` with the user's own configuration (keys, agent, jump hosts; BatchMode, so a
// password prompt fails instead of hanging). Every Slurm command and every file transfer goes
// through `run`: a script in, exit code and output out; files move as a tar stream on stdin/stdout.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ClusterLogin } from '../../shared/api/index.js';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

export interface ShellResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Fed to the script's stdin (a tar stream when staging). */
  stdin?: Readable;
  /** The script's stdout goes here instead of being collected (a tar stream when fetching). */
  stdout?: Writable;
  timeoutMs?: number;
}

export interface LoginShell {
  /** "this machine" or "ssh HOST", for messages. */
  readonly where: string;
  run(script: string, options?: RunOptions): Promise<ShellResult>;
}

/** One argument for a POSIX shell, single-quoted. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const MAX_OUTPUT = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

export interface ShellOptions {
  /**
   * An ssh_config file to use instead of ~/.ssh/config (`ssh -F`): RIC_SSH_CONFIG by default, for a
   * cluster whose keys and jump hosts live in a file of their own (and the tests' throwaway sshd).
   */
  sshConfigFile?: string | undefined;
}

export function loginShell(login: ClusterLogin, shellOptions: ShellOptions = {}): LoginShell {
  const where = login.kind === 'local' ? 'this machine' : `ssh ${login.host}`;
  const configFile = shellOptions.sshConfigFile ?? (process.env['RIC_SSH_CONFIG'] || undefined);
  const command = (script: string): [string, string[]] =>
    login.kind === 'local'
      ? ['bash', ['-c', script]]
      : [
          'ssh',
          [
            ...(configFile ? ['-F', configFile] : []),
            '-o', 'BatchMode=yes',
            '-o', 'ConnectTimeout=15',
            '-o', 'ServerAliveInterval=15',
            ...(login.port ? ['-p', String(login.port)] : []),
            '--',
            login.host,
            `bash -c ${shq(script)}`,
          ],
        ];
  return {
    where,
    run(script, options = {}) {
      const [file, args] = command(script);
      return new Promise((resolve, reject) => {
        const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let outBytes = 0;
        let err = '';
        let settled = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          finish(() => reject(new ClusterError(`the login node (${where}) did not answer within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`)));
        }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        child.on('error', (e) => finish(() => reject(new ClusterError(`cannot start ${file} to reach the login node: ${e.message}`))));
        if (options.stdout) child.stdout.pipe(options.stdout);
        else
          child.stdout.on('data', (chunk: Buffer) => {
            outBytes += chunk.length;
            if (outBytes > MAX_OUTPUT) {
              child.kill('SIGKILL');
              finish(() => reject(new ClusterError(`the login node (${where}) sent more than ${MAX_OUTPUT} bytes of output`)));
            } else out.push(chunk);
          });
        child.stderr.on('data', (chunk: Buffer) => {
          if (err.length < 1_000_000) err += chunk.toString('utf8');
        });
        if (options.stdin) {
          options.stdin.on('error', (e) => {
            child.kill('SIGKILL');
            finish(() => reject(new ClusterError(`sending files to ${where} failed: ${e.message}`)));
          });
          options.stdin.pipe(child.stdin);
        } else child.stdin.end();
        child.stdin.on('error', () => undefined);
        child.on('close', (code) => {
          finish(() => {
            // ssh itself exits 255 when it cannot connect or authenticate (the script's own codes are below).
            if (login.kind === 'ssh' && code === 255) {
              reject(new ClusterError(`cannot reach the login node "${login.host}" over ssh: ${lastLine(err) || 'ssh exited 255'}`));
            } else resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err });
          });
        });
      });
    },
  };
}
