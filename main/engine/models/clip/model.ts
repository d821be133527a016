// CLIPModel (Radford et al. 2021) as transformers' modeling_clip.py computes it, on the engine's
// layers: a vision tower (patch conv without bias + class embedding + positions, pre-LN, pre-norm
// encoder, post-LN on the class token), a text tower (token + position embeddings, causal + padding
// masked encoder, final LN, pooled at the end-of-text token), the two projections and logit_scale.
// Token-level vision features are exposed for the gated region-context fusion (Eq. 7, 12).
import * as tf from '@tensorflow/tfjs';
import { activation, causalMask, checkpoint, embedding, layerNorm, linear, multiHeadAttention, paddingMask, patchEmbedding } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import type { ClipConfig } from './config.js';

interface EncoderSpec {
  prefix: string;
  layers: number;
  heads: number;
  eps: number;
  act: (x: tf.Tensor) => tf.Tensor;
}

export interface ClipVisionOutput {
  /** embeddings(pixels), before pre_layrnorm [B, 1+N, Dv] */
  embeddings: tf.Tensor;
  /** encoder output, NOT post-layernormed [B, 1+N, Dv] (HF last_hidden_state) */
  lastHiddenState: tf.Tensor;
  /** post_layernorm of the class token [B, Dv] (HF pooler_output) */
  pooled: tf.Tensor;
}

export interface ClipTextOutput {
  embeddings: tf.Tensor;
  /** final_layer_norm(encoder output) [B, L, Dt] */
  lastHiddenState: tf.Tensor;
  /** last_hidden_state at the end-of-text token [B, Dt] */
  pooled: tf.Tensor;
}

export interface ClipOutput {
  imageEmbeds: tf.Tensor;
  textEmbeds: tf.Tensor;
  logitsPerImage: tf.Tensor;
  logitsPerText: tf.Tensor;
}

function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.norm(x, 'euclidean', -1, true));
}

export class ClipModel implements PretrainedModel {
  private readonly vision: EncoderSpec;
  private readonly text: EncoderSpec;
  /**
   * Recompute each encoder layer's forward in the backward instead of keeping its tape (layers/checkpoint.ts):
   * same gradients, one more forward, one layer's activations at a time. The trainers turn it on.
   */
  gradientCheckpointing = false;

  constructor(
    readonly config: ClipConfig,
    readonly params: ParamStore,
  ) {
    const v = config.vision_config;
    const t = config.text_config;
    this.vision = { prefix: 'vision_model.encoder', layers: v.num_hidden_layers, heads: v.num_attention_heads, eps: v.layer_norm_eps, act: activation(v.hidden_act) };
    this.text = { prefix: 'text_model.encoder', layers: t.num_hidden_layers, heads: t.num_attention_heads, eps: t.layer_norm_eps, act: activation(t.hidden_act) };
  }

  /** Pre-norm encoder: h += attn(ln1(h)); h += fc2(act(fc1(ln2(h)))). */
  private encode(h: tf.Tensor, spec: EncoderSpec, mask?: tf.Tensor): tf.Tensor {
    const p = this.params;
    for (let i = 0; i < spec.layers; i++) {
      const l = `${spec.prefix}.layers.${i}`;
      const layer = (x: tf.Tensor, ...context: tf.Tensor[]) => {
        const layerMask = context[0];
        const attn = multiHeadAttention(
          { q: p.linear(`${l}.self_attn.q_proj`), k: p.linear(`${l}.self_attn.k_proj`), v: p.linear(`${l}.self_attn.v_proj`), out: p.linear(`${l}.self_attn.out_proj`) },
          layerNorm(x, p.layerNorm(`${l}.layer_norm1`), spec.eps),
          spec.heads,
          { mask: layerMask },
        );
        const h1 = tf.add(x, attn);
        const mlp = linear(spec.act(linear(layerNorm(h1, p.layerNorm(`${l}.layer_norm2`), spec.eps), p.linear(`${l}.mlp.fc1`))), p.linear(`${l}.mlp.fc2`));
        return tf.add(h1, mlp);
      };
      const context = mask ? [mask] : [];
      const next = tf.tidy(() => (this.gradientCheckpointing ? checkpoint(layer, h, context, p.variables([`${l}.`])) : layer(h, ...context)));
      if (i > 0) h.dispose();
      h = next;
    }
    return h;
  }

  /** [CLS] + patch conv (no bias) + position embedding, before pre_layrnorm. pixels: NCHW, normalised. */
  visionEmbeddings(pixels: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const v = this.config.vision_config;
      const p = this.params;
      if (pixels.rank !== 4 || pixels.shape[1] !== v.num_channels || pixels.shape[2] !== v.image_size || pixels.shape[3] !== v.image_size) {
        throw new Error(`CLIP vision: pixels must be [B, ${v.num_channels}, ${v.image_size}, ${v.image_size}], got [${pixels.shape.join(', ')}]`);
      }
      const b = pixels.shape[0]!;
      const patches = patchEmbedding(pixels, p.get('vision_model.embeddings.patch_embedding.weight'), undefined, v.patch_size);
      const cls = tf.tile(tf.reshape(p.get('vision_model.embeddings.class_embedding'), [1, 1, v.hidden_size]), [b, 1, 1]);
      return tf.add(tf.concat([cls, patches], 1), p.get('vision_model.embeddings.position_embedding.weight'));
    });
  }

  encodeImage(pixels: tf.Tensor): ClipVisionOutput {
    return tf.tidy(() => {
      const v = this.config.vision_config;
      const embeddings = this.visionEmbeddings(pixels);
      const h = layerNorm(embeddings, this.params.layerNorm('vision_model.pre_layrnorm'), v.layer_norm_eps);
      const lastHiddenState = this.encode(h, this.vision);
      const cls = tf.squeeze(tf.slice(lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]);
      const pooled = layerNorm(cls, this.params.layerNorm('vision_model.post_layernorm'), v.layer_norm_eps);
      return { embeddings, lastHiddenState, pooled };
    });
  }

  /**
   * Token-level vision features [B, 1+N, Dv] for the region-context fusion (e_r, e_f in Eq. 7/12):
   * every token through post_layernorm, the same normalisation the pooled class token gets, so
   * token 0 equals the pooled output. `{ postLayerNorm: false }` gives the raw encoder output.
   */
  visionTokens(pixels: tf.Tensor, opts: { postLayerNorm?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      const { lastHiddenState } = this.encodeImage(pixels);
      if (opts.postLayerNorm === false) return lastHiddenState;
      return layerNorm(lastHiddenState, this.params.layerNorm('vision_model.post_layernorm'), this.config.vision_config.layer_norm_eps);
    });
  }

  /** get_image_features: visual_projection(pooled), unnormalised [B, P]. */
  imageFeatures(pixels: tf.Tensor): tf.Tensor {
    return tf.tidy(() => linear(this.encodeImage(pixels).pooled, this.params.linear('visual_projection')));
  }

  textEmbeddings(inputIds: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const t = this.config.text_config;
      const len = inputIds.shape[1]!;
      if (inputIds.rank !== 2) throw new Error(`CLIP text: input_ids must be [B, L], got [${inputIds.shape.join(', ')}]`);
      if (len > t.max_position_embeddings) throw new Error(`CLIP text: ${len} tokens exceed max_position_embeddings ${t.max_position_embeddings} (truncate first)`);
      const ids = inputIds.dtype === 'int32' ? inputIds : tf.cast(inputIds, 'int32');
      const tokens = embedding(this.params.get('text_model.embeddings.token_embedding.weight'), ids);
      const positions = tf.slice(this.params.get('text_model.embeddings.position_embedding.weight'), [0, 0], [len, t.hidden_size]);
      return tf.add(tokens, positions);
    });
  }

  /**
   * The end-of-text position per row. transformers v4.35: with the legacy eos_token_id == 2 the
   * pooled index is argmax(input_ids) (the highest id, first occurrence: the original CLIP vocab
   * puts <|endoftext|> last); otherwise the first position whose id is eos_token_id.
   */
  eosPositions(inputIds: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(inputIds, 'int32');
      if (this.config.text_config.eos_token_id === 2) return tf.argMax(ids, -1);
      return tf.argMax(tf.cast(tf.equal(ids, this.config.text_config.eos_token_id), 'int32'), -1);
    });
  }

  encodeText(inputIds: tf.Tensor, attentionMask?: tf.Tensor): ClipTextOutput {
    return tf.tidy(() => {
      const t = this.config.text_config;
      const len = inputIds.shape[1]!;
      const embeddings = this.textEmbeddings(inputIds);
      let mask = causalMask(len);
      if (attentionMask) mask = tf.add(mask, paddingMask(attentionMask));
      const encoded = this.encode(embeddings, this.text, mask);
      const lastHiddenState = layerNorm(encoded, this.params.layerNorm('text_model.final_layer_norm'), t.layer_norm_eps);
      // Select the eos token by a one-hot weighted sum: differentiable with every backend's kernels.
      const select = tf.expandDims(tf.oneHot(this.eosPositions(inputIds), len), -1); // [B, L, 1]
      const pooled = tf.sum(tf.mul(lastHiddenState, select), 1);
      return { embeddings, lastHiddenState, pooled };
    });
  }

  /** get_text_features: text_projection(pooled), unnormalised [B, P]. */
  textFeatures(inputIds: tf.Tensor, attentionMask?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => linear(this.encodeText(inputIds, attentionMask).pooled, this.params.linear('text_projection')));
  }

  /** exp(logit_scale), the inverse temperature of Eq. 11 as CLIP learned it. */
  logitScale(): tf.Scalar {
    return tf.tidy(() => tf.exp(this.params.get('logit_scale')) as tf.Scalar);
  }

  /** CLIPModel.forward: normalised embeddings and both logit matrices. */
  forward(input: { pixelValues: tf.Tensor; inputIds: tf.Tensor; attentionMask?: tf.Tensor }): ClipOutput {
    return tf.tidy(() => {
      const imageEmbeds = l2normalize(this.imageFeatures(input.pixelValues));
      const textEmbeds = l2normalize(this.textFeatures(input.inputIds, input.attentionMask));
      const logitsPerImage = tf.mul(tf.matMul(imageEmbeds, tf.transpose(textEmbeds)), this.logitScale());
      return { imageEmbeds, textEmbeds, logitsPerImage, logitsPerText: tf.transpose(logitsPerImage) };
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
