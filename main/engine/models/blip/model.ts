// BlipForImageTextRetrieval (blip-itm-base-coco): ITC features (vision_proj / text_proj of the class
// tokens, L2-normalised — what the global loss of Eq. 9 and the BLIP trainer use) and the ITM head.
// Loaded through the registry (`fromPretrained(dir)`); `random(config)` builds the tiny presets.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { linear } from '../../layers/index.js';
import { l2Normalize } from '../../training/losses.js';
import { ParamStore } from '../params.js';
import { blipParamShapes, parseBlipConfig, type BlipConfig, type BlipConfigInput } from './config.js';
import { textModel, visionModel, type LayerWeights, type ParamLookup, type VisionOutputs } from './towers.js';

/** The state-dict name of BLIP's contrastive temperature τ (LAVIS's BLIP_Retrieval: `self.temp`, τ itself, 0.07 at init). */
export const BLIP_TEMP = 'temp';

export class BlipForImageTextRetrieval {
  static readonly modelType = 'blip';
  static readonly architecture = 'BlipForImageTextRetrieval';
  private readonly lookup: ParamLookup;
  private readonly layerWeights: LayerWeights = (prefix) => this.params.variables([prefix]);
  /** Recompute each encoder layer in the backward instead of keeping its tape (layers/checkpoint.ts). The trainer turns it on. */
  gradientCheckpointing = false;

  constructor(
    readonly config: BlipConfig,
    readonly params: ParamStore,
  ) {
    this.lookup = (name) => this.params.get(name);
  }

  /**
   * A randomly initialised model (the tiny presets): BERT/ViT-style N(0, 0.02) weights, zero biases,
   * unit LayerNorm gains. Seeded: the same seed gives the same weights.
   */
  static random(configInput: BlipConfigInput, seed = 0): BlipForImageTextRetrieval {
    const config = parseBlipConfig(configInput);
    const params = new ParamStore('BlipForImageTextRetrieval');
    let i = 0;
    for (const [name, shape] of blipParamShapes(config)) {
      const s = seed * 7919 + ++i; // never 0: tfjs treats seed 0 as "no seed"
      const isNorm = /(layer_norm\d|LayerNorm|post_layernorm)\.weight$/.test(name);
      const init = isNorm ? tf.ones(shape) : name.endsWith('.bias') ? tf.zeros(shape) : tf.truncatedNormal(shape, 0, 0.02, 'float32', s);
      params.set(name, init, true);
    }
    return new BlipForImageTextRetrieval(config, params);
  }

  /**
   * Writes `config.json` + `model.safetensors` in the HF layout (loadable by fromPretrained and by
   * transformers); `temp`, the contrastive temperature τ the trainer learned, goes beside the
   * parameters under the name BLIP's own code keeps it (see blipFamily's ignoreUnexpected).
   */
  async save(dir: string, temp?: number): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const extra = new Map(temp === undefined ? [] : [[BLIP_TEMP, { shape: [], values: Float32Array.of(temp), dtype: 'F32' as const }]]);
    await this.params.save(path.join(dir, 'model.safetensors'), { format: 'pt' }, extra);
    fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify({ ...this.config, torch_dtype: 'float32' }, null, 2)}\n`);
  }

  /** The vision tower: image_embeds [B, 1+N, Dv] and the pooled output. */
  vision(pixelValues: tf.Tensor): VisionOutputs {
    return visionModel(this.lookup, this.config.vision_config, pixelValues, this.gradientCheckpointing ? this.layerWeights : undefined);
  }

  /** The text encoder's last hidden state; with `imageEmbeds`, through the cross-attention layers. */
  text(inputIds: tf.Tensor, attentionMask: tf.Tensor, imageEmbeds?: tf.Tensor): tf.Tensor3D {
    return textModel(this.lookup, this.config.text_config, inputIds, attentionMask, imageEmbeds, this.gradientCheckpointing ? this.layerWeights : undefined);
  }

  /** normalize(vision_proj(image_embeds[:, 0])) [B, image_text_hidden_size]. */
  imageFeatures(imageEmbeds: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(linear(classToken(imageEmbeds), this.params.linear('vision_proj')) as tf.Tensor2D));
  }

  /** normalize(text_proj(text_encoder(ids, mask)[:, 0])) [B, image_text_hidden_size]. */
  textFeatures(inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(linear(classToken(this.text(inputIds, attentionMask)), this.params.linear('text_proj')) as tf.Tensor2D));
  }

  /** use_itm_head=False: image_feat @ text_feat.T [n_images, n_texts] (no temperature). */
  cosineSimilarity(pixelValues: tf.Tensor, inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const img = this.imageFeatures(this.vision(pixelValues).imageEmbeds);
      const txt = this.textFeatures(inputIds, attentionMask);
      return tf.matMul(img, tf.transpose(txt));
    });
  }

  /** use_itm_head=True: itm_head(text_encoder(ids, mask, image_embeds)[:, 0]) [B, 2]; column 1 = match. */
  itmLogits(pixelValues: tf.Tensor, inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const { imageEmbeds } = this.vision(pixelValues);
      return linear(classToken(this.text(inputIds, attentionMask, imageEmbeds)), this.params.linear('itm_head')) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}

function classToken(h: tf.Tensor): tf.Tensor2D {
  return tf.squeeze(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
}
