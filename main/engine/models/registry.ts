// Model families by `model_type` / architecture (a Map, as transformers.js does), and
// fromPretrained(dir): config.json first — with the reference library's defaults for the values
// save_pretrained left out — then every expected parameter checked by name, shape and dtype
// against the safetensors header before a byte of weights is read.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SafetensorsFile, type SafetensorsDtype } from '../io/safetensors.js';
import { ParamStore } from './params.js';
import { clipFamily } from './clip/index.js';
import { vitFamily } from './vit/index.js';
import { blipFamily } from './blip/index.js';
import { fusionFamily } from './fusion/index.js';
import { inceptionFamily } from './inception/index.js';
import { lpipsFamily } from './lpips/index.js';
import { clipTextFamily } from './clip/text-model.js';
import { unetFamily } from './unet/index.js';
import { vaeFamily } from './vae/index.js';

export { ParamStore };

/** Every loaded model. */
export interface PretrainedModel {
  readonly config: object;
  readonly params: ParamStore;
  dispose(): void;
}

/** Defaults of a config class (PretrainedConfig's common ones are added for every config). */
export interface ConfigDefaults {
  values: Record<string, unknown>;
  /** Nested sub-configs (e.g. text_config, vision_config) with their own class defaults. */
  sub?: Record<string, Record<string, unknown>>;
}

export interface ModelFamily<C extends object = object, M extends PretrainedModel = PretrainedModel> {
  modelType: string;
  architectures: readonly string[];
  defaults: ConfigDefaults;
  /** Typed config from the full (defaults applied) config; throws naming the field. */
  parseConfig(full: Record<string, unknown>, source: string): C;
  /** Every parameter the model needs, with its shape, by state-dict name. */
  paramShapes(config: C): Map<string, number[]>;
  build(config: C, params: ParamStore): M;
  /** State-dict names that may be present and are not needed (e.g. old persistent buffers). */
  ignoreUnexpected?: readonly RegExp[];
  /** Prefix a task model puts before the base model's names (e.g. "vit."), stripped when present. */
  basePrefix?: string;
  /** Recognises a config.json that has no model_type (torchvision / lpips exports name a `builder`). */
  matchesConfig?: (raw: Record<string, unknown>) => boolean;
  /** More safetensors files in the folder to take tensors from, after model.safetensors (LPIPS's lin layers). */
  extraWeightFiles?: (dir: string, config: C) => string[];
  /**
   * Where the config comes from: transformers' PretrainedConfig (its common attributes are added as
   * defaults; the default) or a diffusers ConfigMixin (`_class_name` names the class; no common attributes).
   */
  library?: 'transformers' | 'diffusers';
  /** Older state-dict names a checkpoint may store a parameter under (e.g. diffusers' query/key/value). */
  legacyNames?: (name: string) => string[];
}

// PretrainedConfig's attributes (transformers v4.35 configuration_utils.py), common to every config.
const PRETRAINED_CONFIG_DEFAULTS: Record<string, unknown> = {
  return_dict: true, output_hidden_states: false, output_attentions: false, torchscript: false, torch_dtype: null,
  use_bfloat16: false, tf_legacy_loss: false, pruned_heads: {}, tie_word_embeddings: true, is_encoder_decoder: false,
  is_decoder: false, cross_attention_hidden_size: null, add_cross_attention: false, tie_encoder_decoder: false,
  max_length: 20, min_length: 0, do_sample: false, early_stopping: false, num_beams: 1, num_beam_groups: 1,
  diversity_penalty: 0.0, temperature: 1.0, top_k: 50, top_p: 1.0, typical_p: 1.0, repetition_penalty: 1.0,
  length_penalty: 1.0, no_repeat_ngram_size: 0, encoder_no_repeat_ngram_size: 0, bad_words_ids: null,
  num_return_sequences: 1, chunk_size_feed_forward: 0, output_scores: false, return_dict_in_generate: false,
  forced_bos_token_id: null, forced_eos_token_id: null, remove_invalid_values: false,
  exponential_decay_length_penalty: null, suppress_tokens: null, begin_suppress_tokens: null, architectures: null,
  finetuning_task: null, id2label: { 0: 'LABEL_0', 1: 'LABEL_1' }, label2id: { LABEL_0: 0, LABEL_1: 1 },
  tokenizer_class: null, prefix: null, bos_token_id: null, pad_token_id: null, eos_token_id: null, sep_token_id: null,
  decoder_start_token_id: null, task_specific_params: null, problem_type: null, _name_or_path: '',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The config as the reference library holds it after loading: class defaults under the file's values. */
export function applyConfigDefaults(raw: Record<string, unknown>, defaults: ConfigDefaults, library: 'transformers' | 'diffusers' = 'transformers'): Record<string, unknown> {
  const common = library === 'transformers' ? PRETRAINED_CONFIG_DEFAULTS : {};
  const full: Record<string, unknown> = { ...common, ...defaults.values, ...raw };
  for (const [key, subDefaults] of Object.entries(defaults.sub ?? {})) {
    const given = raw[key];
    full[key] = { ...PRETRAINED_CONFIG_DEFAULTS, ...subDefaults, ...(isRecord(given) ? given : {}) };
  }
  return full;
}

// Families of every config type in one table: a family is only ever handed the config its own
// parseConfig made, so its config type is erased here (ModelFamily's defaults) without loss.
const FAMILIES = new Map<string, ModelFamily>();
const BY_ARCHITECTURE = new Map<string, ModelFamily>();

export function registerModel<C extends object, M extends PretrainedModel>(family: ModelFamily<C, M>): void {
  const erased = family as unknown as ModelFamily;
  FAMILIES.set(family.modelType, erased);
  for (const a of family.architectures) BY_ARCHITECTURE.set(a, erased);
}

export function knownModels(): { modelType: string; architectures: readonly string[] }[] {
  return [...FAMILIES.values()].map((f) => ({ modelType: f.modelType, architectures: f.architectures }));
}

registerModel(clipFamily);
registerModel(vitFamily);
registerModel(blipFamily);
registerModel(fusionFamily);
registerModel(inceptionFamily);
registerModel(lpipsFamily);
registerModel(clipTextFamily);
registerModel(unetFamily);
registerModel(vaeFamily);

export class ModelLoadError extends Error {
  constructor(message: string, readonly report?: CheckReport) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface CheckReport {
  dir: string;
  modelType: string;
  architecture: string;
  weightFiles: string[];
  expected: number;
  numParams: number;
  missing: string[];
  unexpected: string[];
  misshapen: { name: string; expected: number[]; found: number[] }[];
  wrongDtype: { name: string; dtype: SafetensorsDtype }[];
  ok: boolean;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelLoadError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!isRecord(v)) throw new Error('not a JSON object');
    return v;
  } catch (err) {
    throw new ModelLoadError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
}

export interface ResolvedConfig<C extends object = object> {
  family: ModelFamily<C>;
  architecture: string;
  full: Record<string, unknown>;
  config: C;
}

/** Reads DIR/config.json, applies defaults, picks the family. */
export function resolveConfig(dir: string): ResolvedConfig {
  const file = path.join(dir, 'config.json');
  return resolveConfigObject(readJson(file), file);
}

/** A config.json's content (already read; `file` names it in errors): defaults applied, family picked. */
export function resolveConfigObject(raw: Record<string, unknown>, file: string): ResolvedConfig {
  const archs = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  // diffusers' ConfigMixin names the class in `_class_name` instead.
  if (typeof raw._class_name === 'string') archs.push(raw._class_name);
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : undefined;
  const family =
    (modelType ? FAMILIES.get(modelType) : undefined) ?? archs.map((a) => BY_ARCHITECTURE.get(a)).find(Boolean) ?? [...FAMILIES.values()].find((f) => f.matchesConfig?.(raw));
  if (!family) {
    const known = knownModels().map((k) => `${k.modelType} (${k.architectures.join(', ')})`).join('; ');
    throw new ModelLoadError(`${file}: unknown architecture: model_type ${JSON.stringify(modelType ?? null)}, architectures ${JSON.stringify(archs)}; known: ${known}`);
  }
  const full = applyConfigDefaults(raw, family.defaults, family.library);
  let config: object;
  try {
    config = family.parseConfig(full, file);
  } catch (err) {
    throw new ModelLoadError(err instanceof Error && err.message.includes(file) ? err.message : `${file}: ${(err as Error).message}`);
  }
  return { family, architecture: archs[0] ?? family.architectures[0] ?? family.modelType, full, config };
}

/**
 * The safetensors files of a model folder: model.safetensors (transformers) or
 * diffusion_pytorch_model.safetensors (diffusers), or either's sharded index.
 */
function weightFiles(dir: string): string[] {
  for (const stem of ['model', 'diffusion_pytorch_model']) {
    const single = path.join(dir, `${stem}.safetensors`);
    if (fs.existsSync(single)) return [single];
    const index = path.join(dir, `${stem}.safetensors.index.json`);
    if (fs.existsSync(index)) {
      const map = readJson(index).weight_map;
      if (!isRecord(map)) throw new ModelLoadError(`${index}: no weight_map`);
      const files = [...new Set(Object.values(map).map(String))];
      // A shard name is a file in this folder, never a path out of it.
      const bad = files.find((f) => f !== path.basename(f) || !f.endsWith('.safetensors'));
      if (bad) throw new ModelLoadError(`${index}: weight_map names "${bad}", which is not a .safetensors file in the folder`);
      return files.map((f) => path.join(dir, f));
    }
  }
  let pickled: string | undefined;
  try {
    pickled = fs.readdirSync(dir).find((f) => f.endsWith('.bin') || f.endsWith('.ckpt') || f.endsWith('.pt'));
  } catch {
    // reported below as a missing file
  }
  const hint = pickled ? ` (${pickled} is a pickled PyTorch file, which is not read: convert it to safetensors)` : '';
  throw new ModelLoadError(`${dir}: no model.safetensors or diffusion_pytorch_model.safetensors (or a .safetensors.index.json) in the folder${hint}`);
}

interface Located {
  file: SafetensorsFile;
  stored: string;
}

function checkOpen(dir: string, resolved: ResolvedConfig): { report: CheckReport; located: Map<string, Located>; files: SafetensorsFile[] } {
  const { family, config } = resolved;
  const expected = family.paramShapes(config);
  const extra = (family.extraWeightFiles?.(dir, config) ?? []).filter((f) => fs.existsSync(f));
  const files: SafetensorsFile[] = [];
  try {
    for (const f of [...weightFiles(dir), ...extra]) files.push(SafetensorsFile.open(f));
  } catch (err) {
    for (const f of files) f.close();
    throw err;
  }
  const stored = new Map<string, SafetensorsFile>();
  // A tensor in a later file (e.g. LPIPS's lin_v0.1_*.safetensors) takes precedence.
  for (const f of files) for (const n of f.names()) stored.set(n, f);
  const strip = family.basePrefix && ![...expected.keys()].some((n) => stored.has(n)) ? `${family.basePrefix}` : '';
  const located = new Map<string, Located>();
  const report: CheckReport = {
    dir, modelType: family.modelType, architecture: resolved.architecture, weightFiles: files.map((f) => f.file),
    expected: expected.size, numParams: 0, missing: [], unexpected: [], misshapen: [], wrongDtype: [], ok: false,
  };
  for (const [name, shape] of expected) {
    let key = strip + name;
    if (!stored.has(key)) key = (family.legacyNames?.(name) ?? []).map((n) => strip + n).find((n) => stored.has(n)) ?? key;
    const f = stored.get(key);
    if (!f) {
      report.missing.push(name);
      continue;
    }
    const e = f.entry(key);
    if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) report.misshapen.push({ name, expected: shape, found: e.shape });
    else if (!['F32', 'F16', 'BF16'].includes(e.dtype)) report.wrongDtype.push({ name, dtype: e.dtype });
    else located.set(name, { file: f, stored: key });
    report.numParams += shape.reduce((a, b) => a * b, 1);
  }
  const used = new Set([...located.values()].map((l) => l.stored));
  for (const n of stored.keys()) {
    const name = strip && n.startsWith(strip) ? n.slice(strip.length) : n;
    if (!expected.has(name) && !used.has(n) && !(family.ignoreUnexpected ?? []).some((re) => re.test(name))) report.unexpected.push(n);
  }
  report.ok = report.missing.length === 0 && report.misshapen.length === 0 && report.wrongDtype.length === 0;
  return { report, located, files };
}

/** Loads config + weight headers and reports missing/unexpected/misshapen/wrong-dtype names. */
export function checkPretrained(dir: string): CheckReport {
  const resolved = resolveConfig(dir);
  const { report, files } = checkOpen(dir, resolved);
  for (const f of files) f.close();
  return report;
}

export function describeProblems(r: CheckReport): string {
  const parts: string[] = [];
  const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ` … (${xs.length} in all)` : '');
  if (r.missing.length) parts.push(`missing tensors: ${list(r.missing)}`);
  if (r.misshapen.length) parts.push(`misshapen tensors: ${list(r.misshapen.map((m) => `${m.name} is [${m.found.join(', ')}], expected [${m.expected.join(', ')}]`))}`);
  if (r.wrongDtype.length) parts.push(`wrong dtype: ${list(r.wrongDtype.map((w) => `${w.name} is ${w.dtype}, expected a float (F32, F16, BF16)`))}`);
  return parts.join('; ');
}

export interface FromPretrainedOptions {
  /** Parameters start trainable (default false: frozen, as for inference). */
  trainable?: boolean;
  /** Also fail on unexpected tensors (default: report them in `loadReport`). */
  strict?: boolean;
  onProgress?: (loaded: number, total: number) => void;
}

/** Builds the model a folder describes and loads its weights (widened to float32). */
export async function fromPretrained<M extends PretrainedModel = PretrainedModel>(dir: string, options: FromPretrainedOptions = {}): Promise<M & { loadReport: CheckReport }> {
  const resolved = resolveConfig(dir);
  const { report, located, files } = checkOpen(dir, resolved);
  try {
    if (!report.ok || (options.strict && report.unexpected.length)) {
      const extra = options.strict && report.unexpected.length ? `; unexpected tensors: ${report.unexpected.join(', ')}` : '';
      throw new ModelLoadError(`${dir}: ${report.weightFiles.map((f) => path.basename(f)).join(', ')} does not fit ${resolved.architecture}: ${describeProblems(report)}${extra}`, report);
    }
    const params = new ParamStore(`${resolved.architecture} from ${dir}`);
    let i = 0;
    try {
      for (const [name, { file, stored }] of located) {
        const host = file.read(stored);
        params.set(name, tf.tensor(host.values, host.shape, 'float32'), options.trainable ?? false);
        options.onProgress?.(++i, located.size);
      }
    } catch (err) {
      params.dispose();
      throw err;
    }
    const model = resolved.family.build(resolved.config, params) as M;
    return Object.assign(model, { loadReport: report });
  } finally {
    for (const f of files) f.close();
  }
}

/**
 * Builds the model a config.json object describes around parameters that already exist (a worker's
 * replica of a model another thread holds, parallel/replica.ts): every expected parameter must be
 * there with its shape, and nothing else, so a replica is never silently a different model.
 */
export function modelFromParams<M extends PretrainedModel = PretrainedModel>(raw: Record<string, unknown>, params: ParamStore, source: string): M {
  const resolved = resolveConfigObject(raw, source);
  const expected = resolved.family.paramShapes(resolved.config);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    if (!params.has(name)) problems.push(`missing ${name}`);
    else if (params.get(name).shape.join(',') !== shape.join(',')) problems.push(`${name} is [${params.get(name).shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  for (const name of params.names()) if (!expected.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0) throw new ModelLoadError(`${source}: the parameters do not fit ${resolved.architecture}: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` … (${problems.length} in all)` : ''}`);
  return resolved.family.build(resolved.config, params) as M;
}
