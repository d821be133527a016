// Run bundles over the Api (issue 19): `ric export run` / `ric import run`, and what `cluster
// collect` does for each finished task. Errors in a bundle are the caller's input: invalid_args.
import { BundleError, importRunBundle, writeRunBundle } from '../../cluster/bundle.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

export function asApiError(err: unknown, code: 'invalid_args' | 'failed_precondition' | 'unavailable' = 'invalid_args'): never {
  if (err instanceof BundleError) throw new ApiError(code, err.message);
  throw err;
}

export function bundlesHandlers(ctx: AppContext): Pick<ApiHandlers, 'runs.export' | 'runs.import'> {
  return {
    'runs.export': async ({ id, path, checkpoints, results }) => {
      if (!ctx.store.runs.exists(id)) throw new ApiError('not_found', `run ${id} not found`);
      return writeRunBundle(ctx.store, id, path, checkpoints, { results }).catch((err: unknown) => asApiError(err, 'failed_precondition'));
    },
    'runs.import': async ({ path, results }) => importRunBundle(ctx.store, path, { results }).catch((err: unknown) => asApiError(err)),
  };
}
