// BLIP's two towers, op for op as transformers' modeling_blip.py (vision: BlipVisionModel, pre-norm
// ViT with a fused qkv) and modeling_blip_text.py (text: BERT, post-norm, with cross-attention to the
// image in every layer when image states are given — the ITM path).
import * as tf from '@tensorflow/tfjs';
import { activation, checkpoint, embedding, layerNorm, linear, paddingMask, patchEmbedding, scaledDotProductAttention, type LinearParams } from '../../layers/index.js';
import type { BlipTextConfig, BlipVisionConfig } from './config.js';

/** Looks a parameter up by its HF name; a missing one is a programming error in the loader. */
export type ParamLookup = (name: string) => tf.Tensor;
/**
 * The weights of one layer by HF name prefix (e.g. `vision_model.encoder.layers.3.`): given to a tower,
 * each encoder layer is checkpointed (layers/checkpoint.ts) — recomputed in the backward, not taped.
 */
export type LayerWeights = (prefix: string) => tf.Tensor[];

const lin = (p: ParamLookup, name: string): LinearParams => ({ weight: p(`${name}.weight`), bias: p(`${name}.bias`) });
const ln = (p: ParamLookup, name: string) => ({ weight: p(`${name}.weight`), bias: p(`${name}.bias`) });

/** BlipVisionEmbeddings: [class ; patch conv (with bias)] + position_embedding. pixels NCHW → [B, 1+N, D]. */
export function visionEmbeddings(p: ParamLookup, c: BlipVisionConfig, pixels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, ch, h, w] = pixels.shape as [number, number, number, number];
    if (pixels.rank !== 4 || ch !== 3 || h !== c.image_size || w !== c.image_size) {
      throw new Error(`BLIP vision: pixel_values must be [B, 3, ${c.image_size}, ${c.image_size}], got [${pixels.shape.join(', ')}]`);
    }
    const patches = patchEmbedding(pixels, p('vision_model.embeddings.patch_embedding.weight'), p('vision_model.embeddings.patch_embedding.bias'), c.patch_size);
    const cls = tf.tile(p('vision_model.embeddings.class_embedding'), [b, 1, 1]);
    return tf.add(tf.concat([cls, patches], 1), p('vision_model.embeddings.position_embedding'));
  });
}

/** BlipEncoderLayer: h + attn(LN1 h), then h + mlp(LN2 h). */
function visionLayer(p: ParamLookup, c: BlipVisionConfig, i: number, h: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const pre = `vision_model.encoder.layers.${i}`;
    const d = c.hidden_size;
    const x = layerNorm(h, ln(p, `${pre}.layer_norm1`), c.layer_norm_eps);
    // One fused qkv Linear whose output splits as (3, heads, head_dim): rows [0, d) are q, then k, v.
    const qkv = linear(x, lin(p, `${pre}.self_attn.qkv`));
    const [q, k, v] = tf.split(qkv, [d, d, d], -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const attended = scaledDotProductAttention(q, k, v, c.num_attention_heads);
    const h1 = tf.add(h, linear(attended, lin(p, `${pre}.self_attn.projection`)));
    const act = activation(c.hidden_act);
    const y = layerNorm(h1, ln(p, `${pre}.layer_norm2`), c.layer_norm_eps);
    return tf.add(h1, linear(act(linear(y, lin(p, `${pre}.mlp.fc1`))), lin(p, `${pre}.mlp.fc2`)));
  });
}

export interface VisionOutputs {
  /** BlipVisionModel last_hidden_state = post_layernorm(encoder output) [B, 1+N, D]. */
  imageEmbeds: tf.Tensor3D;
  /** pooler_output = post_layernorm(last_hidden_state[:, 0]) — post_layernorm applied a second time, as HF does. */
  pooled: tf.Tensor2D;
}

export function visionModel(p: ParamLookup, c: BlipVisionConfig, pixels: tf.Tensor, weightsOf?: LayerWeights): VisionOutputs {
  return tf.tidy(() => {
    let h = visionEmbeddings(p, c, pixels);
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const layer = (x: tf.Tensor) => visionLayer(p, c, i, x);
      h = weightsOf ? checkpoint(layer, h, [], weightsOf(`vision_model.encoder.layers.${i}.`)) : layer(h);
    }
    const post = ln(p, 'vision_model.post_layernorm');
    const imageEmbeds = layerNorm(h, post, c.layer_norm_eps) as tf.Tensor3D;
    const cls = tf.squeeze(tf.slice(imageEmbeds, [0, 0, 0], [-1, 1, -1]), [1]);
    const pooled = layerNorm(cls, post, c.layer_norm_eps) as tf.Tensor2D;
    return { imageEmbeds, pooled };
  });
}

/** BlipTextAttention (self or cross) followed by BlipTextSelfOutput: LayerNorm(dense(attn) + input). */
function textAttentionBlock(
  p: ParamLookup,
  c: BlipTextConfig,
  block: string,
  x: tf.Tensor,
  context: tf.Tensor,
  mask: tf.Tensor | undefined,
): tf.Tensor {
  return tf.tidy(() => {
    const q = linear(x, lin(p, `${block}.self.query`));
    const k = linear(context, lin(p, `${block}.self.key`));
    const v = linear(context, lin(p, `${block}.self.value`));
    const attended = scaledDotProductAttention(q, k, v, c.num_attention_heads, mask);
    return layerNorm(tf.add(linear(attended, lin(p, `${block}.output.dense`)), x), ln(p, `${block}.output.LayerNorm`), c.layer_norm_eps);
  });
}

/**
 * BlipTextModel (no pooler) with bidirectional self-attention and a padding mask (`is_decoder=False`,
 * as BlipForImageTextRetrieval calls it). With `imageEmbeds`, each layer cross-attends to all image
 * tokens (their mask is all ones, so none is masked); without, the cross-attention layers are skipped.
 * inputIds and attentionMask are int32 [B, L] → [B, L, hidden].
 */
export function textModel(p: ParamLookup, c: BlipTextConfig, inputIds: tf.Tensor, attentionMask: tf.Tensor, imageEmbeds?: tf.Tensor, weightsOf?: LayerWeights): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, l] = inputIds.shape as [number, number];
    if (inputIds.rank !== 2 || attentionMask.shape.join(',') !== inputIds.shape.join(',')) {
      throw new Error(`BLIP text: input_ids [${inputIds.shape.join(', ')}] and attention_mask [${attentionMask.shape.join(', ')}] must both be [B, L]`);
    }
    if (l > c.max_position_embeddings) {
      throw new Error(`BLIP text: ${l} tokens exceed max_position_embeddings ${c.max_position_embeddings} (truncate with the tokenizer)`);
    }
    const ids = inputIds.dtype === 'int32' ? inputIds : tf.cast(inputIds, 'int32');
    const words = embedding(p('text_encoder.embeddings.word_embeddings.weight'), ids);
    const positions = tf.slice(p('text_encoder.embeddings.position_embeddings.weight'), [0, 0], [l, -1]);
    let h = layerNorm(tf.add(words, tf.reshape(positions, [1, l, c.hidden_size])), ln(p, 'text_encoder.embeddings.LayerNorm'), c.layer_norm_eps);
    const mask = paddingMask(attentionMask);
    const act = activation(c.hidden_act);
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const pre = `text_encoder.encoder.layer.${i}`;
      const layer = (x: tf.Tensor, layerMask?: tf.Tensor, image?: tf.Tensor) => {
        let a = textAttentionBlock(p, c, `${pre}.attention`, x, x, layerMask);
        if (image) a = textAttentionBlock(p, c, `${pre}.crossattention`, a, image, undefined);
        const inter = act(linear(a, lin(p, `${pre}.intermediate.dense`)));
        return layerNorm(tf.add(linear(inter, lin(p, `${pre}.output.dense`)), a), ln(p, `${pre}.output.LayerNorm`), c.layer_norm_eps);
      };
      const context = imageEmbeds ? [mask, imageEmbeds] : [mask];
      // Without image states the cross-attention weights are unused: leave them out of the checkpoint's inputs.
      let weights = weightsOf?.(`${pre}.`);
      if (weights && !imageEmbeds) {
        const cross = new Set(weightsOf!(`${pre}.crossattention.`));
        weights = weights.filter((w) => !cross.has(w));
      }
      h = weights ? checkpoint(layer, h, context, weights) : layer(h, ...context);
    }
    if (h.shape[0] !== b) throw new Error('BLIP text: batch changed inside the encoder');
    return h as tf.Tensor3D;
  });
}
