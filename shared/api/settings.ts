import { z } from 'zod';
import { method } from './contract.js';
import { tensorBackendNameSchema } from './system.js';

export const themeSchema = z.enum(['dark', 'light']);
export type Theme = z.infer<typeof themeSchema>;

/** Local model folders (Hugging Face layout). Nothing is downloaded at run time (DESIGN.md §3). */
const folder = z.string().max(4096).nullable();
export const modelFoldersSchema = z.object({
  clip: folder,
  blip: folder,
  editor: folder,
  dino: folder,
  // The evaluation metrics' backbones, by the keys the presets name (shared/metrics/presets.ts,
  // METRIC_MODEL_KEYS); stores from before them read as not set (readSettings fills the defaults).
  clipB32: folder,
  dinoS16: folder,
  dinoB16: folder,
  inception: folder,
  inceptionFid: folder,
  lpipsVgg: folder,
  lpipsAlex: folder,
});
export type ModelFolders = z.infer<typeof modelFoldersSchema>;

export const vlmEndpointSchema = z.object({
  baseUrl: z.string().max(2048).nullable(),
  model: z.string().max(512).nullable(),
});

/**
 * Tensor workers (issue 13): how many worker threads the engine spreads training batches, edits and
 * evaluations over on a CPU backend — `auto` = the cores (as memory allows), or a whole number 1–256
 * (1 = in-process). A job's own `workers` wins; $RIC_ENGINE_WORKERS wins over this. GPU backends use one.
 */
export const tensorWorkersSchema = z.union([z.literal('auto'), z.number().int().min(1).max(256)]);
export type TensorWorkers = z.infer<typeof tensorWorkersSchema>;

export const settingsSchema = z.object({
  modelFolders: modelFoldersSchema,
  vlm: vlmEndpointSchema.extend({
    /** Whether an API key is stored; the key itself never leaves the main side. */
    apiKeySet: z.boolean(),
  }),
  tensorBackend: z.union([z.literal('auto'), tensorBackendNameSchema]),
  tensorWorkers: tensorWorkersSchema,
  theme: themeSchema,
});
export type Settings = z.infer<typeof settingsSchema>;

const httpUrl = z
  .string()
  .max(2048)
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: 'must be an http:// or https:// URL' });

export const settingsPatchSchema = z
  .object({
    modelFolders: modelFoldersSchema.partial().strict(),
    vlm: z
      .object({
        baseUrl: httpUrl.nullable(),
        model: z.string().min(1).max(512).nullable(),
        /** A new API key, or null to remove the stored one. */
        apiKey: z.string().min(1).max(4096).nullable(),
      })
      .partial()
      .strict(),
    tensorBackend: z.union([z.literal('auto'), tensorBackendNameSchema]),
    tensorWorkers: tensorWorkersSchema,
    theme: themeSchema,
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const vlmTestResultSchema = z.object({
  ok: z.boolean(),
  /** One sentence for the person: what came back, or why nothing usable did. */
  message: z.string(),
  answer: z.string().nullable(),
  endpointModel: z.string().nullable(),
  durationMs: z.number(),
});
export type VlmTestResult = z.infer<typeof vlmTestResultSchema>;

export const settingsMethods = {
  'settings.get': method(z.object({}).strict(), settingsSchema, 'The workstation settings'),
  'settings.update': method(
    settingsPatchSchema,
    settingsSchema,
    'Change some settings; returns all of them. A model folder that does not exist or does not hold its model is refused',
  ),
  'settings.checkModelFolder': method(
    z.object({ kind: modelFoldersSchema.keyof(), path: z.string().min(1).max(4096) }).strict(),
    z.object({ ok: z.boolean(), message: z.string() }),
    'Whether a folder holds the model a setting needs (the check `ric model check` runs)',
  ),
  'settings.testVlm': method(
    z
      .object({
        baseUrl: httpUrl,
        model: z.string().min(1).max(512),
        /** A key typed but not saved yet; without it the saved key is used only for the saved endpoint. */
        apiKey: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    vlmTestResultSchema,
    'Send one tiny request to a VLM endpoint and say what came back',
  ),
};
