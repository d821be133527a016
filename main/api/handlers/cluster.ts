// The cluster Api (issue 19): profiles in Settings, matrix preview, submit, follow, cancel,
// resubmit, collect. Expected failures (bad matrix, unreachable login node, unknown partition,
// unwritable work folder, a bad bundle) become clear Api errors; anything else is a bug.
import { mergeTrainingConfig } from '../../cluster/configs.js';
import { BundleError, ClusterError, ClusterService, MatrixError } from '../../cluster/service.js';
import { deleteClusterProfile, readClusterProfiles, saveClusterProfile } from '../../settings/cluster.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type ClusterMethods = Extract<keyof ApiHandlers, `cluster.${string}`>;

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MatrixError || err instanceof BundleError) throw new ApiError('invalid_args', err.message);
    if (err instanceof ClusterError) throw new ApiError('failed_precondition', err.message);
    throw err;
  }
}

/** How often the app polls submissions that have tasks queued or running (one ssh round trip each). */
const FOLLOW_MS = 10_000;

/**
 * In the desktop and web app, submitted matrices are followed without anyone asking: their tasks'
 * states and metric points reach the runs list and the live monitor (metric.batch events) within
 * ~10 s. The CLI follows only when `ric cluster status` asks.
 */
function startFollower(ctx: AppContext, service: ClusterService): void {
  if (ctx.mode === 'in-process') return;
  let busy = false;
  let lastError = '';
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    service
      .followActive()
      .then(() => (lastError = ''))
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        // The app closed its store: nothing left to follow.
        if (/database connection is not open/.test(message)) return clearInterval(timer);
        if (message !== lastError) process.stderr.write(`[cluster] following submissions: ${message}\n`);
        lastError = message;
      })
      .finally(() => (busy = false));
  }, FOLLOW_MS);
  timer.unref();
}

export function clusterHandlers(ctx: AppContext): Pick<ApiHandlers, ClusterMethods> {
  const service = new ClusterService(ctx.store, ctx.events, mergeTrainingConfig, ctx.appVersion);
  startFollower(ctx, service);
  const exists = (id: number) => {
    if (!ctx.store.cluster.get(id)) throw new ApiError('not_found', `cluster submission ${id} not found`);
  };
  return {
    'cluster.profiles': () => readClusterProfiles(ctx.store.settings).profiles,
    'cluster.saveProfile': (p) => saveClusterProfile(ctx.store.settings, p),
    'cluster.deleteProfile': ({ name }) => {
      if (!readClusterProfiles(ctx.store.settings).profiles.some((p) => p.name === name)) throw new ApiError('not_found', `no cluster profile "${name}"`);
      return deleteClusterProfile(ctx.store.settings, name);
    },
    'cluster.preview': ({ matrix, profile }) => guarded(() => service.preview(matrix, profile)),
    'cluster.submit': ({ matrix, profile }) => guarded(() => service.submit(matrix, profile)),
    'cluster.submissions': () => service.list(),
    'cluster.poll': ({ id }) => {
      exists(id);
      return guarded(() => service.poll(id));
    },
    'cluster.cancel': ({ id, tasks }) => {
      exists(id);
      return guarded(() => service.cancel(id, tasks));
    },
    'cluster.resubmit': ({ id, tasks }) => {
      exists(id);
      return guarded(() => service.resubmit(id, tasks));
    },
    'cluster.collect': ({ id }) => {
      exists(id);
      return guarded(() => service.collect(id));
    },
  };
}
