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
    send: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', (code: number) => listener({ code, signal: null })),
    kill: () => void child.kill(),
  };
};
