// UNet2DConditionModel (Rombach et al. 2022; diffusers v0.25 unet_2d_condition.py) for the Stable
// Diffusion 1.x/2.x block types, on the engine's layers, channels-last inside. The editor's UNet
// (Sec. 3.1) sees cat[noisy target latents, source image latents] (8 channels for InstructPix2Pix),
// the timestep and the instruction's CLIP text states. Every resnet and transformer can be
// checkpointed (gradientCheckpointing), which the editor's training at 256² needs.
import * as tf from '@tensorflow/tfjs';
import { activation, checkpoint, groupNorm, linear, timestepEmbedding } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import { convByName, downsample, resnetBlock, transformer2d, upsample, type Activation } from './blocks.js';
import { unetPlan, type ResnetSpec, type TransformerSpec, type UNetConfig, type UNetPlan } from './config.js';

/** One timestep for the whole batch, or one per sample (fractional for sigma-space schedulers). */
export type Timesteps = number | readonly number[] | Float32Array;

export class UNet2DConditionModel implements PretrainedModel {
  readonly plan: UNetPlan;
  /**
   * Recompute each resnet's and transformer's forward in the backward instead of keeping its tape
   * (layers/checkpoint.ts): identical gradients, one more forward, one block's activations at a time.
   */
  gradientCheckpointing = false;
  private readonly act: Activation;

  constructor(
    readonly config: UNetConfig,
    readonly params: ParamStore,
  ) {
    this.plan = unetPlan(config);
    this.act = activation(config.act_fn);
  }

  /** Channels the UNet takes (8 for InstructPix2Pix: noisy latents + image latents). */
  get inChannels(): number {
    return this.config.in_channels;
  }

  private timesteps(t: Timesteps, batch: number): number[] {
    const ts = typeof t === 'number' ? [t] : Array.from(t);
    if (ts.length === 1) return Array.from({ length: batch }, () => ts[0]!);
    if (ts.length !== batch) throw new Error(`UNet: ${ts.length} timesteps for a batch of ${batch}`);
    return ts;
  }

  /** The sinusoidal features time_proj(t) [B, block_out_channels[0]]. */
  timeProj(t: Timesteps, batch: number): tf.Tensor {
    const c = this.config;
    return timestepEmbedding(this.timesteps(t, batch), c.block_out_channels[0]!, { flipSinToCos: c.flip_sin_to_cos, freqShift: c.freq_shift });
  }

  /** time_embedding(time_proj(t)) [B, time_embed_dim], with the optional post activations. */
  timeEmbedding(t: Timesteps, batch: number): tf.Tensor {
    return tf.tidy(() => {
      const c = this.config;
      let emb = linear(this.act(linear(this.timeProj(t, batch), this.params.linear('time_embedding.linear_1'))), this.params.linear('time_embedding.linear_2'));
      if (c.timestep_post_act) emb = activation(c.timestep_post_act)(emb);
      if (c.time_embedding_act_fn) emb = activation(c.time_embedding_act_fn)(emb);
      return emb;
    });
  }

  private resnet(s: ResnetSpec, x: tf.Tensor, temb: tf.Tensor): tf.Tensor {
    const layer = (h: tf.Tensor, t: tf.Tensor) => resnetBlock(this.params, s, h, t, this.act);
    if (!this.gradientCheckpointing) return layer(x, temb);
    return tf.tidy(() => checkpoint((h, ...ctx) => layer(h, ctx[0]!), x, [temb], this.params.variables([`${s.prefix}.`])));
  }

  private transformer(s: TransformerSpec, x: tf.Tensor, context: tf.Tensor): tf.Tensor {
    const layer = (h: tf.Tensor, ctx: tf.Tensor) => transformer2d(this.params, s, h, ctx);
    if (!this.gradientCheckpointing) return layer(x, context);
    return tf.tidy(() => checkpoint((h, ...ctx) => layer(h, ctx[0]!), x, [context], this.params.variables([`${s.prefix}.`])));
  }

  /**
   * The UNet on channels-last input: sample [B, H, W, in_channels] → [B, H, W, out_channels].
   * encoderHiddenStates [B, S, cross_attention_dim] (the text encoder's last_hidden_state).
   */
  forwardChannelsLast(sample: tf.Tensor, timestep: Timesteps, encoderHiddenStates: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const c = this.config;
      const [b, h, w, cin] = sample.shape as [number, number, number, number];
      if (sample.rank !== 4 || cin !== c.in_channels) throw new Error(`UNet: sample must have ${c.in_channels} channels (config in_channels), got [${sample.shape.join(', ')}] (channels last)`);
      const cross = encoderHiddenStates.shape[2];
      if (encoderHiddenStates.rank !== 3 || encoderHiddenStates.shape[0] !== b) {
        throw new Error(`UNet: encoder_hidden_states must be [${b}, S, D], got [${encoderHiddenStates.shape.join(', ')}]`);
      }
      const wantCross = this.plan.down.flatMap((d) => d.attentions).concat(this.plan.mid?.attentions ?? [])[0]?.crossAttentionDim;
      if (wantCross !== undefined && cross !== wantCross) throw new Error(`UNet: encoder_hidden_states have ${cross} features, config cross_attention_dim is ${wantCross}`);
      const temb = this.timeEmbedding(timestep, b);
      const ctx = encoderHiddenStates;
      // Sizes not divisible by 2^upsamplers: each up block upsamples to its skip's size (forward_upsample_size).
      const factor = 2 ** this.plan.up.filter((u) => u.sampler).length;
      const forwardUpsampleSize = h % factor !== 0 || w % factor !== 0;

      // 1. Input convolution (center_input_sample maps [0, 1] to [-1, 1] first).
      let x = convByName(this.params, 'conv_in', c.center_input_sample ? tf.sub(tf.mul(sample, 2), 1) : sample);
      const skips: tf.Tensor[] = [x];
      // 2. Down blocks: every resnet(+transformer) output and each downsample is a skip connection.
      for (const block of this.plan.down) {
        block.resnets.forEach((r, j) => {
          x = this.resnet(r, x, temb);
          const a = block.attentions[j];
          if (a) x = this.transformer(a, x, ctx);
          skips.push(x);
        });
        if (block.sampler) {
          x = downsample(this.params, block.sampler.prefix, x, block.sampler.padding);
          skips.push(x);
        }
      }
      // 3. Mid block: resnet, then (transformer, resnet) pairs.
      if (this.plan.mid) {
        const mid = this.plan.mid;
        x = this.resnet(mid.resnets[0]!, x, temb);
        mid.attentions.forEach((a, j) => {
          const next = this.transformer(a, x, ctx);
          x.dispose();
          x = next;
          const r = this.resnet(mid.resnets[j + 1]!, x, temb);
          x.dispose();
          x = r;
        });
      }
      // 4. Up blocks: pop the skips from the end, cat[hidden, skip] on channels before each resnet.
      this.plan.up.forEach((block, i) => {
        const res = skips.splice(skips.length - block.resnets.length, block.resnets.length);
        block.resnets.forEach((r, j) => {
          const skip = res.pop()!;
          const joined = tf.concat([x, skip], 3);
          x = this.resnet(r, joined, temb);
          joined.dispose();
          const a = block.attentions[j];
          if (a) x = this.transformer(a, x, ctx);
        });
        if (block.sampler) {
          const target = forwardUpsampleSize && i < this.plan.up.length - 1 ? (skips[skips.length - 1]!.shape.slice(1, 3) as [number, number]) : undefined;
          x = upsample(this.params, block.sampler.prefix, x, target);
        }
      });
      // 5. Output: GroupNorm, activation, convolution.
      const groups = c.norm_num_groups!;
      return convByName(this.params, 'conv_out', this.act(groupNorm(x, this.params.layerNorm('conv_norm_out'), groups, c.norm_eps)));
    });
  }

  /**
   * UNet2DConditionModel(sample, timestep, encoder_hidden_states).sample in diffusers' layout:
   * sample [B, in_channels, H, W] → noise prediction [B, out_channels, H, W].
   */
  forward(sample: tf.Tensor, timestep: Timesteps, encoderHiddenStates: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.transpose(this.forwardChannelsLast(tf.transpose(sample, [0, 2, 3, 1]), timestep, encoderHiddenStates), [0, 3, 1, 2]));
  }

  dispose(): void {
    this.params.dispose();
  }
}
