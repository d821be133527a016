// Model folders are checked when they are saved (issue 17): a folder that does not exist, or does
// not hold the model its setting names, is refused with the reason — the same check `ric model
// check DIR` runs (the engine's checkPretrained: config.json, then every expected tensor's name,
// shape and dtype in the safetensors headers, no weights read). The editor is a diffusers pipeline
// folder, checked part by part as the InstructPix2Pix pipeline loads it (the engine's
// checkPipelineFolder: model_index.json, then each part's config, weight headers, tokenizer files
// and scheduler config).
import fs from 'node:fs';
import path from 'node:path';
import type { ModelFolders } from '../../shared/api/settings.js';
import { METRIC_MODEL_KEYS } from '../../shared/metrics/presets.js';

/** What `model_type` each setting's folder must hold (Hugging Face names). */
const EXPECTED: Record<Exclude<keyof ModelFolders, 'editor'>, { modelType: string; what: string }> = {
  clip: { modelType: 'clip', what: 'a CLIP model (e.g. openai/clip-vit-base-patch16)' },
  blip: { modelType: 'blip', what: 'a BLIP retrieval model (e.g. Salesforce/blip-itm-base-coco)' },
  dino: { modelType: 'vit', what: 'a ViT model such as DINO (e.g. facebook/dino-vits16)' },
  // The evaluation metrics' backbones (issue 16), by the keys the presets name.
  clipB32: { modelType: 'clip', what: METRIC_MODEL_KEYS.clipB32 },
  dinoS16: { modelType: 'vit', what: METRIC_MODEL_KEYS.dinoS16 },
  dinoB16: { modelType: 'vit', what: METRIC_MODEL_KEYS.dinoB16 },
  inception: { modelType: 'inception_v3', what: METRIC_MODEL_KEYS.inception },
  inceptionFid: { modelType: 'inception_v3', what: METRIC_MODEL_KEYS.inceptionFid },
  lpipsVgg: { modelType: 'lpips', what: METRIC_MODEL_KEYS.lpipsVgg },
  lpipsAlex: { modelType: 'lpips', what: METRIC_MODEL_KEYS.lpipsAlex },
};

/** Why a folder cannot serve as this model setting, or null when it can. */
export async function modelFolderProblem(kind: keyof ModelFolders, folder: string): Promise<string | null> {
  const dir = path.resolve(folder);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return `${dir} does not exist on the machine running RIC Studio`;
  }
  if (!stat.isDirectory()) return `${dir} is a file; choose the folder that holds the model's config.json`;
  const check = `check it with: ric model check ${dir}`;
  if (kind === 'editor') return await editorProblem(dir);
  const expected = EXPECTED[kind];
  // The engine (and TensorFlow.js with it) loads only when a folder is actually checked.
  const { checkPretrained, describeProblems } = await import('../engine/models/registry.js');
  let report;
  try {
    report = checkPretrained(dir);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(`${dir}${path.sep}`, '') : String(err);
    return `${dir} does not hold a model RIC Studio can read (${reason}); it should hold ${expected.what}; ${check}`;
  }
  if (report.modelType !== expected.modelType) {
    return `${dir} holds a ${report.architecture} (model_type "${report.modelType}"), not ${expected.what}`;
  }
  if (!report.ok) return `${dir}: the weights do not fit ${report.architecture}: ${describeProblems(report)}; ${check}`;
  return null;
}

async function editorProblem(dir: string): Promise<string | null> {
  const { checkPipelineFolder } = await import('../engine/pipelines/folder.js');
  let parts;
  try {
    parts = checkPipelineFolder(dir).parts;
  } catch (err) {
    // model_index.json missing or unreadable: the engine's message names the file.
    const reason = err instanceof Error ? err.message : String(err);
    return `${reason}; choose a diffusers pipeline folder such as timbrooks/instruct-pix2pix`;
  }
  const bad = parts.filter((p) => !p.ok);
  if (bad.length === 0) return null;
  return `${dir} is not a usable editing pipeline: ${bad.map((b) => `${b.part}: ${b.problem ?? 'unusable'}`).join('; ')}`;
}
