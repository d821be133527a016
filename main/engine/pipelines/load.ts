// One call loads a whole InstructPix2Pix (or MagicBrush: same layout) pipeline folder: the folder is
// checked part by part first (pipelines/folder.ts), the UNet's input channels before its weights are
// read, then each part is loaded; a failure frees what was already loaded.
import path from 'node:path';
import { fromPretrained, resolveConfig, type PretrainedModel } from '../models/registry.js';
import type { ClipTextModel } from '../models/clip/text-model.js';
import type { UNet2DConditionModel, UNetConfig } from '../models/unet/index.js';
import { PixelSpace, type AutoencoderKL, type LatentCodecConfig, type VaeConfig } from '../models/vae/index.js';
import { SCHEDULER_NAMES, loadScheduler, type SchedulerName } from '../schedulers/index.js';
import { pipelineTokenizer } from '../tokenizers/clip-vocab.js';
import { PipelineFolderError, assertPipelineFolder, isPixelSpace, type ModelIndex, type PipelinePart } from './folder.js';
import { InstructPix2PixPipeline } from './instruct-pix2pix.js';

export interface LoadPipelineOptions {
  /** read the scheduler from this folder instead of scheduler/ (relative to the pipeline folder, or absolute) */
  schedulerDir?: string;
  /** use this scheduler (a short name or a diffusers class), built from the folder's scheduler config */
  scheduler?: SchedulerName | string;
  /** false when the caller passes token ids (no tokenizer/ needed) */
  tokenizer?: boolean;
  /** the UNet's parameters start trainable (the editor's training) */
  trainableUnet?: boolean;
  /**
   * 'resident' (default) keeps the text encoder loaded; 'on-demand' loads it for each prompt encoding and
   * frees it (SD 1.5 on the wasm heap: the three parts' 4.27 GB of weights do not fit together).
   */
  textEncoder?: 'resident' | 'on-demand';
  /** 'on-demand': load the VAE to encode the source and to decode, freeing it for the denoising loop */
  vae?: 'resident' | 'on-demand';
  /** 'on-demand': load the UNet for each edit's denoising loop and free it before decoding (SD 1.5 on wasm: all three on demand) */
  unet?: 'resident' | 'on-demand';
  onProgress?: (part: PipelinePart, loaded: number, total: number) => void;
}

export interface LoadedPipeline {
  pipeline: InstructPix2PixPipeline;
  index: ModelIndex;
  /** the folder each part was read from (vae: null in pixel space) */
  dirs: Record<PipelinePart, string | null>;
}

export async function loadInstructPix2Pix(dir: string, opts: LoadPipelineOptions = {}): Promise<LoadedPipeline> {
  const skip: PipelinePart[] = opts.tokenizer === false ? ['tokenizer'] : [];
  const { index, parts } = assertPipelineFolder(dir, { skip, ...(opts.schedulerDir ? { schedulerDir: opts.schedulerDir } : {}) });
  const dirOf = (p: PipelinePart) => parts.find((x) => x.part === p)?.dir ?? null;
  // The UNet must take noisy latents + image latents: say so before reading gigabytes of weights.
  const unetConfig = resolveConfig(dirOf('unet')!).config as UNetConfig;
  const pixelSpace = isPixelSpace(index);
  const vaeConfig: LatentCodecConfig = pixelSpace ? new PixelSpace().config : (resolveConfig(dirOf('vae')!).config as VaeConfig);
  if (unetConfig.in_channels !== 2 * vaeConfig.latent_channels) {
    throw new PipelineFolderError(`${path.join(dirOf('unet')!, 'config.json')}: in_channels is ${unetConfig.in_channels}; InstructPix2Pix needs ${2 * vaeConfig.latent_channels} (noisy ${pixelSpace ? 'image + source image: the pipeline works in pixel space' : 'latents + source image latents'}) — ${pixelSpace ? 'a pixel-space UNet takes 6 channels' : 'this looks like a text-to-image UNet'}`);
  }
  if (pixelSpace && unetConfig.out_channels !== 3) throw new PipelineFolderError(`${path.join(dirOf('unet')!, 'config.json')}: out_channels is ${unetConfig.out_channels}; a pixel-space UNet predicts 3 channels`);
  const className = opts.scheduler ? ((SCHEDULER_NAMES as Record<string, string>)[opts.scheduler] ?? opts.scheduler) : undefined;
  const scheduler = loadScheduler(dirOf('scheduler')!, className);
  const loaded: PretrainedModel[] = [];
  try {
    const load = async <M extends PretrainedModel>(part: PipelinePart, trainable: boolean) => {
      const m = await fromPretrained<M>(dirOf(part)!, { trainable, onProgress: (i, n) => opts.onProgress?.(part, i, n) });
      loaded.push(m);
      return m;
    };
    const textEncoder = opts.textEncoder === 'on-demand' ? () => fromPretrained<ClipTextModel>(dirOf('text_encoder')!) : await load<ClipTextModel>('text_encoder', false);
    const vae = pixelSpace ? new PixelSpace() : opts.vae === 'on-demand' ? { config: vaeConfig, load: () => fromPretrained<AutoencoderKL>(dirOf('vae')!) } : await load<AutoencoderKL>('vae', false);
    const unet = opts.unet === 'on-demand' ? { config: unetConfig, load: () => fromPretrained<UNet2DConditionModel>(dirOf('unet')!, { trainable: opts.trainableUnet ?? false }) } : await load<UNet2DConditionModel>('unet', opts.trainableUnet ?? false);
    const tokenizer = opts.tokenizer === false ? null : pipelineTokenizer(dirOf('tokenizer')!);
    const pipeline = new InstructPix2PixPipeline({ unet, vae, textEncoder, tokenizer, scheduler }, dir);
    const dirs = Object.fromEntries((['unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'] as PipelinePart[]).map((p) => [p, dirOf(p)])) as Record<PipelinePart, string | null>;
    return { pipeline, index, dirs };
  } catch (err) {
    for (const m of loaded) m.dispose();
    throw err;
  }
}
