// A typed client over any transport. Transports are generic: they move a method name and
// arguments one way and an ApiResult back, and deliver event envelopes.
import { ApiCallError, apiResultSchema, type ApiResult } from './contract.js';
import {
  isApiEventName,
  type ApiArgs,
  type ApiEventName,
  type ApiEventPayload,
  type ApiMethodName,
  type ApiReturn,
} from './index.js';

export interface ApiTransport {
  call(method: string, args: unknown): Promise<ApiResult>;
  /** Subscribe to every event this transport delivers; returns the unsubscribe function. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

export interface ApiClient {
  call<M extends ApiMethodName>(method: M, args: ApiArgs<M>): Promise<ApiReturn<M>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void;
}

export function createApiClient(transport: ApiTransport): ApiClient {
  return {
    async call(method, args) {
      const raw = await transport.call(method, args);
      const result = apiResultSchema.parse(raw);
      if (!result.ok) throw new ApiCallError(result.error);
      // The main side validated the value against the method's result schema before sending it.
      return result.value as never;
    },
    on(event, listener) {
      if (!isApiEventName(event)) throw new Error(`unknown event "${String(event)}"`);
      return transport.subscribe((name, payload) => {
        if (name === event) listener(payload as never);
      });
    },
  };
}
