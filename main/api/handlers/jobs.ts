import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';

export function jobsHandlers(ctx: AppContext): Pick<ApiHandlers, 'jobs.list'> {
  return {
    'jobs.list': (args) => ctx.store.jobs.list(args.states),
  };
}
