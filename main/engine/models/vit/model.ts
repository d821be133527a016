// ViTModel (Dosovitskiy et al. 2021) as DINO checkpoints load it (transformers modeling_vit.py,
// add_pooling_layer=False): patch conv WITH bias, class token, learned positions, pre-norm encoder
// (layernorm_before / layernorm_after), final layernorm. The DINO image embedding is the class token.
import * as tf from '@tensorflow/tfjs';
import { activation, checkpoint, layerNorm, linear, multiHeadAttention, patchEmbedding } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import type { VitConfig } from './config.js';

export interface VitOutput {
  embeddings: tf.Tensor;
  /** encoder output before the final layernorm */
  encoderOutput: tf.Tensor;
  /** layernorm(encoder output) [B, 1+N, D] */
  lastHiddenState: tf.Tensor;
}

export class VitModel implements PretrainedModel {
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  /** Recompute each encoder layer in the backward instead of keeping its tape (layers/checkpoint.ts). */
  gradientCheckpointing = false;

  constructor(
    readonly config: VitConfig,
    readonly params: ParamStore,
  ) {
    this.act = activation(config.hidden_act);
  }

  embeddings(pixels: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const c = this.config;
      const p = this.params;
      if (pixels.rank !== 4 || pixels.shape[1] !== c.num_channels || pixels.shape[2] !== c.image_size || pixels.shape[3] !== c.image_size) {
        // interpolate_pos_encoding is not implemented: inputs must be config.image_size.
        throw new Error(`ViT: pixels must be [B, ${c.num_channels}, ${c.image_size}, ${c.image_size}], got [${pixels.shape.join(', ')}]`);
      }
      const b = pixels.shape[0]!;
      const patches = patchEmbedding(pixels, p.get('embeddings.patch_embeddings.projection.weight'), p.get('embeddings.patch_embeddings.projection.bias'), c.patch_size);
      const cls = tf.tile(p.get('embeddings.cls_token'), [b, 1, 1]);
      return tf.add(tf.concat([cls, patches], 1), p.get('embeddings.position_embeddings'));
    });
  }

  forward(pixels: tf.Tensor): VitOutput {
    return tf.tidy(() => {
      const c = this.config;
      const p = this.params;
      const embeddings = this.embeddings(pixels);
      let h = embeddings;
      for (let i = 0; i < c.num_hidden_layers; i++) {
        const l = `encoder.layer.${i}`;
        const layer = (x: tf.Tensor) => {
          const attn = multiHeadAttention(
            { q: p.linear(`${l}.attention.attention.query`), k: p.linear(`${l}.attention.attention.key`), v: p.linear(`${l}.attention.attention.value`), out: p.linear(`${l}.attention.output.dense`) },
            layerNorm(x, p.layerNorm(`${l}.layernorm_before`), c.layer_norm_eps),
            c.num_attention_heads,
          );
          const h1 = tf.add(x, attn);
          const mlp = linear(this.act(linear(layerNorm(h1, p.layerNorm(`${l}.layernorm_after`), c.layer_norm_eps), p.linear(`${l}.intermediate.dense`))), p.linear(`${l}.output.dense`));
          return tf.add(h1, mlp);
        };
        h = this.gradientCheckpointing ? checkpoint(layer, h, [], p.variables([`${l}.`])) : layer(h);
      }
      const lastHiddenState = layerNorm(h, p.layerNorm('layernorm'), c.layer_norm_eps);
      return { embeddings, encoderOutput: h, lastHiddenState };
    });
  }

  /** The DINO image embedding: last_hidden_state[:, 0] [B, D]. */
  classToken(pixels: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.squeeze(tf.slice(this.forward(pixels).lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]));
  }

  dispose(): void {
    this.params.dispose();
  }
}
