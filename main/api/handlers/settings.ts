import { readSettings, writeSettings } from '../../settings/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';

export function settingsHandlers(ctx: AppContext): Pick<ApiHandlers, 'settings.get' | 'settings.update'> {
  return {
    'settings.get': () => readSettings(ctx.store.settings),
    'settings.update': (patch) => {
      writeSettings(ctx.store.settings, patch);
      return readSettings(ctx.store.settings);
    },
  };
}
