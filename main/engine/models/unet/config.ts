// UNet2DConditionModel's config as diffusers v0.25 reads it (unet_2d_condition.py __init__): the
// class defaults fill what config.json leaves out, per-block values may be one number or a list,
// and `attention_head_dim` is the NUMBER of heads unless `num_attention_heads` is set (diffusers
// keeps that historic naming, issue #2011). The plan below is the block-by-block layout diffusers
// builds, from which both the parameter shapes and the forward pass are derived.
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

export const UNET_DEFAULTS: ConfigDefaults = {
  values: {
    sample_size: null, in_channels: 4, out_channels: 4, center_input_sample: false, flip_sin_to_cos: true, freq_shift: 0,
    down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
    mid_block_type: 'UNetMidBlock2DCrossAttn',
    up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
    only_cross_attention: false, block_out_channels: [320, 640, 1280, 1280], layers_per_block: 2, downsample_padding: 1,
    mid_block_scale_factor: 1, dropout: 0.0, act_fn: 'silu', norm_num_groups: 32, norm_eps: 1e-5, cross_attention_dim: 1280,
    transformer_layers_per_block: 1, reverse_transformer_layers_per_block: null, encoder_hid_dim: null, encoder_hid_dim_type: null,
    attention_head_dim: 8, num_attention_heads: null, dual_cross_attention: false, use_linear_projection: false,
    class_embed_type: null, addition_embed_type: null, addition_time_embed_dim: null, num_class_embeds: null,
    upcast_attention: false, resnet_time_scale_shift: 'default', resnet_skip_time_act: false, resnet_out_scale_factor: 1.0,
    time_embedding_type: 'positional', time_embedding_dim: null, time_embedding_act_fn: null, timestep_post_act: null,
    time_cond_proj_dim: null, conv_in_kernel: 3, conv_out_kernel: 3, projection_class_embeddings_input_dim: null,
    attention_type: 'default', class_embeddings_concat: false, mid_block_only_cross_attention: null, cross_attention_norm: null,
    addition_embed_type_num_heads: 64,
  },
};

const int = z.number().int().positive();
const perBlock = <T extends z.ZodType>(t: T) => z.union([t, z.array(t)]);

export const unetConfigSchema = z.object({
  _class_name: z.string().optional(),
  sample_size: z.union([int, z.array(int), z.null()]),
  in_channels: int,
  out_channels: int,
  center_input_sample: z.boolean(),
  flip_sin_to_cos: z.boolean(),
  freq_shift: z.number(),
  down_block_types: z.array(z.string()).min(1),
  mid_block_type: z.string().nullable(),
  up_block_types: z.array(z.string()).min(1),
  only_cross_attention: perBlock(z.boolean()),
  block_out_channels: z.array(int).min(1),
  layers_per_block: perBlock(int),
  downsample_padding: z.number().int().nonnegative(),
  mid_block_scale_factor: z.number().positive(),
  dropout: z.number().min(0).max(1),
  act_fn: z.string(),
  norm_num_groups: int.nullable(),
  norm_eps: z.number().positive(),
  cross_attention_dim: perBlock(int),
  transformer_layers_per_block: perBlock(int),
  reverse_transformer_layers_per_block: z.unknown(),
  encoder_hid_dim: z.unknown(),
  encoder_hid_dim_type: z.unknown(),
  attention_head_dim: perBlock(int),
  num_attention_heads: z.unknown(),
  dual_cross_attention: z.boolean(),
  use_linear_projection: z.boolean(),
  class_embed_type: z.unknown(),
  addition_embed_type: z.unknown(),
  num_class_embeds: z.unknown(),
  upcast_attention: z.boolean(),
  resnet_time_scale_shift: z.enum(['default', 'scale_shift']),
  resnet_skip_time_act: z.boolean(),
  resnet_out_scale_factor: z.number(),
  time_embedding_type: z.string(),
  time_embedding_dim: int.nullable(),
  time_embedding_act_fn: z.string().nullable(),
  timestep_post_act: z.string().nullable(),
  time_cond_proj_dim: z.unknown(),
  conv_in_kernel: z.number().int().positive(),
  conv_out_kernel: z.number().int().positive(),
  attention_type: z.string(),
  cross_attention_norm: z.unknown(),
});

export type UNetConfig = z.output<typeof unetConfigSchema>;

export interface ResnetSpec {
  prefix: string;
  inChannels: number;
  outChannels: number;
  groups: number;
  eps: number;
  /** the output is divided by this (diffusers' output_scale_factor) */
  outputScale: number;
  /** whether the block has a time_emb_proj (the UNet's) or none (the VAE's) */
  temb: boolean;
  /** resnet_time_scale_shift "scale_shift": the time embedding gives a scale and a shift after norm2 */
  scaleShift: boolean;
}

export interface TransformerSpec {
  prefix: string;
  channels: number;
  heads: number;
  depth: number;
  crossAttentionDim: number;
  groups: number;
  linearProjection: boolean;
}

export interface UNetBlockSpec {
  kind: string;
  resnets: ResnetSpec[];
  attentions: TransformerSpec[];
  /** Downsample2D (down blocks) or Upsample2D (up blocks) */
  sampler: { prefix: string; channels: number; padding: number } | null;
}

export interface UNetPlan {
  timeEmbedDim: number;
  down: UNetBlockSpec[];
  mid: UNetBlockSpec | null;
  up: UNetBlockSpec[];
}

const DOWN_TYPES = ['CrossAttnDownBlock2D', 'DownBlock2D'];
const UP_TYPES = ['CrossAttnUpBlock2D', 'UpBlock2D'];
const MID_TYPES = ['UNetMidBlock2DCrossAttn', 'UNetMidBlock2D'];
/** diffusers' get_down_block/get_up_block strip this prefix. */
const stripRes = (t: string) => (t.startsWith('UNetRes') ? t.slice(7) : t);

function unsupported(source: string, field: string, value: unknown, why: string): never {
  throw new Error(`${source}: field "${field}" is ${JSON.stringify(value)}: ${why}`);
}

export function parseUNetConfig(full: Record<string, unknown>, source: string): UNetConfig {
  const parsed = unetConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const n = c.down_block_types.length;
  const sd = 'only the Stable Diffusion 1.x/2.x UNet (InstructPix2Pix, MagicBrush) is supported';
  // diffusers itself refuses num_attention_heads (unet_2d_condition.py), so a config that sets it is not loadable there either.
  if (c.num_attention_heads !== null && c.num_attention_heads !== undefined) unsupported(source, 'num_attention_heads', c.num_attention_heads, 'diffusers v0.25 refuses it; the head count is attention_head_dim');
  for (const f of ['class_embed_type', 'addition_embed_type', 'num_class_embeds', 'encoder_hid_dim', 'encoder_hid_dim_type', 'time_cond_proj_dim', 'cross_attention_norm', 'reverse_transformer_layers_per_block'] as const) {
    if (c[f] !== null && c[f] !== undefined) unsupported(source, f, c[f], sd);
  }
  if (c.dual_cross_attention) unsupported(source, 'dual_cross_attention', true, sd);
  if ([c.only_cross_attention].flat().some(Boolean)) unsupported(source, 'only_cross_attention', c.only_cross_attention, sd);
  if (c.attention_type !== 'default') unsupported(source, 'attention_type', c.attention_type, sd);
  if (c.time_embedding_type !== 'positional') unsupported(source, 'time_embedding_type', c.time_embedding_type, sd);
  if (c.norm_num_groups === null) unsupported(source, 'norm_num_groups', null, sd);
  for (const t of c.down_block_types) if (!DOWN_TYPES.includes(stripRes(t))) unsupported(source, 'down_block_types', t, `known are ${DOWN_TYPES.join(', ')}`);
  for (const t of c.up_block_types) if (!UP_TYPES.includes(stripRes(t))) unsupported(source, 'up_block_types', t, `known are ${UP_TYPES.join(', ')}`);
  if (c.mid_block_type !== null && !MID_TYPES.includes(c.mid_block_type)) unsupported(source, 'mid_block_type', c.mid_block_type, `known are ${MID_TYPES.join(', ')} or null`);
  if (c.up_block_types.length !== n) throw new Error(`${source}: ${c.up_block_types.length} up_block_types for ${n} down_block_types`);
  if (c.block_out_channels.length !== n) throw new Error(`${source}: ${c.block_out_channels.length} block_out_channels for ${n} down_block_types`);
  for (const f of ['layers_per_block', 'attention_head_dim', 'cross_attention_dim', 'transformer_layers_per_block', 'only_cross_attention'] as const) {
    const v = c[f];
    if (Array.isArray(v) && v.length !== n) throw new Error(`${source}: field "${f}" has ${v.length} entries for ${n} blocks`);
  }
  for (const k of [c.conv_in_kernel, c.conv_out_kernel]) if (k % 2 !== 1) throw new Error(`${source}: conv_in_kernel/conv_out_kernel must be odd, got ${k}`);
  unetPlan(c, source); // checks channels against groups and heads
  return c;
}

const list = <T>(v: T | T[], n: number): T[] => (Array.isArray(v) ? v : Array.from({ length: n }, () => v));

/** The block-by-block layout UNet2DConditionModel.__init__ builds from the config. */
export function unetPlan(c: UNetConfig, source = 'config.json'): UNetPlan {
  const n = c.down_block_types.length;
  const ch = c.block_out_channels;
  const heads = list(c.attention_head_dim, n);
  const cross = list(c.cross_attention_dim, n);
  const layers = list(c.layers_per_block, n);
  const depth = list(c.transformer_layers_per_block, n);
  const groups = c.norm_num_groups!;
  const timeEmbedDim = c.time_embedding_dim ?? ch[0]! * 4;
  const check = (channels: number, h: number, where: string) => {
    if (channels % groups !== 0) throw new Error(`${source}: ${where} has ${channels} channels, not divisible into norm_num_groups ${groups}`);
    if (channels % h !== 0) throw new Error(`${source}: ${where} has ${channels} channels, not divisible by ${h} attention heads (attention_head_dim)`);
  };
  const resnet = (prefix: string, inChannels: number, outChannels: number, outputScale = 1): ResnetSpec => {
    check(inChannels, 1, prefix);
    check(outChannels, 1, prefix);
    return { prefix, inChannels, outChannels, groups, eps: c.norm_eps, outputScale, temb: true, scaleShift: c.resnet_time_scale_shift === 'scale_shift' };
  };
  const transformer = (prefix: string, channels: number, h: number, d: number, crossDim: number): TransformerSpec => {
    check(channels, h, prefix);
    return { prefix, channels, heads: h, depth: d, crossAttentionDim: crossDim, groups, linearProjection: c.use_linear_projection };
  };

  const down: UNetBlockSpec[] = [];
  let out = ch[0]!;
  for (let i = 0; i < n; i++) {
    const input = out;
    out = ch[i]!;
    const kind = stripRes(c.down_block_types[i]!);
    const p = `down_blocks.${i}`;
    const block: UNetBlockSpec = { kind, resnets: [], attentions: [], sampler: i < n - 1 ? { prefix: `${p}.downsamplers.0`, channels: out, padding: c.downsample_padding } : null };
    for (let j = 0; j < layers[i]!; j++) {
      block.resnets.push(resnet(`${p}.resnets.${j}`, j === 0 ? input : out, out));
      if (kind === 'CrossAttnDownBlock2D') block.attentions.push(transformer(`${p}.attentions.${j}`, out, heads[i]!, depth[i]!, cross[i]!));
    }
    down.push(block);
  }

  let mid: UNetBlockSpec | null = null;
  if (c.mid_block_type !== null) {
    const last = ch[n - 1]!;
    mid = { kind: c.mid_block_type, resnets: [resnet('mid_block.resnets.0', last, last, c.mid_block_scale_factor)], attentions: [], sampler: null };
    // UNetMidBlock2D (no cross-attention) is built with num_layers=0 and no attention by the UNet.
    if (c.mid_block_type === 'UNetMidBlock2DCrossAttn') {
      mid.attentions.push(transformer('mid_block.attentions.0', last, heads[n - 1]!, depth[n - 1]!, cross[n - 1]!));
      mid.resnets.push(resnet('mid_block.resnets.1', last, last, c.mid_block_scale_factor));
    }
  }

  const up: UNetBlockSpec[] = [];
  const rch = [...ch].reverse();
  const [rheads, rcross, rlayers, rdepth] = [heads, cross, layers, depth].map((a) => [...a].reverse()) as [number[], number[], number[], number[]];
  out = rch[0]!;
  for (let i = 0; i < n; i++) {
    const prev = out;
    out = rch[i]!;
    const input = rch[Math.min(i + 1, n - 1)]!;
    const kind = stripRes(c.up_block_types[i]!);
    const p = `up_blocks.${i}`;
    const numLayers = rlayers[i]! + 1;
    const block: UNetBlockSpec = { kind, resnets: [], attentions: [], sampler: i < n - 1 ? { prefix: `${p}.upsamplers.0`, channels: out, padding: 1 } : null };
    for (let j = 0; j < numLayers; j++) {
      const skip = j === numLayers - 1 ? input : out;
      block.resnets.push(resnet(`${p}.resnets.${j}`, (j === 0 ? prev : out) + skip, out));
      if (kind === 'CrossAttnUpBlock2D') block.attentions.push(transformer(`${p}.attentions.${j}`, out, rheads[i]!, rdepth[i]!, rcross[i]!));
    }
    up.push(block);
  }
  return { timeEmbedDim, down, mid, up };
}
