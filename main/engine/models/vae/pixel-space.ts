// Pixel space as an "autoencoder" for the tiny editor (issue 15's `tiny` preset): the UNet denoises
// images in [-1, 1] directly, so encode is the identity (a posterior with zero spread) and decode is
// the identity. It has the members of AutoencoderKL that the editing pipeline and the editor's
// trainer use, so both run the same code path — decode(x̂0 / scaling_factor) included, which the
// region and global losses (Eq. 6–9) back-propagate through — at no cost and with nothing to train.
// A pipeline folder marks it with `"vae": [null, null]` in model_index.json (diffusers' way of
// leaving a part out); its UNet then takes 6 channels (noisy image + source image) and gives 3.
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../params.js';
import { DiagonalGaussian } from './model.js';

/** The subset of AutoencoderKL's config the pipeline and trainer read. */
export interface LatentCodecConfig {
  latent_channels: number;
  scaling_factor: number;
}

/** What the editing pipeline and the editor's trainer need of an autoencoder (AutoencoderKL or PixelSpace). */
export interface LatentCodec {
  readonly config: LatentCodecConfig;
  readonly params: ParamStore;
  gradientCheckpointing: boolean;
  readonly scalingFactor: number;
  readonly downscale: number;
  encode(pixels: tf.Tensor): DiagonalGaussian;
  decode(latents: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/** Pixel space's codec config: RGB itself (3 channels), unscaled. Pre-flights read it without building the codec. */
export const PIXEL_SPACE_CONFIG: Readonly<LatentCodecConfig> = { latent_channels: 3, scaling_factor: 1 };

/** The log-variance of the identity posterior: AutoencoderKL clamps to [-30, 20]; -30 is its floor. */
const LOGVAR_FLOOR = -30;

export class PixelSpace implements LatentCodec {
  readonly config: LatentCodecConfig = { ...PIXEL_SPACE_CONFIG };
  readonly params = new ParamStore('pixel space (no autoencoder)');
  gradientCheckpointing = false;
  readonly scalingFactor = 1;
  readonly downscale = 1;

  /** x itself as the posterior's mean; sample() adds std·ε with std = e^-15 ≈ 3e-7 (the VAE's floor). */
  encode(pixels: tf.Tensor): DiagonalGaussian {
    if (pixels.rank !== 4 || pixels.shape[1] !== 3) throw new Error(`pixel space: images must be [B, 3, H, W] in [-1, 1], got [${pixels.shape.join(', ')}]`);
    return new DiagonalGaussian(tf.clone(pixels), tf.fill(pixels.shape, LOGVAR_FLOOR));
  }

  /** The identity (a new tensor, so callers may dispose input and output independently). */
  decode(latents: tf.Tensor): tf.Tensor {
    if (latents.rank !== 4 || latents.shape[1] !== 3) throw new Error(`pixel space: latents must be [B, 3, H, W], got [${latents.shape.join(', ')}]`);
    return tf.clone(latents);
  }

  dispose(): void {
    this.params.dispose();
  }
}
