// Model folders are checked when they are saved (issue 17): a folder that does not exist, or does
// not hold the model its setting names, is refused with the reason — the same check `ric model
// check DIR` runs (the engine's checkPretrained: config.json, then every expected tensor's name,
// shape and dtype in the safetensors headers, no weights read). The editor is a diffusers pipeline
// folder, which the engine cannot load yet: its layout is checked (model_index.json and the
// unet, vae and text_encoder sub-folders with a config and weights).
import fs from 'node:fs';
import path from 'node:path';
import type { ModelFolders } from '../../shared/api/settings.js';

/** What `model_type` each setting's folder must hold (Hugging Face names). */
const EXPECTED: Record<Exclude<keyof ModelFolders, 'editor'>, { modelType: string; what: string }> = {
  clip: { modelType: 'clip', what: 'a CLIP model (e.g. openai/clip-vit-base-patch16)' },
  blip: { modelType: 'blip', what: 'a BLIP retrieval model (e.g. Salesforce/blip-itm-base-coco)' },
  dino: { modelType: 'vit', what: 'a ViT model such as DINO (e.g. facebook/dino-vits16)' },
};

const EDITOR_PARTS = ['unet', 'vae', 'text_encoder'] as const;

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
  if (kind === 'editor') return editorProblem(dir);
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

function editorProblem(dir: string): string | null {
  const index = path.join(dir, 'model_index.json');
  let cls: unknown;
  try {
    cls = (JSON.parse(fs.readFileSync(index, 'utf8')) as { _class_name?: unknown })._class_name;
  } catch {
    return `${dir} has no readable model_index.json: choose a diffusers pipeline folder (e.g. timbrooks/instruct-pix2pix)`;
  }
  if (typeof cls !== 'string' || !/StableDiffusion.*Pipeline/.test(cls)) {
    return `${dir} holds a ${typeof cls === 'string' ? cls : 'pipeline of unknown kind'}, not a Stable Diffusion editing pipeline such as timbrooks/instruct-pix2pix`;
  }
  for (const part of EDITOR_PARTS) {
    const sub = path.join(dir, part);
    if (!fs.existsSync(path.join(sub, 'config.json'))) return `${dir} has no ${part}/config.json: the pipeline folder is incomplete`;
    const weights = fs.readdirSync(sub).some((f) => f.endsWith('.safetensors') || f.endsWith('.safetensors.index.json'));
    if (!weights) return `${dir}/${part} has no .safetensors weights (convert .bin weights to safetensors first)`;
  }
  return null;
}
