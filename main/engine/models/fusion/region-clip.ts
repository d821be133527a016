// Region-CLIP (Sec. 3.2.1–3.2.2): CLIP plus the gated region-context fusion module. A Region-CLIP
// folder holds two Hugging Face style model folders, `clip/` (a CLIPModel: config.json,
// model.safetensors, tokenizer and preprocessor files) and `fusion/` (config.json, model.safetensors),
// each loadable on its own by fromPretrained.
//
// e_r and e_f are CLIP's vision tokens *before* post_layernorm: the fusion module ends in its own
// LayerNorm and projection (Eq. 16), which `initFromClip` sets to CLIP's post_layernorm and
// visual_projection — so an untrained module's f_r is CLIP's own image embedding of the crop.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../params.js';
import { applyConfigDefaults, fromPretrained } from '../registry.js';
import { CLIP_DEFAULTS, clipParamShapes, ClipModel, parseClipConfig } from '../clip/index.js';
import { GatedRegionContextFusion } from './model.js';
import type { GatedFusionConfigInput } from './config.js';

export class RegionClip {
  constructor(
    readonly clip: ClipModel,
    readonly fusion: GatedRegionContextFusion,
    /** CLIP's config.json as it was read (written back unchanged on save). */
    readonly clipConfigJson: Record<string, unknown>,
  ) {}

  /** Loads `<dir>/clip` and `<dir>/fusion`. */
  static async load(dir: string, options: { trainable?: boolean } = {}): Promise<RegionClip> {
    const clip = await fromPretrained<ClipModel>(path.join(dir, 'clip'), options);
    try {
      const fusion = await fromPretrained<GatedRegionContextFusion>(path.join(dir, 'fusion'), options);
      const raw = JSON.parse(fs.readFileSync(path.join(dir, 'clip', 'config.json'), 'utf8')) as Record<string, unknown>;
      return new RegionClip(clip, fusion, raw);
    } catch (err) {
      clip.dispose();
      throw err;
    }
  }

  /**
   * A pretrained CLIP folder plus a new fusion module (phase 1 starts here). The fusion's input and
   * output widths come from CLIP's config; `fusion` sets kernel size, heads and pooling.
   */
  static async fromClip(clipDir: string, fusion: Partial<GatedFusionConfigInput>, seed: number): Promise<RegionClip> {
    const clip = await fromPretrained<ClipModel>(clipDir, { trainable: true });
    const raw = JSON.parse(fs.readFileSync(path.join(clipDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return new RegionClip(clip, RegionClip.newFusion(clip, fusion, seed), raw);
  }

  /** A randomly initialised CLIP from a config.json object (the tiny presets), plus a new fusion module. */
  static random(clipConfigJson: Record<string, unknown>, fusion: Partial<GatedFusionConfigInput>, seed: number): RegionClip {
    const config = parseClipConfig(applyConfigDefaults(clipConfigJson, CLIP_DEFAULTS), 'tiny CLIP config');
    const params = new ParamStore('CLIPModel (random)');
    let i = 0;
    for (const [name, shape] of clipParamShapes(config)) {
      const s = seed * 7919 + ++i; // never 0: tfjs treats seed 0 as "no seed"
      let init: tf.Tensor;
      if (name === 'logit_scale') init = tf.scalar(config.logit_scale_init_value);
      else if (/(layer_norm\d|layrnorm|layernorm|final_layer_norm)\.weight$/.test(name)) init = tf.ones(shape);
      else if (name.endsWith('.bias')) init = tf.zeros(shape);
      else init = tf.truncatedNormal(shape, 0, 0.02, 'float32', s);
      params.set(name, init, true);
    }
    const clip = new ClipModel(config, params);
    return new RegionClip(clip, RegionClip.newFusion(clip, fusion, seed), { ...clipConfigJson, model_type: 'clip', architectures: ['CLIPModel'] });
  }

  private static newFusion(clip: ClipModel, options: Partial<GatedFusionConfigInput>, seed: number): GatedRegionContextFusion {
    const width = clip.config.vision_config.hidden_size;
    const fusion = GatedRegionContextFusion.random({ ...options, input_dim: width, hidden_dim: width, projection_dim: clip.config.projection_dim }, seed);
    fusion.initFromClip(clip.params.layerNorm('vision_model.post_layernorm'), clip.params.get('visual_projection.weight'));
    return fusion;
  }

  /** e_r / e_f: CLIP vision tokens before post_layernorm [B, 1+N, D] of normalised NCHW pixels. */
  visionTokens(pixels: tf.Tensor): tf.Tensor {
    return this.clip.visionTokens(pixels, { postLayerNorm: false });
  }

  /** f_r = F(e_r, e_f) (Eq. 7), unnormalised, in CLIP's joint space [B, projection_dim]. */
  regionEmbedding(cropPixels: tf.Tensor, fullPixels: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.fusion.forward(this.visionTokens(cropPixels), this.visionTokens(fullPixels)).regionEmbedding);
  }

  /** CLIP's text embedding of t_r (get_text_features), unnormalised [B, projection_dim]. */
  textEmbedding(inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
    return this.clip.textFeatures(inputIds, attentionMask) as tf.Tensor2D;
  }

  /** Writes `<dir>/clip` (HF CLIPModel folder) and `<dir>/fusion`. */
  async save(dir: string): Promise<void> {
    const clipDir = path.join(dir, 'clip');
    fs.mkdirSync(clipDir, { recursive: true });
    await this.clip.params.save(path.join(clipDir, 'model.safetensors'));
    fs.writeFileSync(path.join(clipDir, 'config.json'), `${JSON.stringify({ ...this.clipConfigJson, torch_dtype: 'float32' }, null, 2)}\n`);
    await this.fusion.save(path.join(dir, 'fusion'));
  }

  dispose(): void {
    this.clip.dispose();
    this.fusion.dispose();
  }
}
