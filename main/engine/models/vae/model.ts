// AutoencoderKL (Rombach et al. 2022; diffusers v0.25 autoencoder_kl.py, vae.py): the encoder maps
// an image in [-1, 1] to the moments of a diagonal Gaussian over latents (mean, log-variance clamped
// to [-30, 20]); the decoder maps latents back. The pipelines scale latents by scaling_factor
// themselves (InstructPix2Pix's image latents are the UNSCALED posterior mode). The decoder is
// differentiable and checkpointable: the editor's region and global losses back-propagate through
// decode(x̂0) (Eq. 6-10), the memory peak of that training.
import * as tf from '@tensorflow/tfjs';
import { activation, checkpoint, groupNorm } from '../../layers/index.js';
import type { SeededRandom } from '../../random.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import { convByName, downsample, resnetBlock, spatialSelfAttention, upsample, type Activation } from '../unet/blocks.js';
import type { ResnetSpec } from '../unet/config.js';
import { vaePlan, type VaeConfig, type VaeMidSpec, type VaePlan } from './config.js';

/** DiagonalGaussianDistribution: tensors in diffusers' layout [B, latent_channels, h, w]. */
export class DiagonalGaussian {
  readonly std: tf.Tensor;

  constructor(
    /** the first half of the moments */
    readonly mean: tf.Tensor,
    /** the second half, clamped to [-30, 20] */
    readonly logvar: tf.Tensor,
  ) {
    this.std = tf.tidy(() => tf.exp(tf.mul(logvar, 0.5)));
  }

  /** The mean (a new tensor the caller disposes). */
  mode(): tf.Tensor {
    return tf.clone(this.mean);
  }

  /** mean + std · ε, with ε injected (a reference's noise) or drawn from the engine's seeded RNG. */
  sample(noise: tf.Tensor | SeededRandom): tf.Tensor {
    return tf.tidy(() => {
      const eps = noise instanceof tf.Tensor ? noise : noise.normalTensor(this.mean.shape);
      if (eps.shape.join() !== this.mean.shape.join()) throw new Error(`posterior sample: noise [${eps.shape.join(', ')}] does not match the latents [${this.mean.shape.join(', ')}]`);
      return tf.add(this.mean, tf.mul(this.std, eps));
    });
  }

  dispose(): void {
    tf.dispose([this.mean, this.logvar, this.std]);
  }
}

export class AutoencoderKL implements PretrainedModel {
  readonly plan: VaePlan;
  /** Checkpoint each decoder (and encoder) resnet and mid-block attention; the trainers turn it on. */
  gradientCheckpointing = false;
  private readonly act: Activation;

  constructor(
    readonly config: VaeConfig,
    readonly params: ParamStore,
  ) {
    this.plan = vaePlan(config);
    this.act = activation(config.act_fn);
  }

  get scalingFactor(): number {
    return this.config.scaling_factor;
  }

  /** Pixels per latent along each side (2^(blocks − 1): 8 for Stable Diffusion). */
  get downscale(): number {
    return 2 ** (this.config.block_out_channels.length - 1);
  }

  private block(prefix: string, layer: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
    if (!this.gradientCheckpointing) return layer(x);
    return tf.tidy(() => checkpoint((h) => layer(h), x, [], this.params.variables([`${prefix}.`])));
  }

  private resnet(s: ResnetSpec, x: tf.Tensor): tf.Tensor {
    return this.block(s.prefix, (h) => resnetBlock(this.params, s, h, null, this.act), x);
  }

  private mid(m: VaeMidSpec, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.resnet(m.resnets[0], x);
      const a = this.block(m.attention, (y) => spatialSelfAttention(this.params, m.attention, y, this.config.norm_num_groups, 1e-6), h);
      return this.resnet(m.resnets[1], a);
    });
  }

  private checkPixels(pixels: tf.Tensor): void {
    const [, c, h, w] = pixels.shape;
    if (pixels.rank !== 4 || c !== this.config.in_channels) {
      throw new Error(`VAE encode: images must be [B, ${this.config.in_channels}, H, W] in [-1, 1], got [${pixels.shape.join(', ')}]`);
    }
    if (h! % this.downscale !== 0 || w! % this.downscale !== 0) throw new Error(`VAE encode: ${h}×${w} is not a multiple of ${this.downscale} pixels`);
  }

  /** quant_conv(encoder(x)) [B, 2·latent_channels, h, w]: cat[mean, logvar (unclamped)]. */
  moments(pixels: tf.Tensor): tf.Tensor {
    this.checkPixels(pixels);
    return tf.tidy(() => {
      const p = this.params;
      let x = convByName(p, 'encoder.conv_in', tf.transpose(pixels, [0, 2, 3, 1]));
      for (const b of this.plan.down) {
        for (const r of b.resnets) x = this.resnet(r, x);
        if (b.sampler) x = downsample(p, b.sampler.prefix, x, 0);
      }
      x = this.mid(this.plan.encoderMid, x);
      x = convByName(p, 'encoder.conv_out', this.act(groupNorm(x, p.layerNorm('encoder.conv_norm_out'), this.config.norm_num_groups, 1e-6)));
      return tf.transpose(convByName(p, 'quant_conv', x, { padding: 0 }), [0, 3, 1, 2]);
    });
  }

  /** encode(x).latent_dist for images [B, 3, H, W] in [-1, 1]. */
  encode(pixels: tf.Tensor): DiagonalGaussian {
    const [mean, logvar] = tf.tidy(() => {
      const [m, lv] = tf.split(this.moments(pixels), 2, 1) as [tf.Tensor, tf.Tensor];
      return [m, tf.clipByValue(lv, -30, 20)];
    });
    return new DiagonalGaussian(mean!, logvar!);
  }

  /** decode(z).sample: latents [B, latent_channels, h, w] (already divided by scaling_factor) → images [B, 3, H, W], unclamped. */
  decode(latents: tf.Tensor): tf.Tensor {
    const [, c] = latents.shape;
    if (latents.rank !== 4 || c !== this.config.latent_channels) throw new Error(`VAE decode: latents must be [B, ${this.config.latent_channels}, h, w], got [${latents.shape.join(', ')}]`);
    return tf.tidy(() => {
      const p = this.params;
      let x = convByName(p, 'post_quant_conv', tf.transpose(latents, [0, 2, 3, 1]), { padding: 0 });
      x = convByName(p, 'decoder.conv_in', x);
      x = this.mid(this.plan.decoderMid, x);
      for (const b of this.plan.up) {
        for (const r of b.resnets) {
          const next = this.resnet(r, x);
          x.dispose();
          x = next;
        }
        if (b.sampler) x = upsample(p, b.sampler.prefix, x);
      }
      const out = convByName(p, 'decoder.conv_out', this.act(groupNorm(x, p.layerNorm('decoder.conv_norm_out'), this.config.norm_num_groups, 1e-6)));
      return tf.transpose(out, [0, 3, 1, 2]);
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
