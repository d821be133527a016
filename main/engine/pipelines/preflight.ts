// Before an edit job starts (and in `ric doctor`, and in the Edit view before Run): is the pipeline
// folder usable, what does it hash to, and does an edit fit the backend's memory — resident, or with
// the stages on demand (one model at a time) — and if neither, what does fit. Reads configs and
// safetensors headers only: no weights.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EditCheck } from '../../../shared/api/edit.js';
import { editSchedulerNames } from '../../../shared/api/edit.js';
import { checkPretrained, resolveConfig } from '../models/registry.js';
import type { UNetConfig } from '../models/unet/index.js';
import type { VaeConfig } from '../models/vae/index.js';
import { SCHEDULER_NAMES, type SchedulerName } from '../schedulers/index.js';
import { PIXEL_SPACE_CONFIG } from '../models/vae/pixel-space.js';
import { checkPipelineFolder, isPixelSpace, readModelIndex } from './folder.js';
import { estimateEditorMemory, type EditorMemoryEstimate } from './memory.js';

// The Api's scheduler names are the engine's (a compile-time check that the two lists agree).
const _names: readonly SchedulerName[] = editSchedulerNames;
const _back: readonly (typeof editSchedulerNames)[number][] = Object.keys(SCHEDULER_NAMES) as SchedulerName[];
void _names;
void _back;

/** The config files of a pipeline folder that the config hash covers, relative, in this order. */
export const CONFIG_FILES = [
  'model_index.json',
  'unet/config.json',
  'vae/config.json',
  'text_encoder/config.json',
  'scheduler/scheduler_config.json',
  'tokenizer/tokenizer_config.json',
  'tokenizer/tokenizer.json',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
] as const;

const WEIGHT_NAMES = /^(diffusion_pytorch_model|model)(\.fp16)?(-\d+-of-\d+)?\.safetensors(\.index\.json)?$/;

/**
 * sha256 over the folder's config files that exist (relative path, NUL, bytes, NUL — in CONFIG_FILES
 * order), and the weight files seen (name, bytes): configs say which architecture and settings; two
 * checkpoints of one architecture share them, so the folder path and weight sizes go with the hash.
 */
export function pipelineConfigHash(dir: string): { sha256: string; files: string[]; weights: { file: string; bytes: number }[] } {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const rel of CONFIG_FILES) {
    const file = path.join(dir, rel);
    let bytes: Buffer;
    try {
      if (fs.statSync(file).size > 64 * 1024 * 1024) throw new Error(`${file}: too large for a config file`);
      bytes = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    hash.update(rel).update('\0').update(bytes).update('\0');
    files.push(rel);
  }
  const weights: { file: string; bytes: number }[] = [];
  for (const part of ['unet', 'vae', 'text_encoder']) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(dir, part)).filter((n) => WEIGHT_NAMES.test(n)).sort();
    } catch {
      continue;
    }
    for (const n of names) weights.push({ file: `${part}/${n}`, bytes: fs.statSync(path.join(dir, part, n)).size });
  }
  return { sha256: hash.digest('hex'), files, weights };
}

/** The downscale of a VAE (2 per down block after the first). */
export const vaeDownscale = (c: VaeConfig) => 2 ** (c.block_out_channels.length - 1);

/** The edited image's [height, width] for a source of width × height at `resolution` (longer side), floored to multiples of 8. */
export function editSize(width: number, height: number, resolution: number, multipleOf = 8): [number, number] {
  const scale = resolution / Math.max(width, height);
  const floor = (v: number) => Math.max(multipleOf, Math.floor((v * scale) / multipleOf) * multipleOf);
  return [floor(height), floor(width)];
}

export interface EditPlan extends EditCheck {
  unetConfig: UNetConfig | null;
  vaeConfig: VaeConfig | null;
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

/**
 * The pre-flight of an edit at `resolution` (default: the model's own) on `backend` (null: the engine
 * has not started; wasm is assumed, the strictest). Every problem names its file.
 */
export function planEdit(dir: string, opts: { resolution?: number | undefined; backend: string | null }): EditPlan {
  const folder = path.resolve(dir);
  const backend = { name: opts.backend ?? 'wasm', known: opts.backend !== null };
  const empty: EditPlan = { folder, parts: [], problems: [], nativeResolution: null, resolution: opts.resolution ?? null, backend, memory: null, unetConfig: null, vaeConfig: null };
  if (!fs.existsSync(folder)) return { ...empty, problems: [`${folder}: no such folder`] };
  let checked;
  try {
    readModelIndex(folder);
    checked = checkPipelineFolder(folder);
  } catch (err) {
    return { ...empty, problems: [(err as Error).message] };
  }
  const parts = checked.parts.map((p) => ({ part: p.part, dir: p.dir, className: p.className, ok: p.ok, problem: p.problem ?? null }));
  const problems = checked.parts.filter((p) => !p.ok).map((p) => `${p.part}: ${p.problem}`);
  // The configs are read even where a part's weights are wrong: a text-to-image UNet (4 input
  // channels) is then named for what it is, not only for its misshapen conv_in.
  const config = <C>(part: string): C | null => {
    if (!fs.existsSync(path.join(folder, part, 'config.json'))) return null;
    try {
      return resolveConfig(path.join(folder, part)).config as C;
    } catch {
      return null; // reported by the part check
    }
  };
  const unetConfig = config<UNetConfig>('unet');
  // Pixel space (`"vae": [null, null]`, the tiny editor): no VAE; the UNet sees noisy image + source
  // image (6 channels) and predicts 3, at the image's own resolution (downscale 1).
  const pixelSpace = isPixelSpace(checked.index);
  const vaeConfig = pixelSpace ? null : config<VaeConfig>('vae');
  const latentChannels = pixelSpace ? PIXEL_SPACE_CONFIG.latent_channels : vaeConfig?.latent_channels;
  if (unetConfig && latentChannels !== undefined && unetConfig.in_channels !== 2 * latentChannels) {
    problems.unshift(
      pixelSpace
        ? `${path.join(folder, 'unet', 'config.json')}: in_channels is ${unetConfig.in_channels}; a pixel-space pipeline ("vae": [null, null] in model_index.json) needs ${2 * latentChannels} (noisy image + source image)`
        : `${path.join(folder, 'unet', 'config.json')}: in_channels is ${unetConfig.in_channels}; InstructPix2Pix needs ${2 * latentChannels} (noisy latents + source image latents) — this looks like a text-to-image UNet`,
    );
  }
  if (unetConfig && pixelSpace && unetConfig.out_channels !== latentChannels) problems.unshift(`${path.join(folder, 'unet', 'config.json')}: out_channels is ${unetConfig.out_channels}; a pixel-space UNet predicts ${latentChannels} (an RGB image's noise)`);
  if (!unetConfig || (!vaeConfig && !pixelSpace) || problems.length) return { ...empty, parts, problems, unetConfig, vaeConfig };
  const down = vaeConfig ? vaeDownscale(vaeConfig) : 1;
  // diffusers' pipelines: height = unet.config.sample_size * vae_scale_factor (64 when the config has none).
  const ss = unetConfig.sample_size;
  const nativeResolution = (Array.isArray(ss) ? Math.max(...ss) : (ss ?? 64)) * down;
  const resolution = opts.resolution ?? nativeResolution;
  if (resolution % 8 !== 0 || resolution % down !== 0) problems.push(`resolution ${resolution} is not a multiple of 8 (the image sides are floored to multiples of 8)`);
  let textEncoderParams = 0;
  try {
    if (parts.find((p) => p.part === 'text_encoder')?.ok) textEncoderParams = checkPretrained(path.join(folder, 'text_encoder')).numParams;
  } catch {
    // Reported by the part check already.
  }
  const at = (side: number, onDemand: boolean): EditorMemoryEstimate =>
    estimateEditorMemory({ unetConfig: unetConfig!, vaeConfig, textEncoderParams: onDemand ? 0 : textEncoderParams, vaeResident: !onDemand, resolution: side, batch: 1, backend: backend.name });
  const layoutOf = (e: EditorMemoryEstimate) => ({ peak: e.peak, weights: e.weights.total, activations: e.activations, fits: e.fitsWasmHeap, summary: e.summary });
  const side = Math.max(down, Math.floor(resolution / 8) * 8);
  const resident = at(side, false);
  const onDemand = at(side, true);
  const limited = resident.fitsWasmHeap !== null;
  const largest = (onDemandLayout: boolean): number | null => {
    if (!limited) return null;
    for (let s = 2048; s >= 64; s -= 64) if (at(s, onDemandLayout).fitsWasmHeap) return s;
    return null;
  };
  const largestResident = largest(false);
  const largestOnDemand = largest(true);
  const layout = !limited || resident.fitsWasmHeap ? 'resident' : onDemand.fitsWasmHeap ? 'on-demand' : null;
  const assumed = backend.known ? '' : ' (the engine has not started yet: checked for wasm, the strictest)';
  let verdict: string;
  if (!limited) verdict = `an edit at ${side}×${side} needs about ${gb(resident.peak)} of ${backend.name} memory (its limit is the device's)`;
  else if (layout === 'resident') verdict = `fits the wasm heap at ${side}×${side}: peak ${gb(resident.peak)} of 4 GiB${assumed}`;
  else if (layout === 'on-demand')
    verdict = `fits the wasm heap at ${side}×${side} only with the stages on demand (one model at a time, no live preview): peak ${gb(onDemand.peak)}; all resident needs ${gb(resident.peak)}${largestResident ? ` (resident fits up to ${largestResident}×${largestResident})` : ''}${assumed}`;
  else
    verdict = `does NOT fit the wasm heap at ${side}×${side}: ${gb(onDemand.peak)} even one model at a time (4 GiB limit)${largestOnDemand ? `; ${largestOnDemand}×${largestOnDemand} fits with the stages on demand` : '; no resolution fits: use a GPU backend (tfjs-node-gpu or WebGPU)'}${assumed}`;
  return {
    folder,
    parts,
    problems,
    nativeResolution,
    resolution: side,
    backend,
    memory: { resident: layoutOf(resident), onDemand: layoutOf(onDemand), layout, largestResident, largestOnDemand, verdict },
    unetConfig,
    vaeConfig,
  };
}

/** The plan as the Api returns it (no configs). */
export function editCheckOf(plan: EditPlan): EditCheck {
  const { unetConfig: _u, vaeConfig: _v, ...check } = plan;
  return check;
}
