// A diffusers pipeline folder (model_index.json + one sub-folder per part) checked part by part
// before anything heavy is read: every error names the file or part that is missing or wrong.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError, checkPretrained, describeProblems, resolveConfig } from '../models/registry.js';
import { knownSchedulerClasses, readSchedulerConfig } from '../schedulers/index.js';

/** The parts an InstructPix2Pix / Stable Diffusion pipeline folder names, with the classes we load. */
export const PIPELINE_PARTS = {
  unet: ['UNet2DConditionModel'],
  vae: ['AutoencoderKL'],
  text_encoder: ['CLIPTextModel'],
  // BertTokenizer: the tiny editor's word-level tokenizer.json (training/text.ts writeWordTokenizer)
  tokenizer: ['CLIPTokenizer', 'CLIPTokenizerFast', 'BertTokenizer', 'BertTokenizerFast'],
  scheduler: knownSchedulerClasses(),
} as const;
export type PipelinePart = keyof typeof PIPELINE_PARTS;

const partEntry = z.tuple([z.string().nullable(), z.string().nullable()]);
const modelIndexSchema = z.looseObject({ _class_name: z.string(), _diffusers_version: z.string().optional() });

export interface ModelIndex {
  className: string;
  diffusersVersion: string | null;
  /** part name → [library, class] as model_index.json lists them (null entries: part absent) */
  parts: Record<string, [string | null, string | null]>;
}

export class PipelineFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineFolderError';
  }
}

export function readModelIndex(dir: string): ModelIndex {
  const file = path.join(dir, 'model_index.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PipelineFolderError(`${file}: ${code === 'ENOENT' ? 'not found: is this a diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/)?' : (err as Error).message}`);
  }
  if (text.length > 1_000_000) throw new PipelineFolderError(`${file}: too large for a model index`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PipelineFolderError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  const parsed = modelIndexSchema.safeParse(raw);
  if (!parsed.success) throw new PipelineFolderError(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'} (field "${parsed.error.issues[0]?.path.join('.') ?? '?'}")`);
  const parts: ModelIndex['parts'] = {};
  for (const [k, v] of Object.entries(parsed.data)) {
    if (k.startsWith('_') || k === 'requires_safety_checker') continue;
    const entry = partEntry.safeParse(v);
    if (entry.success) parts[k] = entry.data;
  }
  return { className: parsed.data._class_name, diffusersVersion: parsed.data._diffusers_version ?? null, parts };
}

export interface PartCheck {
  part: PipelinePart;
  /** the part's folder; null for a vae left out (`"vae": [null, null]`: pixel space) */
  dir: string | null;
  className: string | null;
  ok: boolean;
  problem?: string;
}

export interface PipelineCheckOptions {
  /** parts the caller provides itself (e.g. the tokenizer, when token ids are given) */
  skip?: readonly PipelinePart[];
  /** a folder to read the scheduler from instead of scheduler/ (relative to the pipeline folder or absolute) */
  schedulerDir?: string;
}

function partDir(dir: string, part: PipelinePart, opts: PipelineCheckOptions): string {
  if (part === 'scheduler' && opts.schedulerDir) return path.resolve(dir, opts.schedulerDir);
  return path.join(dir, part);
}

/** A pipeline whose model_index.json lists `"vae": [null, null]` works in pixel space (models/vae/pixel-space.ts). */
export function isPixelSpace(index: ModelIndex): boolean {
  const vae = index.parts['vae'];
  return vae !== undefined && vae[0] === null && vae[1] === null;
}

function checkPart(dir: string, index: ModelIndex, part: PipelinePart, opts: PipelineCheckOptions): PartCheck {
  if (part === 'vae' && isPixelSpace(index)) return { part, dir: null, className: null, ok: true };
  const sub = partDir(dir, part, opts);
  const listed = index.parts[part];
  const className = part === 'scheduler' && opts.schedulerDir ? null : (listed?.[1] ?? null);
  const fail = (problem: string): PartCheck => ({ part, dir: sub, className, ok: false, problem });
  if (!(part === 'scheduler' && opts.schedulerDir) && (!listed || listed[1] === null)) return fail(`${path.join(dir, 'model_index.json')}: no "${part}" part`);
  if (className && !(PIPELINE_PARTS[part] as readonly string[]).includes(className)) return fail(`${path.join(dir, 'model_index.json')}: ${part} is ${className}; supported: ${PIPELINE_PARTS[part].join(', ')}`);
  if (!fs.existsSync(sub) || !fs.statSync(sub).isDirectory()) return fail(`${sub}: the ${part} folder is missing`);
  try {
    if (part === 'scheduler') {
      readSchedulerConfig(sub);
    } else if (part === 'tokenizer') {
      const files = ['tokenizer.json', 'vocab.json'].filter((f) => fs.existsSync(path.join(sub, f)));
      if (!files.length) return fail(`${sub}: no tokenizer.json (or vocab.json + merges.txt)`);
      if (files[0] === 'vocab.json' && !fs.existsSync(path.join(sub, 'merges.txt'))) return fail(`${path.join(sub, 'merges.txt')}: not found (vocab.json needs it)`);
    } else {
      const resolved = resolveConfig(sub);
      const want = PIPELINE_PARTS[part] as readonly string[];
      if (!want.includes(resolved.architecture)) return fail(`${path.join(sub, 'config.json')}: ${resolved.architecture}, expected ${want.join(' or ')}`);
      const report = checkPretrained(sub);
      if (!report.ok) return fail(`${sub}: ${describeProblems(report)}`);
    }
  } catch (err) {
    return fail(err instanceof ModelLoadError || err instanceof Error ? err.message : String(err));
  }
  return { part, dir: sub, className, ok: true };
}

/** Every part checked (configs parsed, weight headers matched); nothing heavy is read. */
export function checkPipelineFolder(dir: string, opts: PipelineCheckOptions = {}): { index: ModelIndex; parts: PartCheck[] } {
  const index = readModelIndex(dir);
  const parts = (Object.keys(PIPELINE_PARTS) as PipelinePart[]).filter((p) => !opts.skip?.includes(p)).map((p) => checkPart(dir, index, p, opts));
  return { index, parts };
}

/** Throws one error listing every part that is missing or wrong. */
export function assertPipelineFolder(dir: string, opts: PipelineCheckOptions = {}): { index: ModelIndex; parts: PartCheck[] } {
  const checked = checkPipelineFolder(dir, opts);
  const bad = checked.parts.filter((p) => !p.ok);
  if (bad.length) throw new PipelineFolderError(`${dir}: not a usable pipeline folder: ${bad.map((b) => `${b.part}: ${b.problem}`).join('; ')}`);
  return checked;
}
