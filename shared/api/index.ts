// The one Api contract between the renderer (or CLI, or a test) and the main side.
// Each feature area contributes a method table and, where it pushes, an event table.
import type { z } from 'zod';
import type { EventTable, MethodTable } from './contract.js';
import { bundlesMethods } from './bundles.js';
import { captionsEvents, captionsMethods } from './captions.js';
import { clusterMethods } from './cluster.js';
import { datasetsEvents, datasetsMethods } from './datasets.js';
import { demoEvents, demoMethods } from './demo.js';
import { editEvents, editMethods } from './edit.js';
import { evalsEvents, evalsMethods } from './evals.js';
import { jobEvents, jobsMethods } from './jobs.js';
import { masksEvents, masksMethods } from './masks.js';
import { resultsEvents, resultsMethods } from './results.js';
import { runsMethods } from './runs.js';
import { settingsMethods } from './settings.js';
import { systemMethods } from './system.js';

export const apiMethods = {
  ...systemMethods,
  ...settingsMethods,
  ...jobsMethods,
  ...datasetsMethods,
  ...captionsMethods,
  ...masksMethods,
  ...runsMethods,
  ...resultsMethods,
  ...editMethods,
  ...bundlesMethods,
  ...clusterMethods,
  ...evalsMethods,
  ...demoMethods,
} satisfies MethodTable;

export const apiEvents = {
  ...jobEvents,
  ...datasetsEvents,
  ...captionsEvents,
  ...masksEvents,
  ...resultsEvents,
  ...editEvents,
  ...evalsEvents,
  ...demoEvents,
} satisfies EventTable;

export type ApiMethods = typeof apiMethods;
export type ApiMethodName = keyof ApiMethods & string;
export type ApiArgs<M extends ApiMethodName> = z.input<ApiMethods[M]['args']>;
export type ApiParsedArgs<M extends ApiMethodName> = z.output<ApiMethods[M]['args']>;
export type ApiReturn<M extends ApiMethodName> = z.output<ApiMethods[M]['result']>;

export type ApiEvents = typeof apiEvents;
export type ApiEventName = keyof ApiEvents & string;
export type ApiEventPayload<E extends ApiEventName> = z.output<ApiEvents[E]>;

export function isApiMethodName(name: string): name is ApiMethodName {
  return Object.prototype.hasOwnProperty.call(apiMethods, name);
}
export function isApiEventName(name: string): name is ApiEventName {
  return Object.prototype.hasOwnProperty.call(apiEvents, name);
}

export const apiMethodNames = Object.keys(apiMethods) as ApiMethodName[];
export const apiEventNames = Object.keys(apiEvents) as ApiEventName[];

export * from './bounds.js';
export * from './bundle-results.js';
export * from './bundles.js';
export * from './cluster.js';
export * from './captions.js';
export * from './contract.js';
export * from './datasets.js';
export * from './demo.js';
export * from './edit.js';
export * from './evals.js';
export * from './jobs.js';
export * from './masks.js';
export * from './results.js';
export * from './runs.js';
export * from './settings.js';
export * from './system.js';
export * from './wording.js';
