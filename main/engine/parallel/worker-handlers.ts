// The worker side of the handler specs (protocol.ts): implementations registered by name at import
// time, looked up by worker.ts for each call. Only worker code imports this file's `implement`.
import type { z } from 'zod';
import type { HandlerSpec } from './protocol.js';

export interface HandlerContext {
  /** Sends an event of the running call (checked by the pool against the spec's event schema). */
  emit(payload: unknown): void;
}

export type HandlerImpl = (args: unknown, ctx: HandlerContext) => Promise<unknown>;

const impls = new Map<string, { spec: HandlerSpec; run: HandlerImpl }>();

export function implement<S extends HandlerSpec>(spec: S, run: (args: z.output<S['args']>, ctx: HandlerContext) => Promise<z.input<S['result']>>): void {
  if (impls.has(spec.name)) throw new Error(`worker handler "${spec.name}" is implemented twice`);
  impls.set(spec.name, { spec, run: run as HandlerImpl });
}

export function handler(name: string): { spec: HandlerSpec; run: HandlerImpl } {
  const h = impls.get(name);
  if (!h) throw new Error(`this tensor worker has no handler "${name}" (known: ${[...impls.keys()].join(', ')})`);
  return h;
}
