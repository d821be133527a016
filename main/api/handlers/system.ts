import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';

export function systemHandlers(ctx: AppContext): Pick<ApiHandlers, 'system.info' | 'system.ping'> {
  return {
    'system.info': () => ({
      appVersion: ctx.appVersion,
      mode: ctx.mode,
      dataDir: ctx.store.dataDir,
      databaseFile: ctx.store.databaseFile,
      schemaVersion: ctx.store.schemaVersion(),
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      tensorBackend: ctx.tensorBackend(),
      startedAt: ctx.startedAt,
    }),
    'system.ping': (args) => ({ ...(args.echo !== undefined ? { echo: args.echo } : {}), time: Date.now() }),
  };
}
