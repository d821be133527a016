// Validates every call at the main-side boundary and turns every outcome into an ApiResult.
// A bad payload is a typed `invalid_args` (or `too_large`) error; a handler bug is `internal`;
// nothing throws out. Every transport (in-process, IPC, HTTP, WebSocket) ends here, so the size
// and depth bounds of shared/api/bounds.ts are checked here once for all of them, before the
// schema or a handler sees the arguments.
import type { z } from 'zod';
import {
  API_BOUNDS,
  apiMethods,
  checkValue,
  isApiMethodName,
  type ApiMethodName,
  type ApiMethods,
  type ApiParsedArgs,
  type ApiResult,
} from '../../shared/api/index.js';
import { issueSentence, plainIssueMessage } from '../../shared/api/wording.js';
import { ApiError } from './errors.js';

export interface CallContext {
  /** Which transport the call came through, for logs. */
  transport: 'in-process' | 'ipc' | 'http';
}

export type ApiHandlers = {
  [M in ApiMethodName]: (
    args: ApiParsedArgs<M>,
    ctx: CallContext,
  ) => Promise<z.input<ApiMethods[M]['result']>> | z.input<ApiMethods[M]['result']>;
};

export interface Dispatcher {
  call(method: unknown, args: unknown, ctx: CallContext): Promise<ApiResult>;
}

export interface DispatcherOptions {
  /** Called with handler bugs (not with expected ApiErrors). */
  onInternalError?: (method: string, err: unknown) => void;
  /** Tighter bounds (tests); API_BOUNDS otherwise. */
  bounds?: typeof API_BOUNDS;
  /**
   * The plain message for an error that is a fault of the disk or the store (full, I/O error,
   * read-only, damaged: main/store/faults.ts), else null. Such a call answers `unavailable`, not
   * `internal`: nothing is wrong with the call or the code.
   */
  storeFault?: (err: unknown) => string | null;
}

function issuesOf(err: z.ZodError) {
  return err.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
}

/** A method name as it may be quoted back: never the whole of a hostile value. */
function describeMethod(method: unknown): string {
  if (typeof method !== 'string') return `(a ${method === null ? 'null' : typeof method}, not a name)`;
  return JSON.stringify(method.length > 80 ? `${method.slice(0, 80)}…` : method);
}

export function createDispatcher(handlers: ApiHandlers, options: DispatcherOptions = {}): Dispatcher {
  return {
    async call(method, args, ctx) {
      if (typeof method !== 'string' || !isApiMethodName(method)) {
        return {
          ok: false,
          error: {
            code: 'unknown_method',
            message: `this RIC Studio does not know the request ${describeMethod(method)}: the page and the server may be from different versions (reload the page)`,
          },
        };
      }
      const violation = checkValue(args, options.bounds ?? API_BOUNDS, 'the data sent with this request');
      if (violation) return { ok: false, error: violation };
      const spec = apiMethods[method];
      // Problems are worded for people (shared/api/wording.ts); the paths stay for programs.
      const parsed = spec.args.safeParse(args === undefined ? {} : args, { error: plainIssueMessage });
      if (!parsed.success) {
        const issues = issuesOf(parsed.error);
        const first = issues[0];
        return {
          ok: false,
          error: { code: 'invalid_args', message: first ? issueSentence(first) : 'The request was refused', issues },
        };
      }
      try {
        const handler = handlers[method] as (a: unknown, c: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        const checked = spec.result.safeParse(value);
        if (!checked.success) {
          options.onInternalError?.(method, checked.error);
          return {
            ok: false,
            error: { code: 'internal', message: 'an answer came out in a form this version does not expect (the result does not match its schema)' },
          };
        }
        return { ok: true, value: checked.data };
      } catch (err) {
        if (err instanceof ApiError) {
          return {
            ok: false,
            error: { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) },
          };
        }
        const fault = options.storeFault?.(err) ?? null;
        if (fault !== null) return { ok: false, error: { code: 'unavailable', message: fault } };
        // The method and the stack go to the log (onInternalError); the caller gets the message.
        options.onInternalError?.(method, err);
        const message = err instanceof Error ? err.message : String(err);
        return {
          ok: false,
          error: { code: 'internal', message: `Something went wrong inside RIC Studio (${message}). This is a bug; the terminal that started RIC Studio has the details.` },
        };
      }
    },
  };
}
