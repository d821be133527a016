// The building blocks diffusers' UNet2DConditionModel and AutoencoderKL share (resnet.py,
// transformer_2d.py, attention.py, attention_processor.py, downsampling.py, upsampling.py), over
// channels-last tensors [B, H, W, C] with parameters by their diffusers state-dict names. Each
// function is one module's forward; the models chain them and may checkpoint each (layers/checkpoint).
import * as tf from '@tensorflow/tfjs';
import { conv2d, groupNorm, headwiseAttention, layerNorm, linear, gelu, upsampleNearest } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { ResnetSpec, TransformerSpec } from './config.js';

export type Activation = (x: tf.Tensor) => tf.Tensor;

/** torch.nn.Conv2d by its prefix (weight [Cout, Cin, k, k], bias [Cout]); same padding unless given. */
export function convByName(p: ParamStore, prefix: string, x: tf.Tensor, opts: { stride?: number; padding?: number | [number, number, number, number] } = {}): tf.Tensor {
  const weight = p.get(`${prefix}.weight`);
  const bias = p.has(`${prefix}.bias`) ? p.get(`${prefix}.bias`) : undefined;
  return conv2d(x, weight, bias, opts);
}

/**
 * ResnetBlock2D: h = conv1(act(norm1(x))) (+ time_emb_proj(act(temb)) per channel), h = conv2(act(norm2(h)))
 * (scale_shift: norm2(h)·(1 + scale) + shift), out = (shortcut(x) + h) / output_scale_factor.
 */
export function resnetBlock(p: ParamStore, s: ResnetSpec, x: tf.Tensor, temb: tf.Tensor | null, act: Activation): tf.Tensor {
  return tf.tidy(() => {
    let h = convByName(p, `${s.prefix}.conv1`, act(groupNorm(x, p.layerNorm(`${s.prefix}.norm1`), s.groups, s.eps)));
    let scale: tf.Tensor | null = null;
    let shift: tf.Tensor | null = null;
    if (temb && s.temb) {
      const t = linear(act(temb), p.linear(`${s.prefix}.time_emb_proj`));
      const b = t.shape[0]!;
      if (s.scaleShift) {
        [scale, shift] = tf.split(tf.reshape(t, [b, 1, 1, 2 * s.outChannels]), 2, 3) as [tf.Tensor, tf.Tensor];
      } else {
        h = tf.add(h, tf.reshape(t, [b, 1, 1, s.outChannels]));
      }
    }
    h = groupNorm(h, p.layerNorm(`${s.prefix}.norm2`), s.groups, s.eps);
    if (scale && shift) h = tf.add(tf.mul(h, tf.add(scale, 1)), shift);
    h = convByName(p, `${s.prefix}.conv2`, act(h));
    const shortcut = s.inChannels !== s.outChannels ? convByName(p, `${s.prefix}.conv_shortcut`, x, { padding: 0 }) : x;
    const out = tf.add(shortcut, h);
    return s.outputScale === 1 ? out : tf.div(out, s.outputScale);
  });
}

/** Attention (attention_processor.py) over tokens: to_out.0(softmax(QKᵀ/√d)V), K and V from `context` (self when null). */
export function attention(p: ParamStore, prefix: string, x: tf.Tensor, context: tf.Tensor | null, heads: number): tf.Tensor {
  return tf.tidy(() => {
    const ctx = context ?? x;
    const q = linear(x, p.linear(`${prefix}.to_q`));
    const k = linear(ctx, p.linear(`${prefix}.to_k`));
    const v = linear(ctx, p.linear(`${prefix}.to_v`));
    return linear(headwiseAttention(q, k, v, heads), p.linear(`${prefix}.to_out.0`));
  });
}

/**
 * BasicTransformerBlock (attention.py, norm_type "layer_norm", eps 1e-5): self-attention, cross-attention
 * on the text states, GEGLU feed-forward (ff.net.0.proj → hidden · gelu(gate), then ff.net.2), each
 * pre-normed and residual.
 */
export function basicTransformerBlock(p: ParamStore, prefix: string, h: tf.Tensor, context: tf.Tensor, heads: number): tf.Tensor {
  return tf.tidy(() => {
    const ln = (name: string, x: tf.Tensor) => layerNorm(x, p.layerNorm(`${prefix}.${name}`), 1e-5);
    let out = tf.add(h, attention(p, `${prefix}.attn1`, ln('norm1', h), null, heads));
    out = tf.add(out, attention(p, `${prefix}.attn2`, ln('norm2', out), context, heads));
    const [hidden, gate] = tf.split(linear(ln('norm3', out), p.linear(`${prefix}.ff.net.0.proj`)), 2, -1) as [tf.Tensor, tf.Tensor];
    return tf.add(out, linear(tf.mul(hidden, gelu(gate)), p.linear(`${prefix}.ff.net.2`)));
  });
}

/**
 * Transformer2DModel (continuous input): GroupNorm (eps 1e-6, hard-coded in diffusers), proj_in (1×1
 * conv, or linear after flattening with use_linear_projection — the same product in channels-last),
 * the transformer blocks over the H·W tokens, proj_out, plus the input.
 */
export function transformer2d(p: ParamStore, s: TransformerSpec, x: tf.Tensor, context: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, hgt, wid, c] = x.shape as [number, number, number, number];
    const proj = (name: string) => {
      const w = p.get(`${s.prefix}.${name}.weight`);
      return { weight: w.rank === 4 ? tf.reshape(w, [w.shape[0]!, w.shape[1]!]) : w, bias: p.get(`${s.prefix}.${name}.bias`) };
    };
    const normed = groupNorm(x, p.layerNorm(`${s.prefix}.norm`), s.groups, 1e-6);
    let h = linear(tf.reshape(normed, [b, hgt * wid, c]), proj('proj_in'));
    for (let t = 0; t < s.depth; t++) h = basicTransformerBlock(p, `${s.prefix}.transformer_blocks.${t}`, h, context, s.heads);
    return tf.add(tf.reshape(linear(h, proj('proj_out')), [b, hgt, wid, c]), x);
  });
}

/** Downsample2D with a conv: stride 2, padding p; padding 0 means F.pad(x, (0, 1, 0, 1)) first (the VAE's). */
export function downsample(p: ParamStore, prefix: string, x: tf.Tensor, padding: number): tf.Tensor {
  return convByName(p, `${prefix}.conv`, x, { stride: 2, padding: padding === 0 ? [0, 1, 0, 1] : padding });
}

/** Upsample2D with a conv: nearest ×2 (or to `size`, when the UNet's input is not divisible), then 3×3 conv. */
export function upsample(p: ParamStore, prefix: string, x: tf.Tensor, size?: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const [, h, w] = x.shape as [number, number, number, number];
    return convByName(p, `${prefix}.conv`, upsampleNearest(x, size ?? [2 * h, 2 * w]));
  });
}

/**
 * The VAE's mid-block attention (one head over the H·W tokens, head dim = channels): group_norm
 * (eps 1e-6), to_q/to_k/to_v with bias, to_out.0, plus the input (rescale_output_factor 1).
 */
export function spatialSelfAttention(p: ParamStore, prefix: string, x: tf.Tensor, groups: number, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const tokens = groupNorm(tf.reshape(x, [b, h * w, c]), p.layerNorm(`${prefix}.group_norm`), groups, eps);
    return tf.add(tf.reshape(attention(p, prefix, tokens, null, 1), [b, h, w, c]), x);
  });
}
