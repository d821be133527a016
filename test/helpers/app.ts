// A real App (SQLite store, dispatcher, events) on a temporary data folder, for tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import { openApp, type App } from '../../main/app.js';
import { createInProcessTransport } from '../../main/api/transports/in-process.js';

export interface TestApp {
  app: App;
  client: ApiClient;
  dataDir: string;
  close(): void;
}

export function tempDir(prefix = 'ric-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function openTestApp(dataDir = tempDir()): TestApp {
  const logs: string[] = [];
  const app = openApp({ dataDir, mode: 'in-process', log: (l) => logs.push(l) });
  const client = createApiClient(createInProcessTransport(app.dispatcher, app.events));
  return {
    app,
    client,
    dataDir,
    close() {
      app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
