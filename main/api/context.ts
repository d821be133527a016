import type { TensorBackendName } from '../../shared/api/index.js';
import type { Store } from '../store/index.js';
import type { EventHub } from './event-hub.js';

/** What handlers can reach. Built once by `openApp`. */
export interface AppContext {
  readonly appVersion: string;
  readonly mode: 'desktop' | 'web' | 'in-process';
  readonly startedAt: string;
  readonly store: Store;
  readonly events: EventHub;
  /** The engine's active tensor backend, or null while no engine has started. */
  tensorBackend(): TensorBackendName | null;
}
