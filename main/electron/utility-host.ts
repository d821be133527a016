// The engine host in the desktop app: Electron's utilityProcess (a Node child the app manages, like
// Actual Budget's server), behind main/jobs' HostSpawner seam so main/jobs stays plain Node.
// utilityProcess reports only an exit code; a kill by the OS (out of memory) shows as a non-zero code.
import { utilityProcess } from 'electron';
import { lowerPriority, type HostSpawner } from '../jobs/index.js';

export const utilityProcessSpawner: HostSpawner = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { serviceName: 'RIC Studio engine host', stdio: 'inherit' });
  child.once('spawn', () => lowerPriority(child.pid));
  return {
    get pid() {
      return child.pid;
    },
    // JSON text, not structured clone: a string is cloned flat, and JSON.parse does not recurse, so a
    // message nested thousands deep from a broken host cannot overflow main's stack while it is
    // deserialised (the same reason forkSpawner uses serialization 'json'); protocol.ts bounds it next.
    send: (message) => child.postMessage(JSON.stringify(message)),
    onMessage: (listener) =>
      void child.on('message', (data: unknown) => {
        if (typeof data !== 'string') return;
        try {
          listener(JSON.parse(data) as unknown);
        } catch {
          // Not JSON: dropped, like any malformed message.
        }
      }),
    onExit: (listener) => void child.once('exit', (code: number) => listener({ code, signal: null })),
    kill: () => void child.kill(),
  };
};
