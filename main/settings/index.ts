// Typed settings over the store's key/value table: which key holds what, the defaults, and
// reading with a fallback for anything missing or no longer valid. Below the Api and the jobs area:
// the handlers and the engine host's runners read settings through here.
import { captionsConfigSchema, describedImageSchema, type CaptionsConfig } from '../../shared/api/captions.js';
import { settingsSchema, tensorWorkersSchema, type Settings, type SettingsPatch, type TensorWorkers } from '../../shared/api/index.js';
import type { SettingsRepo } from '../store/index.js';

const KEYS = {
  modelFolders: 'models.folders',
  vlmBaseUrl: 'vlm.baseUrl',
  vlmModel: 'vlm.model',
  vlmApiKey: 'vlm.apiKey',
  tensorBackend: 'engine.backend',
  tensorWorkers: 'engine.workers',
  theme: 'ui.theme',
  captionsImage: 'captions.image',
} as const;

export const defaultSettings: Settings = {
  modelFolders: { clip: null, blip: null, editor: null, dino: null, clipB32: null, dinoS16: null, dinoB16: null, inception: null, inceptionFid: null, lpipsVgg: null, lpipsAlex: null },
  vlm: { baseUrl: null, model: null, apiKeySet: false },
  tensorBackend: 'auto',
  tensorWorkers: 'auto',
  theme: 'dark',
};

/** Reads settings, falling back to the defaults for anything missing or no longer valid. */
export function readSettings(repo: SettingsRepo): Settings {
  const candidate = {
    modelFolders: { ...defaultSettings.modelFolders, ...(asObject(repo.get(KEYS.modelFolders)) ?? {}) },
    vlm: {
      baseUrl: repo.get(KEYS.vlmBaseUrl) ?? null,
      model: repo.get(KEYS.vlmModel) ?? null,
      // Set for the base URL in use: a key pinned to an earlier URL is not offered to this one.
      apiKeySet: storedKey(repo)?.endpoint === normaliseEndpoint(repo.get(KEYS.vlmBaseUrl)) && storedKey(repo) !== undefined,
    },
    tensorBackend: repo.get(KEYS.tensorBackend) ?? defaultSettings.tensorBackend,
    // A value no longer valid falls back alone (not every setting with it).
    tensorWorkers: tensorWorkersOf(repo.get(KEYS.tensorWorkers)),
    theme: repo.get(KEYS.theme) ?? defaultSettings.theme,
  };
  const parsed = settingsSchema.safeParse(candidate);
  return parsed.success ? parsed.data : defaultSettings;
}

/**
 * The VLM API key is stored with the endpoint it was saved for, `{ key, endpoint }` (issue 10): a
 * call that names another endpoint (captions.generate's `endpoint`, `ric caption --endpoint`) gets
 * no key, so a caller cannot send the saved secret to a server of its choosing. A key stored
 * before this (a bare string) belongs to the base URL saved beside it.
 */
interface StoredKey {
  key: string;
  endpoint: string | null;
}

function storedKey(repo: SettingsRepo): StoredKey | undefined {
  const v = repo.get(KEYS.vlmApiKey);
  if (typeof v === 'string') return { key: v, endpoint: normaliseEndpoint(repo.get(KEYS.vlmBaseUrl)) };
  const o = asObject(v);
  if (o && typeof o['key'] === 'string' && (typeof o['endpoint'] === 'string' || o['endpoint'] === null)) return { key: o['key'], endpoint: o['endpoint'] };
  return undefined;
}

/** An endpoint as compared: scheme, lower-case host, port only if not the default, path without trailing slashes. */
export function normaliseEndpoint(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return null;
  }
}

/**
 * The API key for a request to `endpoint`, main-side only and never part of an Api result: the
 * stored key when `endpoint` is the one it was saved for; else $RIC_VLM_API_KEY when `endpoint` is
 * $RIC_VLM_BASE_URL (or, without it, the saved base URL); else none.
 */
export function vlmApiKeyFor(repo: SettingsRepo, endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const target = normaliseEndpoint(endpoint);
  if (target === null) return undefined;
  const envKey = env['RIC_VLM_API_KEY'];
  if (envKey && target === normaliseEndpoint(env['RIC_VLM_BASE_URL'] ?? repo.get(KEYS.vlmBaseUrl))) return envKey;
  const stored = storedKey(repo);
  return stored && stored.endpoint === target ? stored.key : undefined;
}

export function writeSettings(repo: SettingsRepo, patch: SettingsPatch): void {
  const entries: Record<string, unknown> = {};
  if (patch.modelFolders) {
    entries[KEYS.modelFolders] = { ...readSettings(repo).modelFolders, ...patch.modelFolders };
  }
  if (patch.vlm) {
    const previous = storedKey(repo);
    if ('baseUrl' in patch.vlm) entries[KEYS.vlmBaseUrl] = patch.vlm.baseUrl ?? undefined;
    if ('model' in patch.vlm) entries[KEYS.vlmModel] = patch.vlm.model ?? undefined;
    const baseUrl = 'baseUrl' in patch.vlm ? patch.vlm.baseUrl : repo.get(KEYS.vlmBaseUrl);
    if ('apiKey' in patch.vlm) {
      entries[KEYS.vlmApiKey] = patch.vlm.apiKey ? ({ key: patch.vlm.apiKey, endpoint: normaliseEndpoint(baseUrl) } satisfies StoredKey) : undefined;
    } else if (previous) {
      // Pinned to the endpoint it was saved for (an old bare-string key too), whatever the base URL becomes.
      entries[KEYS.vlmApiKey] = previous satisfies StoredKey;
    }
  }
  if (patch.tensorBackend) entries[KEYS.tensorBackend] = patch.tensorBackend;
  if (patch.tensorWorkers !== undefined) entries[KEYS.tensorWorkers] = patch.tensorWorkers;
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

function tensorWorkersOf(v: unknown): TensorWorkers {
  const parsed = tensorWorkersSchema.safeParse(v);
  return parsed.success ? parsed.data : defaultSettings.tensorWorkers;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
