// The runs Api: list and detail of training runs, decimated metric series, stored samples, the
// pre-flight of a new run (main/jobs/preflight.ts), and the resources of main and the engine host.
import { trainingPreflight } from '../../jobs/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';
import { runEdits } from './run-edits.js';

/** runs.export and runs.import (run bundles) live in bundles.ts. */
type RunsMethods = Exclude<Extract<keyof ApiHandlers, `runs.${string}`>, 'runs.export' | 'runs.import'>;

export function runsHandlers(ctx: AppContext): Pick<ApiHandlers, RunsMethods> {
  const repo = ctx.store.runs;
  const requireRun = (id: number) => {
    if (!repo.exists(id)) throw new ApiError('not_found', `run ${id} not found`);
  };
  return {
    'runs.list': (f) => repo.list(f),
    'runs.get': ({ id }) => {
      const run = repo.get(id);
      if (!run) throw new ApiError('not_found', `run ${id} not found`);
      return run;
    },
    'runs.series': ({ runId, keys, width, fromStep, toStep }) => {
      requireRun(runId);
      return { runId, series: keys.map((key) => repo.series(runId, key, width, fromStep, toStep)) };
    },
    'runs.samples': ({ runId, step }) => {
      requireRun(runId);
      return repo.samples(runId, step);
    },
    'runs.edits': ({ runIds, step }) => runEdits(ctx.store, runIds, step),
    'runs.preflight': ({ kind, params }) => trainingPreflight(ctx.store, kind, params),
    'runs.resources': async () => {
      const mem = process.memoryUsage();
      const host = await ctx.jobs.hostResources('gpu');
      return {
        main: { pid: process.pid, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
        host,
        note: host ? null : 'no training engine host is running (it starts with the next training job)',
      };
    },
  };
}
