// BlipForImageTextRetrieval (blip-itm-base-coco): ITC features (vision_proj / text_proj of the class
// tokens, L2-normalised — what the global loss of Eq. 9 and the BLIP trainer use) and the ITM head.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.js';
import { linear } from '../../layers/index.js';
import { l2Normalize } from '../../training/losses.js';
import { blipParamShapes, parseBlipConfig, type BlipConfig, type BlipConfigInput } from './config.js';
import { textModel, visionModel, type ParamLookup, type VisionOutputs } from './towers.js';

/** Buffers some checkpoints carry that are not parameters (older `pytorch_model.bin` conversions). */
const IGNORED_BUFFERS = /(^|\.)position_ids$/;

export class BlipForImageTextRetrieval {
  static readonly modelType = 'blip';
  static readonly architecture = 'BlipForImageTextRetrieval';
  readonly params: Map<string, tf.Variable>;
  private readonly lookup: ParamLookup;

  private constructor(
    readonly config: BlipConfig,
    params: Map<string, tf.Variable>,
  ) {
    this.params = params;
    this.lookup = (name) => {
      const v = this.params.get(name);
      if (!v) throw new Error(`BlipForImageTextRetrieval: parameter "${name}" is missing`);
      return v;
    };
  }

  /**
   * A randomly initialised model (the tiny presets): BERT/ViT-style N(0, 0.02) weights, zero biases,
   * unit LayerNorm gains. Seeded: the same seed gives the same weights on every backend.
   */
  static random(configInput: BlipConfigInput, seed = 0): BlipForImageTextRetrieval {
    const config = parseBlipConfig(configInput);
    const params = new Map<string, tf.Variable>();
    let i = 0;
    for (const [name, shape] of blipParamShapes(config)) {
      const s = seed * 7919 + i++;
      const init = tf.tidy(() => {
        const isNorm = /(layer_norm\d|LayerNorm|post_layernorm)\.weight$/.test(name);
        if (isNorm) return tf.ones(shape);
        if (name.endsWith('.bias')) return tf.zeros(shape);
        return tf.truncatedNormal(shape, 0, 0.02, 'float32', s);
      });
      params.set(name, tf.variable(init, true));
      init.dispose();
    }
    return new BlipForImageTextRetrieval(config, params);
  }

  /** Reads `config.json` (transformers defaults for omitted values) and `model.safetensors`, checking every name and shape. */
  static fromPretrained(dir: string): BlipForImageTextRetrieval {
    const configFile = path.join(dir, 'config.json');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch (err) {
      throw new Error(`${configFile}: cannot read: ${(err as Error).message}`);
    }
    const config = parseBlipConfig(raw, configFile);
    const archs = config.architectures;
    if (!archs.includes(BlipForImageTextRetrieval.architecture)) {
      throw new Error(`${configFile}: architectures ${JSON.stringify(archs)} is not BlipForImageTextRetrieval`);
    }
    return BlipForImageTextRetrieval.fromTensors(config, readSafetensors(path.join(dir, 'model.safetensors')), path.join(dir, 'model.safetensors'));
  }

  /** Builds the model from host tensors by HF name; reports every missing, unexpected or misshapen one. */
  static fromTensors(config: BlipConfig, tensors: ReadonlyMap<string, { shape: number[]; values: Float32Array | Int32Array; dtype: string }>, source: string): BlipForImageTextRetrieval {
    const expected = blipParamShapes(config);
    const missing = [...expected.keys()].filter((n) => !tensors.has(n));
    const unexpected = [...tensors.keys()].filter((n) => !expected.has(n) && !IGNORED_BUFFERS.test(n));
    const misshapen = [...expected]
      .filter(([n, s]) => tensors.has(n) && tensors.get(n)!.shape.join(',') !== s.join(','))
      .map(([n, s]) => `"${n}" is [${tensors.get(n)!.shape.join(', ')}], config wants [${s.join(', ')}]`);
    const wrongType = [...expected.keys()].filter((n) => tensors.has(n) && tensors.get(n)!.dtype !== 'float32').map((n) => `"${n}" is ${tensors.get(n)!.dtype}`);
    const problems = [
      missing.length ? `missing ${missing.length}: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}` : '',
      unexpected.length ? `unexpected ${unexpected.length}: ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ', …' : ''}` : '',
      ...misshapen,
      ...wrongType.map((w) => `${w}, wants a float`),
    ].filter(Boolean);
    if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
    const params = new Map<string, tf.Variable>();
    for (const [name, shape] of expected) {
      const t = tensors.get(name)!;
      params.set(name, tf.variable(tf.tensor(t.values, shape, 'float32'), true));
    }
    return new BlipForImageTextRetrieval(config, params);
  }

  /** Writes `config.json` + `model.safetensors` in the HF layout (loadable by transformers' from_pretrained). */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, v] of this.params) tensors.set(name, { shape: v.shape, values: v.dataSync() as Float32Array });
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify({ ...this.config, torch_dtype: 'float32' }, null, 2)}\n`);
  }

  variables(filter?: (name: string) => boolean): tf.Variable[] {
    return [...this.params].filter(([n]) => !filter || filter(n)).map(([, v]) => v);
  }

  /** The vision tower: image_embeds [B, 1+N, Dv] and the pooled output. */
  vision(pixelValues: tf.Tensor): VisionOutputs {
    return visionModel(this.lookup, this.config.vision_config, pixelValues);
  }

  /** The text encoder's last hidden state; with `imageEmbeds`, through the cross-attention layers. */
  text(inputIds: tf.Tensor, attentionMask: tf.Tensor, imageEmbeds?: tf.Tensor): tf.Tensor3D {
    return textModel(this.lookup, this.config.text_config, inputIds, attentionMask, imageEmbeds);
  }

  /** normalize(vision_proj(image_embeds[:, 0])) [B, image_text_hidden_size]. */
  imageFeatures(imageEmbeds: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(linear(tf.squeeze(tf.slice(imageEmbeds, [0, 0, 0], [-1, 1, -1]), [1]), this.linearParams('vision_proj')) as tf.Tensor2D));
  }

  /** normalize(text_proj(text_encoder(ids, mask)[:, 0])) [B, image_text_hidden_size]. */
  textFeatures(inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.text(inputIds, attentionMask);
      return l2Normalize(linear(tf.squeeze(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [1]), this.linearParams('text_proj')) as tf.Tensor2D);
    });
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
      const h = this.text(inputIds, attentionMask, imageEmbeds);
      return linear(tf.squeeze(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [1]), this.linearParams('itm_head')) as tf.Tensor2D;
    });
  }

  private linearParams(name: string) {
    return { weight: this.lookup(`${name}.weight`), bias: this.lookup(`${name}.bias`) };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
