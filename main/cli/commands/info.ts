import { printResult, type OutputOptions } from '../output.js';
import { withApi } from '../session.js';

export async function info(dataDir: string, options: OutputOptions): Promise<void> {
  const { system, settings } = await withApi(dataDir, async (api) => ({ system: await api.call('system.info', {}), settings: await api.call('settings.get', {}) }));
  printResult(options, { system, settings }, () =>
    [
      `RIC Studio ${system.appVersion}`,
      `data folder     ${system.dataDir}`,
      `database        ${system.databaseFile} (schema v${system.schemaVersion})`,
      `tensor backend  ${settings.tensorBackend}${system.tensorBackend ? ` (active: ${system.tensorBackend})` : ''}`,
      `VLM endpoint    ${settings.vlm.baseUrl ?? '(not set)'}${settings.vlm.model ? ` model ${settings.vlm.model}` : ''}`,
      ...Object.entries(settings.modelFolders).map(([k, v]) => `model ${k.padEnd(9)} ${v ?? '(not set)'}`),
    ].join('\n'),
  );
}
