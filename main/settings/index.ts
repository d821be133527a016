// Typed settings over the store's key/value table: which key holds what, the defaults, and
// reading with a fallback for anything missing or no longer valid. Below the Api and the jobs area:
// the handlers and the engine host's runners read settings through here.
import { captionsConfigSchema, describedImageSchema, type CaptionsConfig } from '../../shared/api/captions.js';
import { settingsSchema, type Settings, type SettingsPatch } from '../../shared/api/index.js';
import type { SettingsRepo } from '../store/index.js';

const KEYS = {
  modelFolders: 'models.folders',
  vlmBaseUrl: 'vlm.baseUrl',
  vlmModel: 'vlm.model',
  vlmApiKey: 'vlm.apiKey',
  tensorBackend: 'engine.backend',
  theme: 'ui.theme',
  captionsImage: 'captions.image',
} as const;

export const defaultSettings: Settings = {
  modelFolders: { clip: null, blip: null, editor: null, dino: null },
  vlm: { baseUrl: null, model: null, apiKeySet: false },
  tensorBackend: 'auto',
  theme: 'dark',
};

/** Reads settings, falling back to the defaults for anything missing or no longer valid. */
export function readSettings(repo: SettingsRepo): Settings {
  const candidate = {
    modelFolders: { ...defaultSettings.modelFolders, ...(asObject(repo.get(KEYS.modelFolders)) ?? {}) },
    vlm: {
      baseUrl: repo.get(KEYS.vlmBaseUrl) ?? null,
      model: repo.get(KEYS.vlmModel) ?? null,
      apiKeySet: typeof repo.get(KEYS.vlmApiKey) === 'string',
    },
    tensorBackend: repo.get(KEYS.tensorBackend) ?? defaultSettings.tensorBackend,
    theme: repo.get(KEYS.theme) ?? defaultSettings.theme,
  };
  const parsed = settingsSchema.safeParse(candidate);
  return parsed.success ? parsed.data : defaultSettings;
}

/** The stored VLM API key; main-side only, never part of an Api result. */
export function readVlmApiKey(repo: SettingsRepo): string | undefined {
  const key = repo.get(KEYS.vlmApiKey);
  return typeof key === 'string' ? key : undefined;
}

export function writeSettings(repo: SettingsRepo, patch: SettingsPatch): void {
  const entries: Record<string, unknown> = {};
  if (patch.modelFolders) {
    entries[KEYS.modelFolders] = { ...readSettings(repo).modelFolders, ...patch.modelFolders };
  }
  if (patch.vlm) {
    if ('baseUrl' in patch.vlm) entries[KEYS.vlmBaseUrl] = patch.vlm.baseUrl ?? undefined;
    if ('model' in patch.vlm) entries[KEYS.vlmModel] = patch.vlm.model ?? undefined;
    if ('apiKey' in patch.vlm) entries[KEYS.vlmApiKey] = patch.vlm.apiKey ?? undefined;
  }
  if (patch.tensorBackend) entries[KEYS.tensorBackend] = patch.tensorBackend;
  if (patch.theme) entries[KEYS.theme] = patch.theme;
  repo.putMany(entries);
}

/** Which image caption jobs describe when the job does not say (target by default). */
export function readCaptionsConfig(repo: SettingsRepo): CaptionsConfig {
  const image = describedImageSchema.safeParse(repo.get(KEYS.captionsImage));
  return { image: image.success ? image.data : 'target' };
}

export function writeCaptionsConfig(repo: SettingsRepo, patch: Partial<CaptionsConfig>): CaptionsConfig {
  const next = captionsConfigSchema.parse({ ...readCaptionsConfig(repo), ...patch });
  repo.putMany({ [KEYS.captionsImage]: next.image });
  return next;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
