// AutoencoderKL's config as diffusers v0.25 reads it (autoencoder_kl.py, vae.py): Encoder and
// Decoder built from DownEncoderBlock2D / UpDecoderBlock2D, every GroupNorm with eps 1e-6, a
// one-head attention in each mid block. The plan lists the blocks both the shapes and the forward
// pass come from.
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';
import type { ResnetSpec } from '../unet/config.js';
import { convShapes, attentionShapes, normShapes, resnetShapes, type Shapes } from '../unet/shapes.js';

export const VAE_DEFAULTS: ConfigDefaults = {
  values: {
    in_channels: 3, out_channels: 3, down_block_types: ['DownEncoderBlock2D'], up_block_types: ['UpDecoderBlock2D'],
    block_out_channels: [64], layers_per_block: 1, act_fn: 'silu', latent_channels: 4, norm_num_groups: 32, sample_size: 32,
    scaling_factor: 0.18215, force_upcast: true,
  },
};

const int = z.number().int().positive();

export const vaeConfigSchema = z.object({
  in_channels: int,
  out_channels: int,
  down_block_types: z.array(z.literal('DownEncoderBlock2D')).min(1),
  up_block_types: z.array(z.literal('UpDecoderBlock2D')).min(1),
  block_out_channels: z.array(int).min(1),
  layers_per_block: int,
  act_fn: z.string(),
  latent_channels: int,
  norm_num_groups: int,
  sample_size: z.union([int, z.array(int)]),
  scaling_factor: z.number().positive(),
  force_upcast: z.union([z.boolean(), z.number()]),
});

export type VaeConfig = z.output<typeof vaeConfigSchema>;

export interface VaeBlockSpec {
  resnets: ResnetSpec[];
  sampler: { prefix: string; channels: number } | null;
}

export interface VaeMidSpec {
  resnets: [ResnetSpec, ResnetSpec];
  attention: string;
  channels: number;
}

export interface VaePlan {
  down: VaeBlockSpec[];
  encoderMid: VaeMidSpec;
  decoderMid: VaeMidSpec;
  up: VaeBlockSpec[];
}

export function parseVaeConfig(full: Record<string, unknown>, source: string): VaeConfig {
  const parsed = vaeConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const n = c.block_out_channels.length;
  if (c.down_block_types.length !== n || c.up_block_types.length !== n) {
    throw new Error(`${source}: ${c.down_block_types.length} down and ${c.up_block_types.length} up block types for ${n} block_out_channels`);
  }
  for (const ch of c.block_out_channels) {
    if (ch % c.norm_num_groups !== 0) throw new Error(`${source}: block_out_channels ${ch} is not divisible into norm_num_groups ${c.norm_num_groups}`);
  }
  return c;
}

export function vaePlan(c: VaeConfig): VaePlan {
  const ch = c.block_out_channels;
  const n = ch.length;
  const resnet = (prefix: string, inChannels: number, outChannels: number): ResnetSpec => ({
    prefix, inChannels, outChannels, groups: c.norm_num_groups, eps: 1e-6, outputScale: 1, temb: false, scaleShift: false,
  });
  const mid = (prefix: string): VaeMidSpec => ({
    resnets: [resnet(`${prefix}.resnets.0`, ch[n - 1]!, ch[n - 1]!), resnet(`${prefix}.resnets.1`, ch[n - 1]!, ch[n - 1]!)],
    attention: `${prefix}.attentions.0`,
    channels: ch[n - 1]!,
  });
  const down: VaeBlockSpec[] = [];
  let out = ch[0]!;
  for (let i = 0; i < n; i++) {
    const input = out;
    out = ch[i]!;
    const p = `encoder.down_blocks.${i}`;
    down.push({
      resnets: Array.from({ length: c.layers_per_block }, (_, j) => resnet(`${p}.resnets.${j}`, j === 0 ? input : out, out)),
      sampler: i < n - 1 ? { prefix: `${p}.downsamplers.0`, channels: out } : null,
    });
  }
  const up: VaeBlockSpec[] = [];
  const rch = [...ch].reverse();
  out = rch[0]!;
  for (let i = 0; i < n; i++) {
    const prev = out;
    out = rch[i]!;
    const p = `decoder.up_blocks.${i}`;
    up.push({
      resnets: Array.from({ length: c.layers_per_block + 1 }, (_, j) => resnet(`${p}.resnets.${j}`, j === 0 ? prev : out, out)),
      sampler: i < n - 1 ? { prefix: `${p}.upsamplers.0`, channels: out } : null,
    });
  }
  return { down, encoderMid: mid('encoder.mid_block'), decoderMid: mid('decoder.mid_block'), up };
}

export function vaeParamShapes(c: VaeConfig): Shapes {
  const s: Shapes = new Map();
  const plan = vaePlan(c);
  const ch = c.block_out_channels;
  const last = ch[ch.length - 1]!;
  const midShapes = (m: VaeMidSpec) => {
    normShapes(s, `${m.attention}.group_norm`, m.channels);
    attentionShapes(s, m.attention, m.channels, m.channels, true);
    for (const r of m.resnets) resnetShapes(s, r, 0);
  };
  convShapes(s, 'encoder.conv_in', ch[0]!, c.in_channels, 3);
  for (const b of plan.down) {
    for (const r of b.resnets) resnetShapes(s, r, 0);
    if (b.sampler) convShapes(s, `${b.sampler.prefix}.conv`, b.sampler.channels, b.sampler.channels, 3);
  }
  midShapes(plan.encoderMid);
  normShapes(s, 'encoder.conv_norm_out', last);
  convShapes(s, 'encoder.conv_out', 2 * c.latent_channels, last, 3);
  convShapes(s, 'decoder.conv_in', last, c.latent_channels, 3);
  for (const b of plan.up) {
    for (const r of b.resnets) resnetShapes(s, r, 0);
    if (b.sampler) convShapes(s, `${b.sampler.prefix}.conv`, b.sampler.channels, b.sampler.channels, 3);
  }
  midShapes(plan.decoderMid);
  normShapes(s, 'decoder.conv_norm_out', ch[0]!);
  convShapes(s, 'decoder.conv_out', c.out_channels, ch[0]!, 3);
  convShapes(s, 'quant_conv', 2 * c.latent_channels, 2 * c.latent_channels, 1);
  convShapes(s, 'post_quant_conv', c.latent_channels, c.latent_channels, 1);
  return s;
}

/** diffusers < 0.14 named the mid-block attention query/key/value/proj_attn (it converts on load; so do we). */
export function vaeLegacyNames(name: string): string[] {
  const m = /^(.*\.mid_block\.attentions\.0)\.(group_norm|to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/.exec(name);
  if (!m) return [];
  const old: Record<string, string> = { group_norm: 'group_norm', to_q: 'query', to_k: 'key', to_v: 'value', 'to_out.0': 'proj_attn' };
  return m[2] === 'group_norm' ? [] : [`${m[1]}.${old[m[2]!]}.${m[3]}`];
}
