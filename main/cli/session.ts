// The command line's one way into the workstation: an App on the data folder and the typed Api
// client over the in-process transport — the same handlers the window and web mode call, so a
// command and a button cannot disagree. Commands get the client, never the store or the queue
// (test/layers checks it); a command that needs more adds an Api method.
import { createApiClient, type ApiClient } from '../../shared/api/client.js';

/**
 * Runs `fn` with an Api client on the data folder; afterwards the engine hosts it started stop.
 * The app (store, handlers and what they need) loads here, not when the command module does, so
 * `ric --help` and a command's argument errors do not pay for it.
 */
export async function withApi<T>(dataDir: string, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const [{ openApp }, { createInProcessTransport }] = await Promise.all([import('../app.js'), import('../api/transports/in-process.js')]);
  const app = openApp({ dataDir, mode: 'in-process' });
  try {
    return await fn(createApiClient(createInProcessTransport(app.dispatcher, app.events)));
  } finally {
    await app.shutdown();
  }
}
