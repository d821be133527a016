import type { TensorBackendName } from '../../shared/api/index.js';
import type { DemoService } from '../demo/chain.js';
import type { JobManager } from '../jobs/manager.js';
import type { Store } from '../store/index.js';
import type { EventHub } from '../events/index.js';

/** What handlers can reach. Built once by `openApp`. */
export interface AppContext {
  readonly appVersion: string;
  readonly mode: 'desktop' | 'web' | 'in-process';
  readonly startedAt: string;
  readonly store: Store;
  readonly events: EventHub;
  /** The persisted job queue and its engine hosts (started on first use in the CLI and tests). */
  readonly jobs: JobManager;
  /** The demo chain's driver (issue 18): one client more of this app's own Api. */
  readonly demo: DemoService;
  /** The engine's active tensor backend, or null while no engine has started. */
  tensorBackend(): TensorBackendName | null;
}
