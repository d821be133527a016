// Settings: read, change (model folders checked before anything is stored), check one model
// folder, and test a VLM endpoint with one tiny request.
import type { ModelFolders } from '../../../shared/api/settings.js';
import { testVlmConnection } from '../../captions/connection.js';
import { modelFolderProblem } from '../../settings/checks.js';
import { readSettings, vlmApiKeyFor, writeSettings } from '../../settings/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type SettingsMethods = 'settings.get' | 'settings.update' | 'settings.checkModelFolder' | 'settings.testVlm';

export function settingsHandlers(ctx: AppContext): Pick<ApiHandlers, SettingsMethods> {
  return {
    'settings.get': () => readSettings(ctx.store.settings),
    'settings.update': async (patch) => {
      // Only folders that change are checked: a setting saved earlier does not block other changes.
      const saved = readSettings(ctx.store.settings).modelFolders;
      const issues: { path: string[]; message: string }[] = [];
      for (const [kind, folder] of Object.entries(patch.modelFolders ?? {}) as [keyof ModelFolders, string | null | undefined][]) {
        if (folder === null || folder === undefined || folder === saved[kind]) continue;
        const problem = await modelFolderProblem(kind, folder);
        if (problem !== null) issues.push({ path: ['modelFolders', kind], message: problem });
      }
      if (issues.length > 0) throw new ApiError('invalid_args', `Not saved: ${issues.map((i) => i.message).join('; ')}`, issues);
      writeSettings(ctx.store.settings, patch);
      return readSettings(ctx.store.settings);
    },
    'settings.checkModelFolder': async ({ kind, path }) => {
      const problem = await modelFolderProblem(kind, path);
      return { ok: problem === null, message: problem ?? 'The folder holds the expected model.' };
    },
    'settings.testVlm': ({ baseUrl, model, apiKey }) => {
      // The saved key goes only to the endpoint it was pinned to (settings/index.ts, issue 10);
      // another URL gets only a key typed for it.
      return testVlmConnection({ baseUrl, model, apiKey: apiKey ?? vlmApiKeyFor(ctx.store.settings, baseUrl) });
    },
  };
}
