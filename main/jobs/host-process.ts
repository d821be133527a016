// Starting an engine host process, behind a small interface: child_process.fork in web mode, the
// CLI and tests; Electron's utilityProcess in the desktop app (main/electron/utility-host.ts).
// EngineHost adds what main needs on top: start on demand, typed messages, exit reasons.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../paths.js';
import { CHANNEL_ENV, CHANNEL_FD, lineChannel } from './line-channel.js';
import { checkHostMessage, fromHostSchema, HOST_MESSAGE_BOUNDS, type FromHost, type HostResources, type ToHost } from './protocol.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ToHost): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Lines the channel could not read as a message (not JSON, over the bound), where it frames them. */
  onBadMessage?(listener: (reason: string) => void): void;
  onExit(listener: (info: ExitInfo) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type HostSpawner = (entry: string, args: string[]) => HostProcess;

/**
 * Engine hosts run below main's CPU priority: when training saturates the cores, the process that
 * answers the window and the Api still gets scheduled first (the event-loop goal of issue 6).
 */
export const HOST_NICE = 10;

export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, Math.min(19, os.getPriority(process.pid) + HOST_NICE));
  } catch {
    // Not permitted on this system: the host runs at main's priority.
  }
}

/**
 * A plain Node child whose channel is our own line channel on fd 3 (line-channel.ts), not Node's IPC:
 * Node parses IPC messages where a throw cannot be caught, so one malformed message from a broken
 * host would end main (issue 10).
 */
export const forkSpawner: HostSpawner = (entry, args) => {
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [CHANNEL_ENV]: String(CHANNEL_FD) },
  });
  lowerPriority(child.pid);
  const pipe = child.stdio[CHANNEL_FD] as Duplex;
  const listeners: ((m: unknown) => void)[] = [];
  const bad: ((reason: string) => void)[] = [];
  const send = lineChannel(pipe, pipe, HOST_MESSAGE_BOUNDS.maxBytes, {
    onMessage: (m) => listeners.forEach((fn) => fn(m)),
    onBadLine: (reason) => bad.forEach((fn) => fn(reason)),
  });
  child.on('error', () => undefined); // a failed spawn shows as 'exit'
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => void send(m),
    onMessage: (fn) => void listeners.push(fn),
    onBadMessage: (fn) => void bad.push(fn),
    onExit: (fn) => void child.once('exit', (code, signal) => fn({ code, signal })),
    kill: (signal) => void child.kill(signal),
  };
};

/** The host's script: next to this file when built; from dist/ when main runs from source (vitest). */
export function hostEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.ts')
    ? path.join(projectRoot(), 'dist', 'main', 'jobs', 'host', 'main.js')
    : path.join(path.dirname(here), 'host', 'main.js');
  if (!fs.existsSync(entry)) throw new Error(`the engine host script ${entry} is missing: build first (npx tsc -b)`);
  return entry;
}

export function describeExit(info: ExitInfo): string {
  if (info.signal) return `the engine host was killed by ${info.signal}${info.signal === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''}`;
  return `the engine host exited with code ${info.code ?? '?'}`;
}

export interface EngineHostHandlers {
  onMessage(message: FromHost): void;
  onExit(info: ExitInfo): void;
}

/** One engine host process, started on demand and again after it died. */
export class EngineHost {
  private proc: HostProcess | null = null;
  private requests = new Map<number, (r: HostResources | null) => void>();
  private nextRequest = 1;

  constructor(
    readonly lane: string,
    private readonly spawner: HostSpawner,
    private readonly entry: () => string,
    private readonly dataDir: string,
    private readonly handlers: EngineHostHandlers,
    private readonly log: (line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get alive(): boolean {
    return this.proc !== null;
  }

  send(message: ToHost): void {
    const violation = checkHostMessage(message, `the ${message.type} message to the ${this.lane} engine host`);
    if (violation) {
      // Never sent: a job whose parameters cannot cross ends failed here, instead of crashing the
      // host on every resume.
      this.log(`[jobs] ${violation.message}`);
      if (message.type === 'start') {
        this.handlers.onMessage({ type: 'finished', jobId: message.jobId, state: 'failed', error: `job parameters refused: ${violation.message}`, stack: null, result: null });
      }
      return;
    }
    this.ensure().send(message);
  }

  /** Asks the host for its memory; null when it is not running or does not answer in time. */
  resources(timeoutMs = 1000): Promise<HostResources | null> {
    if (!this.proc) return Promise.resolve(null);
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        resolve(null);
      }, timeoutMs);
      this.requests.set(requestId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.proc!.send({ type: 'resources', requestId });
    });
  }

  /** Asks the host to flush and exit; kills it if it does not within the grace period. */
  async stop(graceMs = 3000): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve();
      }, graceMs);
      proc.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      proc.send({ type: 'shutdown' });
    });
  }

  private ensure(): HostProcess {
    if (this.proc) return this.proc;
    const proc = this.spawner(this.entry(), [this.dataDir, `--lane=${this.lane}`]);
    this.proc = proc;
    proc.onMessage((raw) => {
      const violation = checkHostMessage(raw, `a message from the ${this.lane} engine host`);
      if (violation) {
        this.log(`[jobs] dropped ${violation.message}`);
        return;
      }
      const parsed = fromHostSchema.safeParse(raw);
      if (!parsed.success) {
        this.log(`[jobs] dropped a malformed message from the ${this.lane} engine host: ${parsed.error.message}`);
        return;
      }
      const m = parsed.data;
      if (m.type === 'resources') {
        this.requests.get(m.requestId)?.(m.resources);
        this.requests.delete(m.requestId);
        return;
      }
      this.handlers.onMessage(m);
    });
    proc.onBadMessage?.((reason) => this.log(`[jobs] dropped ${reason} from the ${this.lane} engine host`));
    proc.onExit((info) => {
      if (this.proc === proc) this.proc = null;
      for (const resolve of this.requests.values()) resolve(null);
      this.requests.clear();
      this.handlers.onExit(info);
    });
    return proc;
  }
}
