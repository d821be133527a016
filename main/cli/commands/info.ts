import { createApiClient } from '../../../shared/api/client.js';
import { openApp } from '../../app.js';
import { createInProcessTransport } from '../../api/transports/in-process.js';
import { printResult, type OutputOptions } from '../output.js';

export async function info(dataDir: string, options: OutputOptions): Promise<void> {
  const app = openApp({ dataDir, mode: 'in-process' });
  try {
    const client = createApiClient(createInProcessTransport(app.dispatcher, app.events));
    const system = await client.call('system.info', {});
    const settings = await client.call('settings.get', {});
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
  } finally {
    app.close();
  }
}
