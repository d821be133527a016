// The pre-flight of a training run (issue 12): everything that would make the job fail in its first
// seconds is checked before the job and its run exist — the config (preset ⊕ overrides, the trainer's
// own schema), the base model folder, the dataset, and the pairs it can train on under the text rule
// (approved captions, or the dataset's own descriptions when that fallback is chosen; Region-CLIP also
// needs each sample's mask box, Eq. 6). Each refusal names the dataset and says what fixes it (a view
// and a command). The New-run form and `ric train` call it through the Api (`runs.preflight`), and
// the queue runs it again in `jobs.start`, so no path leaves a failed run behind.
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetSummary, PreflightProblem, TrainingPreflight } from '../../shared/api/index.js';
import { trainingTexts, type TrainingTextFallback } from '../captions/training-texts.js';
import { blipPreset, mergeConfig, regionClipPreset } from '../engine/training/presets.js';
import { parseBlipTrainingConfig, parseRegionClipConfig } from '../engine/training/schemas.js';
import { readSettings } from '../settings/index.js';
import { configSummary, type Store } from '../store/index.js';
import { trainParamsSchema } from './kinds.js';

type Kind = TrainingPreflight['kind'];

const MODEL = {
  'train-regionclip': { family: 'regionclip', label: 'Region-CLIP', setting: 'clip', base: 'a CLIPModel folder (openai/clip-vit-base-patch16, as the paper)', modelType: 'clip', text: 'region' },
  'train-blip': { family: 'blip', label: 'BLIP', setting: 'blip', base: 'a BlipForImageTextRetrieval folder (Salesforce/blip-itm-base-coco, as the paper)', modelType: 'blip', text: 'scene' },
} as const;

/** ShapesEdit's descriptions are generated with its images (exact): they are its captions. Elsewhere captions must be approved unless the run says otherwise. */
export const defaultTextFallback = (format: DatasetSummary['format']): TrainingTextFallback => (format === 'shapes' ? 'dataset' : 'none');

const q = (s: string) => (/^[\w.-]+$/.test(s) ? s : JSON.stringify(s));

export function trainingPreflight(store: Store, kind: Kind, raw: Record<string, unknown>): TrainingPreflight {
  const m = MODEL[kind];
  const problems: PreflightProblem[] = [];
  const warnings: string[] = [];
  const out: TrainingPreflight = {
    ok: false, kind, dataset: null, preset: 'paper', textFallback: 'none', samples: 0, usablePairs: 0, trainPairs: 0, valPairs: 0,
    withoutText: 0, withoutMask: 0, baseModel: null, configSummary: '', batchSize: null, phases: [], problems, warnings, params: {},
  };
  const parsed = trainParamsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push({ field: 'config', message: `${kind} job: ${issue?.message ?? 'invalid parameters'}${issue?.path.length ? ` at params.${issue.path.join('.')}` : ''}`, fix: { label: 'Check the run parameters', href: null, cli: null } });
    return out;
  }
  const p = parsed.data;
  const dataset = store.datasets.summary(p.datasetId);
  const preset = p.preset ?? 'paper';
  out.preset = preset;
  if (!dataset) {
    problems.push({ field: 'dataset', message: `dataset ${p.datasetId} not found`, fix: { label: 'Datasets', href: '/datasets', cli: 'ric datasets' } });
    return out;
  }
  out.dataset = { id: dataset.id, name: dataset.name, format: dataset.format, status: dataset.status };
  const named = `dataset "${dataset.name}"`;
  const fallback = p.textFallback ?? defaultTextFallback(dataset.format);
  out.textFallback = fallback;
  const cliTrain = `ric train ${m.family} --dataset ${q(dataset.name)}`;

  // The config the run would store: preset ⊕ overrides, the base model from Settings when none is named.
  const settings = readSettings(store.settings);
  const over: Record<string, unknown> = { ...p.config };
  if (preset !== 'tiny' && (over['base_model'] === undefined || over['base_model'] === null) && settings.modelFolders[m.setting]) over['base_model'] = settings.modelFolders[m.setting];
  let batchSize = 0;
  let valFraction = 0.1;
  try {
    const merged = { ...mergeConfig(kind === 'train-regionclip' ? regionClipPreset(preset) : blipPreset(preset), over), seed: p.seed };
    const config = kind === 'train-regionclip' ? parseRegionClipConfig(merged, 'the run config') : parseBlipTrainingConfig(merged, 'the run config');
    out.configSummary = configSummary(config as unknown as Record<string, unknown>);
    batchSize = config.batch_size;
    valFraction = config.val_fraction;
    out.batchSize = config.batch_size;
    out.phases = config.phases.map((ph) => ({ name: ph.name, epochs: ph.epochs, lr: ph.lr }));
    out.baseModel = config.base_model;
    if (preset !== 'tiny') checkBaseModel(config.base_model, m, problems, cliTrain);
  } catch (err) {
    problems.push({ field: 'config', message: (err as Error).message, fix: { label: 'Fix the config', href: null, cli: `${cliTrain} --config FILE` } });
  }

  if (dataset.status !== 'ready') {
    const why = dataset.status === 'importing' ? 'is still importing: train once its import has finished' : 'failed to import: import it again';
    problems.push({ field: 'dataset', message: `${named} ${why}`, fix: { label: `Open ${dataset.name}`, href: `/datasets/${dataset.id}`, cli: `ric jobs` } });
  } else countPairs(store, dataset, kind, fallback, valFraction, batchSize, out);

  out.params = { datasetId: dataset.id, seed: p.seed, preset, textFallback: fallback, config: over, ...(p.name ? { name: p.name } : {}), ...(p.runUid ? { runUid: p.runUid } : {}) };
  out.ok = problems.length === 0;
  return out;
}

function checkBaseModel(dir: string | null, m: (typeof MODEL)[Kind], problems: PreflightProblem[], cliTrain: string): void {
  const fix = { label: `Settings → Model folders → ${m.setting}`, href: '/settings', cli: `${cliTrain} --preset tiny, or "base_model" in --config FILE` };
  if (!dir) {
    problems.push({ field: 'base_model', message: `no base model folder: the paper's settings fine-tune ${m.base}; set the ${m.setting} folder in Settings, name "base_model" in the config, or choose the tiny preset`, fix });
    return;
  }
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) return void problems.push({ field: 'base_model', message: `base model folder ${dir} does not exist`, fix });
  if (!fs.existsSync(configFile)) return void problems.push({ field: 'base_model', message: `base model folder ${dir} has no config.json (a Hugging Face model folder has config.json and model.safetensors)`, fix });
  let raw: { model_type?: unknown; architectures?: unknown };
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as typeof raw;
  } catch (err) {
    return void problems.push({ field: 'base_model', message: `${configFile}: not readable JSON: ${(err as Error).message}`, fix });
  }
  if (raw.model_type !== m.modelType) {
    return void problems.push({ field: 'base_model', message: `${dir} holds a ${JSON.stringify(raw.model_type ?? null)} model; ${m.label} fine-tunes ${m.base}`, fix });
  }
  if (!fs.existsSync(path.join(dir, 'model.safetensors')) && !fs.existsSync(path.join(dir, 'model.safetensors.index.json'))) {
    problems.push({ field: 'base_model', message: `${dir} has no model.safetensors (convert pytorch_model.bin to safetensors first)`, fix });
  }
}

/** Usable pairs under the text rule (and, for Region-CLIP, a mask box), and the split they train in. */
function countPairs(store: Store, dataset: DatasetSummary, kind: Kind, fallback: TrainingTextFallback, valFraction: number, batchSize: number, out: TrainingPreflight): void {
  const m = MODEL[kind];
  const named = `dataset "${dataset.name}"`;
  const samples = store.samples.trainingSamples(dataset.id);
  const texts = trainingTexts(store, dataset.id, m.text, fallback).texts;
  const own = fallback === 'none' ? trainingTexts(store, dataset.id, m.text, 'dataset').texts : texts;
  let usable = 0;
  let val = 0;
  let withoutText = 0;
  let withoutMask = 0;
  let couldFallBack = 0;
  for (const s of samples) {
    const hasText = texts.has(s.id);
    const hasBox = kind !== 'train-regionclip' || (s.box !== null && s.box.width > 0 && s.box.height > 0);
    if (!hasText) withoutText++;
    if (!hasText && own.has(s.id)) couldFallBack++;
    if (!hasBox) withoutMask++;
    if (hasText && hasBox) {
      usable++;
      if (s.split === 'val') val++;
    }
  }
  // The trainers' split (engine/training/split.ts): the dataset's val split when it has 2 or more, else a hold-out.
  const held = val >= 2 ? val : Math.max(2, Math.round(usable * valFraction));
  Object.assign(out, { samples: samples.length, usablePairs: usable, withoutText, withoutMask, valPairs: Math.min(held, usable), trainPairs: Math.max(0, usable - held) });
  const captionsFix = {
    label: `Review ${m.text} captions of ${dataset.name}`,
    href: `/captions?dataset=${dataset.id}&kind=${m.text}&status=pending`,
    cli: couldFallBack > 0 ? `${`ric train ${m.family} --dataset ${q(dataset.name)}`} --text-fallback dataset` : `ric caption --dataset ${q(dataset.name)} --kind ${m.text} --endpoint URL --model M`,
  };
  const masksFix = { label: `Samples of ${dataset.name} without a mask`, href: `/datasets/${dataset.id}?mask=no`, cli: `ric import masks DIR --dataset ${q(dataset.name)}` };
  const noText =
    fallback === 'none'
      ? `${withoutText} of its ${samples.length} samples have no approved ${m.text} caption${couldFallBack > 0 ? ` (${couldFallBack} have a ${m.text} description of their own: choose the text fallback to train on those)` : ''}`
      : `${withoutText} of its ${samples.length} samples have neither an approved ${m.text} caption nor a ${m.text} description of their own`;
  if (out.trainPairs < 2) {
    const why: string[] = [];
    if (samples.length === 0) why.push('it has no samples in its train and val splits');
    if (withoutText > 0) why.push(noText);
    if (withoutMask > 0) why.push(`${withoutMask} have no mask (${m.label} trains on the mask's box, Eq. 6)`);
    const message = `${named} has ${usable} usable pairs for ${m.label}, ${usable > 0 ? `${out.trainPairs} left to train after ${held} held out for validation; ` : ''}training needs at least 2 to train and 2 to validate${why.length ? `: ${why.join('; ')}` : ''}`;
    const field = withoutText >= withoutMask && withoutText > 0 ? 'texts' : withoutMask > 0 ? 'masks' : 'pairs';
    out.problems.push({ field, message, fix: field === 'masks' ? masksFix : field === 'texts' ? captionsFix : { label: `Open ${dataset.name}`, href: `/datasets/${dataset.id}`, cli: 'ric datasets' } });
    return;
  }
  if (withoutText > 0) out.warnings.push(`${withoutText} of ${samples.length} samples are left out: ${noText.replace(/^\d+ of its \d+ samples /, 'they ')}`);
  if (withoutMask > 0) out.warnings.push(`${withoutMask} samples have no mask and are left out (${m.label} trains on the mask's box, Eq. 6)`);
  if (batchSize > 0 && out.trainPairs < batchSize) out.warnings.push(`${out.trainPairs} training pairs are fewer than batch_size ${batchSize}: every step uses all ${out.trainPairs}`);
}
