import { z } from 'zod';
import { method } from './contract.js';

export const tensorBackendNames = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const tensorBackendNameSchema = z.enum(tensorBackendNames);
export type TensorBackendName = z.infer<typeof tensorBackendNameSchema>;

export const systemInfoSchema = z.object({
  appVersion: z.string(),
  /** How this main process was started: the Electron app, `ric serve`, or inside a test. */
  mode: z.enum(['desktop', 'web', 'in-process']),
  dataDir: z.string(),
  databaseFile: z.string(),
  schemaVersion: z.number().int(),
  platform: z.string(),
  nodeVersion: z.string(),
  /** The tensor backend the engine uses, or null until the engine has been started. */
  tensorBackend: tensorBackendNameSchema.nullable(),
  startedAt: z.string(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const systemMethods = {
  'system.info': method(z.object({}).strict(), systemInfoSchema, 'What this workstation is and where its data lives'),
  'system.ping': method(
    z.object({ echo: z.string().max(10_000).optional() }).strict(),
    z.object({ echo: z.string().optional(), time: z.number() }),
    'Round-trip check; echoes its argument',
  ),
};
