// The composition root: one store, one event hub, one dispatcher — shared by every transport.
import type { AppContext } from './api/context.js';
import { createDispatcher, type Dispatcher } from './api/dispatcher.js';
import { EventHub } from './events/index.js';
import { createHandlers } from './api/handlers/index.js';
import { createInProcessTransport } from './api/transports/in-process.js';
import { DemoService } from './demo/chain.js';
import { createApiClient } from '../shared/api/client.js';
import { JobManager, type HostSpawner } from './jobs/index.js';
import { appVersion } from './paths.js';
import { openStore, type Store } from './store/index.js';

export interface App {
  readonly context: AppContext;
  readonly store: Store;
  readonly events: EventHub;
  readonly dispatcher: Dispatcher;
  /** At once (a window closing): running jobs end interrupted, the engine hosts are told to exit. */
  close(): void;
  /** When there is time (a command ending): the engine hosts flush and exit first, then the store closes. */
  shutdown(): Promise<void>;
}

/** How long after start the orphan blob sweep begins. */
const SWEEP_DELAY_MS = 5000;

export interface OpenAppOptions {
  dataDir: string;
  mode: AppContext['mode'];
  log?: (line: string) => void;
  /** How engine hosts start: Electron passes its utilityProcess spawner; default child_process.fork. */
  hostSpawner?: HostSpawner;
}

export function openApp(options: OpenAppOptions): App {
  const store = openStore(options.dataDir);
  const events = new EventHub();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The queue starts with the app in desktop and web mode (recovering interrupted jobs, running
  // queued ones); in the CLI and tests only when something uses it.
  let jobs: JobManager | null = null;
  const jobManager = () =>
    (jobs ??= new JobManager(store, events, { log, codeVersion: appVersion(), ...(options.hostSpawner ? { spawner: options.hostSpawner } : {}) }));
  let demo: DemoService | null = null;
  const demoService = () =>
    (demo ??= new DemoService({
      store,
      dataDir: options.dataDir,
      api: () => createApiClient(createInProcessTransport(dispatcher, events)),
      emit: (id, state) => events.emit('demo.changed', { id, state }),
      queue: () => void jobManager(),
      log,
    }));
  const context: AppContext = {
    appVersion: appVersion(),
    mode: options.mode,
    startedAt: new Date().toISOString(),
    store,
    events,
    get jobs() {
      return jobManager();
    },
    get demo() {
      return demoService();
    },
    // The engine runs in the host: its backend is known once a job there has started one.
    tensorBackend: () => jobs?.backend ?? null,
  };
  try {
    if (options.mode !== 'in-process') jobManager();
  } catch (err) {
    // The queue's first writes (recovering jobs of a process that died) meet a full or read-only disk.
    store.close();
    throw store.fault(err, 'open') ?? err;
  }
  // Blob files a killed process queued for removal go now (cheap); orphans are swept a little later,
  // in the background, so a short command is not kept waiting (main/store/blobs/sweep.ts).
  store.blobs.emptyTrash();
  const sweeping = new AbortController();
  const sweepTimer = setTimeout(() => {
    store.sweepBlobs({ signal: sweeping.signal }).then(
      (r) => {
        if (r.orphanRows + r.orphanFiles + r.tmpFiles + r.trashRemoved > 0) {
          log(`[store] blob sweep: ${r.trashRemoved} queued files, ${r.orphanRows} unused blobs, ${r.orphanFiles} files without a row, ${r.tmpFiles} temporary files removed`);
        }
      },
      (err: unknown) => log(`[store] blob sweep stopped: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, SWEEP_DELAY_MS);
  sweepTimer.unref();
  const stopSweep = () => {
    clearTimeout(sweepTimer);
    sweeping.abort();
  };
  const dispatcher = createDispatcher(createHandlers(context), {
    storeFault: (err) => store.fault(err)?.message ?? null,
    onInternalError: (method, err) =>
      log(`[api] ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  });
  return {
    context,
    store,
    events,
    dispatcher,
    close: () => {
      stopSweep();
      demo?.close();
      jobs?.closeNow();
      store.close();
    },
    shutdown: async () => {
      stopSweep();
      demo?.close();
      await jobs?.close();
      store.close();
    },
  };
}
