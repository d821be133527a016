import path from 'node:path';
import { projectRoot } from '../../paths.js';
import { CliError } from '../output.js';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  /** Host names the browser may use besides loopback and --host (DNS-rebinding guard). */
  allowHosts?: string[];
  /** Why web mode was started instead of the desktop window (from `npm start`). */
  reason?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function serve(options: ServeOptions): Promise<void> {
  // The app and the web server (ws and the rest) load when serving starts, not with every `ric`.
  const [{ openApp }, { startWebServer }] = await Promise.all([import('../../app.js'), import('../../api/transports/http.js')]);
  const app = openApp({ dataDir: options.dataDir, mode: 'web' });
  const rendererDir = path.join(projectRoot(), 'dist', 'renderer');
  let server;
  try {
    server = await startWebServer({
      dispatcher: app.dispatcher,
      events: app.events,
      blobs: app.store.blobs,
      rendererDir,
      host: options.host,
      port: options.port,
      allowHosts: options.allowHosts ?? [],
    });
  } catch (err) {
    app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${options.port} on ${options.host} is in use: choose another with --port N (0 picks a free one)`);
    throw err;
  }
  const out = process.stdout;
  if (options.reason) out.write(`${options.reason}\n\n`);
  if (!LOOPBACK.has(options.host)) {
    process.stderr.write(
      `WARNING: listening on ${options.host}, not loopback: anyone who can reach this machine and learns the token ` +
        `can use the workstation. Prefer the default 127.0.0.1 with an SSH tunnel (ssh -L ${server.port}:127.0.0.1:${server.port} host).\n`,
    );
  }
  out.write(`RIC Studio (web mode) — data in ${options.dataDir}\n`);
  out.write(`Open: ${server.urlWithToken}\n`);
  out.write('The token in that URL is new on every start and required for every request. Ctrl+C stops.\n');

  const stop = () => {
    void server.close().then(() => {
      app.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
