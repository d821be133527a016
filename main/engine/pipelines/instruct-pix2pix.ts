// InstructPix2Pix editing (Brooks et al. 2023; diffusers v0.25
// pipeline_stable_diffusion_instruct_pix2pix.py) as an explicit loop: the editor of the paper
// (Sec. 3.1) — a UNet that sees cat[noisy latents, source image latents] and the instruction's CLIP
// text states — with dual classifier-free guidance
//   ε̂ = ε(∅, ∅) + s_I (ε(c_I, ∅) − ε(∅, ∅)) + s_T (ε(c_I, c_T) − ε(c_I, ∅))
// from one UNet batch of three branches: (text, image), (empty text, image), (empty text, zero image).
import * as tf from '@tensorflow/tfjs';
import type { ClipTextModel } from '../models/clip/text-model.js';
import type { UNet2DConditionModel, UNetConfig } from '../models/unet/index.js';
import type { LatentCodec, LatentCodecConfig } from '../models/vae/index.js';
import { SeededRandom } from '../random.js';
import type { NoiseScheduler } from '../schedulers/index.js';
import type { ModelTokenizer } from '../tokenizers/index.js';

export const IP2P_DEFAULTS = { steps: 100, guidanceScale: 7.5, imageGuidanceScale: 1.5 } as const;

export class EditCancelled extends Error {
  constructor(readonly step: number) {
    super(`edit cancelled after ${step} steps`);
    this.name = 'EditCancelled';
  }
}

export interface EditProgress {
  step: number;
  total: number;
  timestep: number;
  seconds: number;
}

export interface EditOptions {
  /** source images [B, 3, H, W] in [0, 1], H and W multiples of the VAE's downscale (8) */
  image: tf.Tensor;
  /** the instruction(s): texts (tokenized with the pipeline's tokenizer) or token ids [B, L]; ignored with promptEmbeds */
  prompt?: string | readonly string[] | tf.Tensor;
  /** the unconditional prompt's token ids [B, L] (default: the empty text through the tokenizer) */
  negativePromptIds?: tf.Tensor;
  /** precomputed [text, negative] embeds [B, L, D] each (then no text encoder runs; not disposed) */
  promptEmbeds?: [tf.Tensor, tf.Tensor];
  /** default 100 (20–50 with DPM-Solver++) */
  steps?: number;
  /** s_T, default 7.5 */
  guidanceScale?: number;
  /** s_I, default 1.5 */
  imageGuidanceScale?: number;
  /** seeds the initial latents and the stochastic schedulers' noise (the engine's RNG) */
  seed?: number;
  /** initial latents [B, 4, h, w] instead of seeded ones (multiplied by init_noise_sigma, as diffusers does) */
  latents?: tf.Tensor;
  /** noise for a stochastic scheduler's step i (default: the seeded RNG) */
  stepNoise?: (step: number, shape: number[]) => tf.Tensor;
  /** run the three guidance branches as three UNet calls instead of one batch (a third of the activation peak) */
  separateBranches?: boolean;
  /** called after every step with the new latents (diffusers' callback_on_step_end); do not dispose them */
  onStep?: (step: number, timestep: number, latents: tf.Tensor) => void | Promise<void>;
  onProgress?: (p: EditProgress) => void | Promise<void>;
  /** decode x̂0 every k steps (and after the last) for a live preview */
  previewEvery?: number;
  /** the decoded x̂0 [B, 3, H, W] in [0, 1]; disposed after the callback returns */
  onPreview?: (step: number, image: tf.Tensor) => void | Promise<void>;
  signal?: AbortSignal;
  shouldStop?: () => boolean;
}

export interface EditResult {
  /** edited images [B, 3, H, W] in [0, 1] */
  image: tf.Tensor;
  /** the final latents [B, 4, h, w] (scaled, as the UNet sees them) */
  latents: tf.Tensor;
  steps: number;
  seconds: number;
}

/** A part loaded for each use and freed after it (the wasm heap cannot hold SD 1.5's UNet and VAE together). */
export interface OnDemand<M, C> {
  config: C;
  load: () => Promise<M>;
}

export interface Ip2pParts {
  /**
   * Resident, or loaded for the denoising loop and freed after it: with the VAE and text encoder on demand
   * too, the stages run one model at a time (text encoder, VAE encode, UNet loop, VAE decode), the only
   * layout in which SD 1.5 fits the wasm heap. Previews need the VAE inside the loop: not with this layout.
   */
  unet: UNet2DConditionModel | OnDemand<UNet2DConditionModel, UNetConfig>;
  /**
   * resident, or loaded to encode the source and to decode (previews included) and freed after each;
   * an AutoencoderKL, or PixelSpace (the tiny editor: the UNet works on pixels, encode/decode are identities)
   */
  vae: LatentCodec | OnDemand<LatentCodec, LatentCodecConfig>;
  /**
   * The text encoder kept loaded, or a loader called for each encoding and freed after it (on the wasm
   * heap SD 1.5's UNet + VAE + text encoder do not fit together: 4.27 GB of weights).
   */
  textEncoder: ClipTextModel | (() => Promise<ClipTextModel>);
  tokenizer: ModelTokenizer | null;
  scheduler: NoiseScheduler;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InstructPix2PixPipeline {
  constructor(
    readonly parts: Ip2pParts,
    /** where it was loaded from (errors name it) */
    readonly source = 'pipeline',
  ) {
    const need = parts.vae.config.latent_channels * 2;
    const inChannels = (parts.unet.config as UNetConfig).in_channels;
    if (inChannels !== need) {
      throw new Error(`${source}: unet/config.json in_channels is ${inChannels}; InstructPix2Pix needs ${need} (noisy latents + image latents). A text-to-image UNet must be widened to ${need} input channels first`);
    }
  }

  get scheduler(): NoiseScheduler {
    return this.parts.scheduler;
  }

  /** Swap the scheduler (e.g. DPM-Solver++ for fewer steps). */
  setScheduler(s: NoiseScheduler): void {
    this.parts.scheduler = s;
  }

  /** Texts → token ids [B, window] padded to the window, as diffusers' _encode_prompt tokenizes. */
  tokenize(texts: readonly string[]): { ids: tf.Tensor; truncated: { index: number; length: number; window: number }[] } {
    const tok = this.parts.tokenizer;
    if (!tok) throw new Error(`${this.source}: no tokenizer loaded; pass token ids`);
    const b = tok.encodeBatch(texts, 'max_length');
    return { ids: tf.tensor2d(b.inputIds, b.shape, 'int32'), truncated: b.truncated };
  }

  /** text_encoder(ids).last_hidden_state [B, L, D] per id batch (no attention mask, as diffusers calls CLIP here). */
  async encodePrompts(...ids: tf.Tensor[]): Promise<tf.Tensor[]> {
    const te = this.parts.textEncoder;
    const model = typeof te === 'function' ? await te() : te;
    try {
      return ids.map((i) => tf.tidy(() => model.encode(i).lastHiddenState));
    } finally {
      if (typeof te === 'function') model.dispose();
    }
  }

  private async withVae<T>(f: (vae: LatentCodec) => T): Promise<T> {
    const v = this.parts.vae;
    const vae = 'load' in v ? await v.load() : v;
    try {
      return f(vae);
    } finally {
      if ('load' in v) vae.dispose();
    }
  }

  /** The UNSCALED mode of the VAE posterior of 2·image − 1: [B, 4, h, w]. */
  encodeImage(image: tf.Tensor): Promise<tf.Tensor> {
    return this.withVae((vae) => {
      checkImage(image, vae.downscale, this.source);
      const scaled = tf.tidy(() => tf.sub(tf.mul(image, 2), 1));
      const posterior = vae.encode(scaled);
      const mode = posterior.mode();
      posterior.dispose();
      scaled.dispose();
      return mode;
    });
  }

  /** (vae.decode(latents / scaling_factor) / 2 + 0.5).clamp(0, 1): [B, 3, H, W]. */
  decodeLatents(latents: tf.Tensor): Promise<tf.Tensor> {
    return this.withVae((vae) => tf.tidy(() => tf.clipByValue(tf.add(tf.div(vae.decode(tf.div(latents, vae.scalingFactor)), 2), 0.5), 0, 1)));
  }

  private promptIds(prompt: EditOptions['prompt'], batch: number): tf.Tensor {
    if (prompt === undefined) throw new Error(`${this.source}: an edit needs a prompt (texts or token ids) or promptEmbeds`);
    if (prompt instanceof tf.Tensor) return tf.clone(prompt);
    const texts = typeof prompt === 'string' ? [prompt] : [...prompt];
    const all = texts.length === 1 && batch > 1 ? Array.from({ length: batch }, () => texts[0]!) : texts;
    return this.tokenize(all).ids;
  }

  async edit(o: EditOptions): Promise<EditResult> {
    const started = performance.now();
    const { scheduler } = this.parts;
    const unetPart = this.parts.unet;
    if ('load' in unetPart && 'load' in this.parts.vae && o.onPreview && (o.previewEvery ?? 0) > 0) {
      throw new Error(`${this.source}: previews decode inside the loop, which needs the UNet and the VAE loaded together; load one of them resident or turn previews off`);
    }
    let unet: UNet2DConditionModel | null = 'load' in unetPart ? null : unetPart;
    const steps = o.steps ?? IP2P_DEFAULTS.steps;
    const sT = o.guidanceScale ?? IP2P_DEFAULTS.guidanceScale;
    const sI = o.imageGuidanceScale ?? IP2P_DEFAULTS.imageGuidanceScale;
    const batch = o.image.shape[0]!;
    const random = new SeededRandom(o.seed ?? 0);
    const keep: tf.Tensor[] = [];
    let latents: tf.Tensor | null = null;
    let done = false;
    try {
      // 1. Prompt embeds: cat[text, empty, empty] (the branches' order in diffusers' _encode_prompt).
      let text: tf.Tensor;
      let negative: tf.Tensor;
      if (o.promptEmbeds) {
        [text, negative] = o.promptEmbeds.map((t) => tf.clone(t)) as [tf.Tensor, tf.Tensor];
      } else {
        const ids = this.promptIds(o.prompt, batch);
        const negIds = o.negativePromptIds ? tf.clone(o.negativePromptIds) : this.tokenize(Array.from({ length: batch }, () => '')).ids;
        try {
          [text, negative] = (await this.encodePrompts(ids, negIds)) as [tf.Tensor, tf.Tensor];
        } finally {
          tf.dispose([ids, negIds]);
        }
      }
      keep.push(text, negative);
      if (text.shape[0] !== batch || negative.shape[0] !== batch) throw new Error(`${this.source}: ${text.shape[0]} prompts and ${negative.shape[0]} negative prompts for ${batch} images`);
      const promptEmbeds = tf.concat([text, negative, negative]);
      keep.push(promptEmbeds);
      // 2. Timesteps.
      scheduler.setTimesteps(steps);
      // 3. Image latents: cat[image, image, zeros] (the third branch sees no image).
      const imageLatents = await this.encodeImage(o.image);
      const allImageLatents = tf.tidy(() => tf.concat([imageLatents, imageLatents, tf.zerosLike(imageLatents)]));
      keep.push(imageLatents, allImageLatents);
      // 4. Initial latents, scaled by the scheduler's init_noise_sigma.
      const latentShape = imageLatents.shape;
      latents = tf.tidy(() => tf.mul(o.latents ? checkShape(o.latents, latentShape, 'latents') : random.normalTensor(latentShape), scheduler.initNoiseSigma));
      const sigmaSpace = scheduler.sigmas !== null;
      if (!unet) unet = await (unetPart as OnDemand<UNet2DConditionModel, UNetConfig>).load();
      const model = unet;
      // 5. Denoising loop.
      const timesteps = scheduler.timesteps;
      for (let i = 0; i < timesteps.length; i++) {
        if (o.signal?.aborted || o.shouldStop?.()) throw new EditCancelled(i);
        const t = timesteps[i]!;
        const current: tf.Tensor = latents;
        const result = tf.tidy(() => {
          // 5a. Three copies of the latents, scaled for the model, then cat with the image latents on channels.
          const tripled = tf.concat([current, current, current]);
          const modelInput = tf.concat([scheduler.scaleModelInput(tripled, t), allImageLatents], 1);
          let eps = o.separateBranches
            ? tf.concat(tf.split(modelInput, 3).map((part, k) => model.forward(part, t, tf.slice(promptEmbeds, [k * batch, 0, 0], [batch, -1, -1]))))
            : model.forward(modelInput, t, promptEmbeds);
          // 5b. σ-space schedulers: diffusers combines the branches' x0 = x − σ ε and converts back.
          const sigma = sigmaSpace ? scheduler.sigmas![timesteps.indexOf(t)]! : 0;
          if (sigmaSpace) eps = tf.sub(tripled, tf.mul(eps, sigma));
          // 5c. Dual guidance: ε_u + s_T (ε_text − ε_image) + s_I (ε_image − ε_u).
          const [eText, eImage, eUncond] = tf.split(eps, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
          let guided = tf.add(tf.add(eUncond, tf.mul(tf.sub(eText, eImage), sT)), tf.mul(tf.sub(eImage, eUncond), sI));
          if (sigmaSpace) guided = tf.div(tf.sub(guided, current), -sigma);
          // 5d. The scheduler's step (stochastic ones take injected or seeded noise).
          const noise = o.stepNoise ? o.stepNoise(i, latentShape) : undefined;
          const r = scheduler.step(guided, t, current, noise ? { noise } : { random });
          const x0 = r.predOriginalSample ?? this.predictedOriginal(current, guided, i);
          return { prev: r.prevSample, x0 };
        });
        current.dispose();
        latents = result.prev;
        await o.onStep?.(i, t, latents);
        const k = o.previewEvery ?? 0;
        if (o.onPreview && k > 0 && ((i + 1) % k === 0 || i === timesteps.length - 1)) {
          const preview = await this.decodeLatents(result.x0);
          try {
            await o.onPreview(i + 1, preview);
          } finally {
            preview.dispose();
          }
        }
        result.x0.dispose();
        await o.onProgress?.({ step: i + 1, total: timesteps.length, timestep: t, seconds: (performance.now() - started) / 1000 });
        await yieldToEvents();
      }
      // 6. Decode (an on-demand UNet is freed first).
      if ('load' in unetPart && unet) {
        unet.dispose();
        unet = null;
      }
      const image = await this.decodeLatents(latents);
      done = true;
      return { image, latents, steps: timesteps.length, seconds: (performance.now() - started) / 1000 };
    } finally {
      tf.dispose(keep);
      if (!done && latents) latents.dispose();
      if ('load' in unetPart && unet) unet.dispose();
      (scheduler as { dispose?: () => void }).dispose?.();
    }
  }

  /** x̂0 for a scheduler that does not return it (DPM-Solver): (x − σ_t ε)/α_t at the step's σ. */
  private predictedOriginal(latents: tf.Tensor, eps: tf.Tensor, step: number): tf.Tensor {
    const sigma = this.parts.scheduler.sigmas?.[step];
    if (sigma === undefined) return tf.clone(latents);
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    return tf.div(tf.sub(latents, tf.mul(eps, sigma * alpha)), alpha);
  }

  dispose(): void {
    if (!('load' in this.parts.unet)) this.parts.unet.dispose();
    if (!('load' in this.parts.vae)) this.parts.vae.dispose();
    if (typeof this.parts.textEncoder !== 'function') this.parts.textEncoder.dispose();
  }
}

function checkShape(t: tf.Tensor, shape: number[], what: string): tf.Tensor {
  if (t.shape.join() !== shape.join()) throw new Error(`${what} must be [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  return t;
}

/** An image batch the VAE can encode: [B, 3, H, W] float in [0, 1], sides multiples of the downscale. */
export function checkImage(image: tf.Tensor, downscale: number, source: string): void {
  if (image.rank !== 4 || image.shape[1] !== 3) {
    throw new Error(`${source}: the image must be RGB as [B, 3, H, W] in [0, 1], got [${image.shape.join(', ')}]${image.rank === 4 && image.shape[1] !== 3 ? ` (${image.shape[1]} channels)` : ''}`);
  }
  if (image.dtype !== 'float32') throw new Error(`${source}: the image must be float32 in [0, 1], got ${image.dtype}`);
  const [, , h, w] = image.shape as [number, number, number, number];
  if (h % downscale !== 0 || w % downscale !== 0) throw new Error(`${source}: a ${w}×${h} image is not a multiple of ${downscale} pixels on each side (resize or crop it first)`);
}
