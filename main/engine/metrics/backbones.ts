// The metric backbones a preset needs, loaded once from the model folders the user configured
// (Settings → model folders; nothing is downloaded). A folder key is loaded once even when several
// metrics use it (FID and IS share the Inception folder, CLIP-I and CLIP-T the CLIP one).
import fs from 'node:fs';
import { checkPretrained, describeProblems, fromPretrained, type PretrainedModel } from '../models/registry.js';
import { ClipModel } from '../models/clip/index.js';
import { VitModel } from '../models/vit/index.js';
import { InceptionV3 } from '../models/inception/index.js';
import { LpipsModel } from '../models/lpips/index.js';
import { ModelTokenizer } from '../tokenizers/index.js';
import { METRIC_MODEL_KEYS, presetModelKeys, type EvalPreset, type ImageRule, type MetricName } from '../../../shared/metrics/presets.js';

/** Model folder per settings key (null or missing: not configured). */
export type ModelFolders = Readonly<Record<string, string | null | undefined>>;

export interface LoadedModel {
  key: string;
  dir: string;
  /** the metrics that use it */
  metrics: MetricName[];
  model: PretrainedModel;
}

export interface Backbones {
  clip?: ClipModel;
  clipTokenizer?: ModelTokenizer;
  dino?: VitModel;
  lpips?: LpipsModel;
  inception?: InceptionV3;
  /** every folder loaded, for the evaluation's record (the caller hashes them) */
  loaded: LoadedModel[];
  /** settings that load but look inconsistent (e.g. an Inception input range) */
  warnings: string[];
}

export class MissingModelError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingModelError';
  }
}

const KIND: Record<MetricName, (new (...a: never[]) => PretrainedModel) | null> = {
  clipI: ClipModel, clipT: ClipModel, dino: VitModel, lpips: LpipsModel, fid: InceptionV3, is: InceptionV3, pixel: null, editAccuracy: null,
};

const same = (a: readonly number[], b: readonly number[]) => a.every((x, i) => Math.abs(x - b[i]!) < 1e-6);

/** Does the image rule, with the model's transform_input, put pixels in [−1, 1] as Inception was trained? */
function inceptionInputWarning(rule: ImageRule, transformInput: boolean, where: string): string | null {
  const imagenet = same(rule.mean, [0.485, 0.456, 0.406]) && same(rule.std, [0.229, 0.224, 0.225]);
  const half = same(rule.mean, [0.5, 0.5, 0.5]) && same(rule.std, [0.5, 0.5, 0.5]);
  if (transformInput && imagenet) return null;
  if (!transformInput && half) return null;
  return `${where}: the Inception folder has transform_input=${transformInput} but the image rule normalises with mean ${JSON.stringify(rule.mean)}, std ${JSON.stringify(rule.std)}: its input is not the [-1, 1] range Inception was trained on (use ImageNet mean/std with transform_input=true, or 0.5/0.5 with false)`;
}

const MODEL_TYPE: Record<MetricName, string | null> = { clipI: 'clip', clipT: 'clip', dino: 'vit', lpips: 'lpips', fid: 'inception_v3', is: 'inception_v3', pixel: null, editAccuracy: null };

export interface FolderCheck {
  key: string;
  metrics: MetricName[];
  dir: string | null;
  ok: boolean;
  /** what is wrong, in words (null when ok) */
  problem: string | null;
}

/**
 * A pre-flight for `ric eval` and the Settings screen: each folder the preset needs is set, exists,
 * and holds the right kind of model with every tensor (config.json and safetensors headers only —
 * no weights are read).
 */
export function checkModelFolders(preset: EvalPreset, folders: ModelFolders): FolderCheck[] {
  return [...presetModelKeys(preset)].map(([key, metrics]) => {
    const dir = folders[key] ?? null;
    const what = (METRIC_MODEL_KEYS as Record<string, string>)[key] ?? 'a model folder';
    const fail = (problem: string): FolderCheck => ({ key, metrics, dir, ok: false, problem });
    if (!dir) return fail(`not set: preset "${preset.name}" needs "${key}" (${what}) for ${metrics.join(', ')}`);
    if (!fs.existsSync(dir)) return fail(`${dir} does not exist`);
    try {
      const r = checkPretrained(dir);
      const wanted = [...new Set(metrics.map((m) => MODEL_TYPE[m]).filter(Boolean))];
      if (!wanted.includes(r.modelType) || wanted.length > 1) return fail(`${dir} holds a ${r.modelType} model; ${metrics.join(', ')} need ${wanted.join(' and ')}`);
      if (!r.ok) return fail(`${dir}: ${describeProblems(r)}`);
      return { key, metrics, dir, ok: true, problem: null };
    } catch (err) {
      return fail((err as Error).message);
    }
  });
}

/** Loads every backbone a preset needs; a missing folder is named with its settings key. */
export async function loadBackbones(preset: EvalPreset, folders: ModelFolders): Promise<Backbones> {
  const out: Backbones = { loaded: [], warnings: [] };
  const keys = presetModelKeys(preset);
  for (const [key, metrics] of keys) {
    const dir = folders[key];
    const what = (METRIC_MODEL_KEYS as Record<string, string>)[key] ?? 'a model folder';
    if (!dir) throw new MissingModelError(key, `preset "${preset.name}" needs the model folder "${key}" (${what}) for ${metrics.join(', ')}: set it in Settings → model folders`);
    if (!fs.existsSync(dir)) throw new MissingModelError(key, `preset "${preset.name}": model folder "${key}" is ${dir}, which does not exist`);
  }
  try {
    for (const [key, metrics] of keys) {
      const dir = folders[key]!;
      const model = await fromPretrained(dir);
      out.loaded.push({ key, dir, metrics, model });
      // Frozen for good: transpose the dense weights once instead of on every call (~3× faster CLIP on wasm).
      model.params.prepareInference();
      const kinds = new Set(metrics.map((m) => KIND[m]));
      for (const k of kinds) {
        if (k && !(model instanceof k)) throw new Error(`preset "${preset.name}": model folder "${key}" (${dir}) holds a ${(model as object).constructor.name}, but ${metrics.join(', ')} need a ${k.name}`);
      }
      if (model instanceof ClipModel) out.clip = model;
      if (model instanceof VitModel) out.dino = model;
      if (model instanceof LpipsModel) {
        if (preset.metrics.lpips && model.config.net !== preset.metrics.lpips.net) throw new Error(`preset "${preset.name}": lpips.net is ${preset.metrics.lpips.net}, but "${key}" (${dir}) is LPIPS-${model.config.net}`);
        out.lpips = model;
      }
      if (model instanceof InceptionV3) {
        for (const m of ['fid', 'is'] as const) {
          const s = preset.metrics[m];
          if (!s) continue;
          const variant = s.weights === 'pytorch-fid' ? 'pytorch-fid' : 'torchvision';
          if (model.config.variant !== variant) throw new Error(`preset "${preset.name}": ${m}.weights is ${s.weights}, but "${key}" (${dir}) declares variant ${model.config.variant} in config.json`);
          const w = inceptionInputWarning(s.image, model.config.transform_input, `${m}.image`);
          if (w) out.warnings.push(w);
        }
        out.inception = model;
      }
      if (metrics.includes('clipT')) out.clipTokenizer = ModelTokenizer.fromDir(dir);
    }
  } catch (err) {
    for (const l of out.loaded) l.model.dispose();
    throw err;
  }
  return out;
}

export function disposeBackbones(b: Backbones): void {
  for (const l of b.loaded) l.model.dispose();
  b.loaded.length = 0;
}
