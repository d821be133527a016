// Every parameter of UNet2DConditionModel (and the blocks the VAE shares) by diffusers state-dict
// name and shape, derived from the plan in config.ts.
import type { ResnetSpec, TransformerSpec, UNetConfig } from './config.js';
import { unetPlan } from './config.js';

export type Shapes = Map<string, number[]>;

export function convShapes(s: Shapes, prefix: string, cout: number, cin: number, k: number, bias = true): void {
  s.set(`${prefix}.weight`, [cout, cin, k, k]);
  if (bias) s.set(`${prefix}.bias`, [cout]);
}

export function linearShapes(s: Shapes, prefix: string, out: number, inp: number, bias = true): void {
  s.set(`${prefix}.weight`, [out, inp]);
  if (bias) s.set(`${prefix}.bias`, [out]);
}

export function normShapes(s: Shapes, prefix: string, c: number): void {
  s.set(`${prefix}.weight`, [c]).set(`${prefix}.bias`, [c]);
}

export function resnetShapes(s: Shapes, r: ResnetSpec, tembDim: number): void {
  normShapes(s, `${r.prefix}.norm1`, r.inChannels);
  convShapes(s, `${r.prefix}.conv1`, r.outChannels, r.inChannels, 3);
  if (r.temb) linearShapes(s, `${r.prefix}.time_emb_proj`, r.scaleShift ? 2 * r.outChannels : r.outChannels, tembDim);
  normShapes(s, `${r.prefix}.norm2`, r.outChannels);
  convShapes(s, `${r.prefix}.conv2`, r.outChannels, r.outChannels, 3);
  if (r.inChannels !== r.outChannels) convShapes(s, `${r.prefix}.conv_shortcut`, r.outChannels, r.inChannels, 1);
}

/** Attention with q/k/v [inner, dim] (bias only when `qkvBias`) and to_out.0 [dim, inner] + bias. */
export function attentionShapes(s: Shapes, prefix: string, dim: number, contextDim: number, qkvBias: boolean): void {
  linearShapes(s, `${prefix}.to_q`, dim, dim, qkvBias);
  linearShapes(s, `${prefix}.to_k`, dim, contextDim, qkvBias);
  linearShapes(s, `${prefix}.to_v`, dim, contextDim, qkvBias);
  linearShapes(s, `${prefix}.to_out.0`, dim, dim);
}

export function transformerShapes(s: Shapes, t: TransformerSpec): void {
  const c = t.channels;
  normShapes(s, `${t.prefix}.norm`, c);
  if (t.linearProjection) linearShapes(s, `${t.prefix}.proj_in`, c, c);
  else convShapes(s, `${t.prefix}.proj_in`, c, c, 1);
  for (let i = 0; i < t.depth; i++) {
    const b = `${t.prefix}.transformer_blocks.${i}`;
    normShapes(s, `${b}.norm1`, c);
    attentionShapes(s, `${b}.attn1`, c, c, false);
    normShapes(s, `${b}.norm2`, c);
    attentionShapes(s, `${b}.attn2`, c, t.crossAttentionDim, false);
    normShapes(s, `${b}.norm3`, c);
    linearShapes(s, `${b}.ff.net.0.proj`, 8 * c, c); // GEGLU: hidden and gate, 4·dim each
    linearShapes(s, `${b}.ff.net.2`, c, 4 * c);
  }
  if (t.linearProjection) linearShapes(s, `${t.prefix}.proj_out`, c, c);
  else convShapes(s, `${t.prefix}.proj_out`, c, c, 1);
}

export function unetParamShapes(c: UNetConfig): Shapes {
  const s: Shapes = new Map();
  const plan = unetPlan(c);
  const ch0 = c.block_out_channels[0]!;
  convShapes(s, 'conv_in', ch0, c.in_channels, c.conv_in_kernel);
  linearShapes(s, 'time_embedding.linear_1', plan.timeEmbedDim, ch0);
  linearShapes(s, 'time_embedding.linear_2', plan.timeEmbedDim, plan.timeEmbedDim);
  // The state dict's order: diffusers registers down_blocks and up_blocks (empty) before mid_block, and
  // each block's attentions before its resnets.
  for (const block of [...plan.down, ...plan.up, ...(plan.mid ? [plan.mid] : [])]) {
    for (const t of block.attentions) transformerShapes(s, t);
    for (const r of block.resnets) resnetShapes(s, r, plan.timeEmbedDim);
    if (block.sampler) convShapes(s, `${block.sampler.prefix}.conv`, block.sampler.channels, block.sampler.channels, 3);
  }
  normShapes(s, 'conv_norm_out', ch0);
  convShapes(s, 'conv_out', c.out_channels, ch0, c.conv_out_kernel);
  return s;
}
