// The desktop spawner adapts Electron's utilityProcess to main/jobs' HostProcess seam (electron is
// mocked: no Electron binary can be had here, ENVIRONMENT.md).
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

const forks: { entry: string; args: string[]; options: unknown; child: FakeChild }[] = [];
class FakeChild extends EventEmitter {
  pid = 4242;
  sent: unknown[] = [];
  killed = false;
  postMessage(m: unknown) {
    this.sent.push(m);
  }
  kill() {
    this.killed = true;
    return true;
  }
}
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (entry: string, args: string[], options: unknown) => {
      const child = new FakeChild();
      forks.push({ entry, args, options, child });
      return child;
    },
  },
}));

describe('utilityProcess spawner', () => {
  it('forks the host script with the data folder and relays messages and exit codes', async () => {
    const { utilityProcessSpawner } = await import('../../../main/electron/utility-host.js');
    const host = utilityProcessSpawner('/app/dist/main/jobs/host/main.js', ['/data', '--lane=gpu']);
    expect(forks[0]).toMatchObject({ entry: '/app/dist/main/jobs/host/main.js', args: ['/data', '--lane=gpu'] });
    expect(host.pid).toBe(4242);
    host.send({ type: 'cancel', jobId: 3 });
    // Messages cross as JSON text (a string is cloned flat; JSON.parse does not recurse).
    expect(forks[0]!.child.sent).toEqual([JSON.stringify({ type: 'cancel', jobId: 3 })]);
    const got: unknown[] = [];
    host.onMessage((m) => got.push(m));
    forks[0]!.child.emit('message', JSON.stringify({ type: 'ready', pid: 4242 }));
    expect(got).toEqual([{ type: 'ready', pid: 4242 }]);
    // Not text, or not JSON: dropped without a throw. 100 000 levels deep: parsed without recursion.
    forks[0]!.child.emit('message', { type: 'ready', pid: 1 });
    forks[0]!.child.emit('message', '{"type":');
    expect(got).toHaveLength(1);
    forks[0]!.child.emit('message', '['.repeat(100_000) + ']'.repeat(100_000));
    expect(got).toHaveLength(2);
    const exits: unknown[] = [];
    host.onExit((e) => exits.push(e));
    forks[0]!.child.emit('exit', 137);
    expect(exits).toEqual([{ code: 137, signal: null }]);
    host.kill();
    expect(forks[0]!.child.killed).toBe(true);
  });
});
