// The calling thread's CPU time, for the tensor workers' timings (issue 13). Wall time of a worker's
// share says little on a busy machine — a thread waiting for a core looks like a slow kernel — while its
// CPU time (user + system, memory stalls included) says what the work itself cost. Linux only
// (/proc/thread-self/stat, 10 ms ticks); null elsewhere.
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux build Node supports

export function threadCpuMs(): number | null {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks * TICK_MS : null;
  } catch {
    return null;
  }
}

/** CPU ms of a call by part (`lap(name)` closes the part since the last lap); all null where unknown. */
export class CpuLaps {
  private readonly start = threadCpuMs();
  private last = this.start;
  private readonly byPart: Record<string, number> = {};

  lap(name: string): void {
    const now = threadCpuMs();
    if (now !== null && this.last !== null) this.byPart[name] = (this.byPart[name] ?? 0) + now - this.last;
    this.last = now;
  }

  total(): number | null {
    const now = threadCpuMs();
    return now !== null && this.start !== null ? now - this.start : null;
  }

  parts(): Record<string, number> | null {
    return this.start === null ? null : { ...this.byPart };
  }
}
