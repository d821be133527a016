// The runs Api: list and detail of training runs, decimated metric series, stored samples, and
// the resources of main and the engine host.
import { RunsRepo, SeriesReader } from '../../jobs/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type RunsMethods = Extract<keyof ApiHandlers, `runs.${string}`>;

export function runsHandlers(ctx: AppContext): Pick<ApiHandlers, RunsMethods> {
  const repo = new RunsRepo(ctx.store.db);
  const series = new SeriesReader(ctx.store.db);
  const requireRun = (id: number) => {
    const exists = ctx.store.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id);
    if (!exists) throw new ApiError('not_found', `run ${id} not found`);
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
      return { runId, series: keys.map((key) => series.series(runId, key, width, fromStep, toStep)) };
    },
    'runs.samples': ({ runId, step }) => {
      requireRun(runId);
      return repo.samples(runId, step);
    },
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
