import { useEffect, useState } from 'react';
import type { Theme } from '../../../shared/api/settings';
import { useApi, useConnection, useQuery } from '../api/ApiProvider';

const CONNECTION_TEXT = { connected: 'connected', connecting: 'connecting…', disconnected: 'disconnected' } as const;

export function StatusBar({ theme, onToggleTheme }: { theme: Theme; onToggleTheme: () => void }) {
  const api = useApi();
  const connection = useConnection();
  const system = useQuery('system.info', {});
  const settings = useQuery('settings.get', {});
  const [running, setRunning] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    const refresh = () =>
      api.call('jobs.list', { states: ['running'] }).then(
        (jobs) => live && setRunning(jobs.length),
        () => live && setRunning(null),
      );
    void refresh();
    const off = api.on('job.progress', () => void refresh());
    const timer = setInterval(() => void refresh(), 5000);
    return () => {
      live = false;
      off();
      clearInterval(timer);
    };
  }, [api]);

  const backend = system.data?.tensorBackend ?? (settings.data ? `${settings.data.tensorBackend} (not started)` : '…');
  return (
    <footer className="status-bar" aria-label="Status">
      <span data-testid="status-backend" title="Tensor backend">
        backend: {backend}
      </span>
      <span data-testid="status-jobs">jobs running: {running ?? '–'}</span>
      <span
        data-testid="status-connection"
        className={`connection connection-${connection.state}`}
        title={connection.kind === 'ipc' ? 'Electron IPC' : 'HTTP + WebSocket (web mode)'}
      >
        <span className="dot" aria-hidden="true" /> {connection.kind === 'ipc' ? 'desktop' : 'web'} ·{' '}
        {CONNECTION_TEXT[connection.state]}
      </span>
      <span className="spacer" />
      {system.data ? <span className="muted">data: {system.data.dataDir}</span> : null}
      <button type="button" className="link-button" onClick={onToggleTheme} aria-label="Toggle colour theme">
        {theme === 'dark' ? 'light theme' : 'dark theme'}
      </button>
    </footer>
  );
}
