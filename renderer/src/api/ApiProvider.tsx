import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient } from '../../../shared/api/client';
import type { ApiArgs, ApiMethodName, ApiReturn } from '../../../shared/api/index';
import type { ConnectionState, RendererTransport } from './transport';

interface ApiContextValue {
  client: ApiClient;
  transport: RendererTransport;
}

const ApiContext = createContext<ApiContextValue | null>(null);

export function ApiProvider({ transport, children }: { transport: RendererTransport; children: ReactNode }) {
  const [value] = useState(() => ({ client: createApiClient(transport), transport }));
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const ctx = useContext(ApiContext);
  if (!ctx) throw new Error('useApi outside <ApiProvider>');
  return ctx.client;
}

/** URL of a stored image by content hash (web mode: /blob/<sha>, desktop: ric://blob/<sha>). */
export function useBlobUrl(): (sha256: string) => string {
  const ctx = useContext(ApiContext);
  if (!ctx) throw new Error('useBlobUrl outside <ApiProvider>');
  return ctx.transport.blobUrl;
}

export function useConnection(): { kind: 'ipc' | 'http'; state: ConnectionState } {
  const ctx = useContext(ApiContext);
  if (!ctx) throw new Error('useConnection outside <ApiProvider>');
  const [state, setState] = useState(ctx.transport.connection());
  useEffect(() => {
    const off = ctx.transport.onConnectionChange(setState);
    // The socket may have opened between the first render and this subscription.
    setState(ctx.transport.connection());
    return off;
  }, [ctx.transport]);
  return { kind: ctx.transport.kind, state };
}

export interface Query<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Calls a method when its arguments change; `reload()` calls it again. */
export function useQuery<M extends ApiMethodName>(method: M, args: ApiArgs<M>): Query<ApiReturn<M>> {
  const client = useApi();
  const key = JSON.stringify(args);
  const [state, setState] = useState<{ data?: ApiReturn<M>; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    client.call(method, JSON.parse(key) as ApiArgs<M>).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [client, method, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
