// Composes one handler table per feature area into the whole Api implementation.
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { bundlesHandlers } from './bundles.js';
import { captionsHandlers } from './captions.js';
import { clusterHandlers } from './cluster.js';
import { datasetsHandlers } from './datasets.js';
import { demoHandlers } from './demo.js';
import { evalsHandlers } from './evals.js';
import { jobsHandlers } from './jobs.js';
import { editHandlers } from './edit.js';
import { masksHandlers } from './masks.js';
import { resultsHandlers } from './results.js';
import { runsHandlers } from './runs.js';
import { settingsHandlers } from './settings.js';
import { systemHandlers } from './system.js';

export function createHandlers(ctx: AppContext): ApiHandlers {
  return {
    ...systemHandlers(ctx),
    ...settingsHandlers(ctx),
    ...jobsHandlers(ctx),
    ...datasetsHandlers(ctx),
    ...captionsHandlers(ctx),
    ...masksHandlers(ctx),
    ...runsHandlers(ctx),
    ...resultsHandlers(ctx),
    ...editHandlers(ctx),
    ...bundlesHandlers(ctx),
    ...clusterHandlers(ctx),
    ...evalsHandlers(ctx),
    ...demoHandlers(ctx),
  };
}
