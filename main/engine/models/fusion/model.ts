// Gated region-context fusion (Fig. 4, Eq. 12–16): the region's CLIP tokens e_r look into the whole
// image's tokens e_f through cross-attention, and a learned gate decides how much of that context
// enters the region's embedding f_r in CLIP's joint space.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { conv1d, layerNorm, linear, scaledDotProductAttention } from '../../layers/index.js';
import { ParamStore } from '../params.js';
import { conv1dConstantInput } from './frozen-conv.js';
import { FUSION_MODEL_TYPE, gatedFusionParamShapes, parseGatedFusionConfig, type GatedFusionConfig, type GatedFusionConfigInput } from './config.js';

export interface GatedFusionOutputs {
  /** f_r pooled into CLIP's joint space [B, projection_dim] (Eq. 16 + pooling). */
  regionEmbedding: tf.Tensor2D;
  /** The gate g of Eq. 14 at the pooled positions [B, hidden] (how much context was let in). */
  gate: tf.Tensor2D;
}

/** Deterministic uniform init in [-bound, bound] (torch's default for Linear/Conv1d: bound = 1/√fan_in). */
function uniform(shape: number[], bound: number, seed: number): tf.Tensor {
  return tf.randomUniform(shape, -bound, bound, 'float32', seed);
}

export class GatedRegionContextFusion {
  static readonly modelType = FUSION_MODEL_TYPE;

  constructor(
    readonly config: GatedFusionConfig,
    readonly params: ParamStore,
  ) {}

  /** A freshly initialised module (seeded: the same seed gives the same weights). */
  static random(configInput: GatedFusionConfigInput, seed = 0): GatedRegionContextFusion {
    const config = parseGatedFusionConfig(configInput);
    const params = new ParamStore('GatedRegionContextFusion');
    let i = 0;
    for (const [name, shape] of gatedFusionParamShapes(config)) {
      const s = seed * 1000 + ++i; // never 0: tfjs treats seed 0 as "no seed"
      const fanIn = name.startsWith('cnn_') ? config.input_dim * config.kernel_size : (shape[1] ?? config.hidden_dim);
      let init: tf.Tensor;
      if (name === 'norm.weight') init = tf.ones(shape);
      else if (name === 'norm.bias' || name.endsWith('in_proj_bias') || name.endsWith('out_proj.bias')) init = tf.zeros(shape);
      // Start the gate mostly closed (σ(-2) ≈ 0.12): context is let in as training finds it useful.
      else if (name === 'gate.bias') init = tf.fill(shape, -2);
      // Xavier for the fused in_proj, as torch's MultiheadAttention initialises it.
      else if (name === 'cross_attn.in_proj_weight') init = uniform(shape, Math.sqrt(6 / (shape[0]! / 3 + shape[1]!)), s);
      else init = uniform(shape, 1 / Math.sqrt(fanIn), s);
      params.set(name, init, true);
    }
    return new GatedRegionContextFusion(config, params);
  }

  /** Writes `config.json` and `model.safetensors` (PyTorch names and layouts), loadable by fromPretrained. */
  async save(dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    await this.params.save(path.join(dir, 'model.safetensors'));
    fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(this.config, null, 2)}\n`);
  }

  variables(): tf.Variable[] {
    return this.params.variables();
  }

  private p(name: string): tf.Variable {
    return this.params.get(name);
  }

  /**
   * Starts f_r at CLIP's own image embedding of the crop: CNN_r the identity (centre tap), the
   * LayerNorm CLIP's post_layernorm and the projection CLIP's visual_projection (no bias). With the
   * gate mostly closed, phase 1 then begins from CLIP's zero-shot region embedding instead of noise.
   */
  initFromClip(postLayerNorm: { weight: tf.Tensor; bias: tf.Tensor }, visualProjection: tf.Tensor): void {
    const c = this.config;
    if (c.hidden_dim !== c.input_dim || visualProjection.shape.join(',') !== `${c.projection_dim},${c.hidden_dim}`) {
      throw new Error(`fusion.initFromClip: needs hidden_dim = input_dim and visual_projection [${c.projection_dim}, ${c.hidden_dim}], got [${visualProjection.shape.join(', ')}]`);
    }
    tf.tidy(() => {
      const centre = Math.floor(c.kernel_size / 2);
      const eye = tf.eye(c.input_dim);
      const taps = Array.from({ length: c.kernel_size }, (_, j) => (j === centre ? eye : tf.zerosLike(eye)));
      this.p('cnn_r.weight').assign(tf.stack(taps, 2));
      this.p('cnn_r.bias').assign(tf.zeros([c.hidden_dim]));
      this.p('norm.weight').assign(postLayerNorm.weight);
      this.p('norm.bias').assign(postLayerNorm.bias);
      this.p('proj.weight').assign(visualProjection);
      this.p('proj.bias').assign(tf.zeros([c.projection_dim]));
    });
  }

  /**
   * e_r [B, Tr, input_dim] (tokens of the crop), e_f [B, Tf, input_dim] (tokens of the whole image)
   * → f_r [B, projection_dim]. With class-token pooling only query 0 is attended: every other
   * position of z is discarded by the pooling, so computing it would change nothing.
   */
  forward(eR: tf.Tensor, eF: tf.Tensor, options: { constantInputs?: boolean } = {}): GatedFusionOutputs {
    const c = this.config;
    if (eR.rank !== 3 || eF.rank !== 3 || eR.shape[2] !== c.input_dim || eF.shape[2] !== c.input_dim || eR.shape[0] !== eF.shape[0]) {
      throw new Error(`fusion: wants e_r [B, Tr, ${c.input_dim}] and e_f [B, Tf, ${c.input_dim}], got [${eR.shape.join(', ')}] and [${eF.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const d = c.hidden_dim;
      // Eq. 12: token-wise 1-D convolutions.
      // (`constantInputs`: e_r, e_f need no gradient — CLIP frozen — so none is computed for them.)
      const conv = options.constantInputs ? conv1dConstantInput : conv1d;
      const eRt = conv(eR, this.p('cnn_r.weight'), this.p('cnn_r.bias'));
      const eFt = conv(eF, this.p('cnn_f.weight'), this.p('cnn_f.bias'));
      const query = c.pooling === 'cls' ? tf.slice(eRt, [0, 0, 0], [-1, 1, -1]) : eRt;
      // Eq. 13: Q = ẽ_r, K = V = ẽ_f (nn.MultiheadAttention's fused in_proj, split q, k, v).
      const w = this.p('cross_attn.in_proj_weight');
      const b = this.p('cross_attn.in_proj_bias');
      const part = (i: number) => ({ weight: tf.slice(w, [i * d, 0], [d, -1]), bias: tf.slice(b, [i * d], [d]) });
      const attended = scaledDotProductAttention(linear(query, part(0)), linear(eFt, part(1)), linear(eFt, part(2)), c.num_heads);
      const h = linear(attended, { weight: this.p('cross_attn.out_proj.weight'), bias: this.p('cross_attn.out_proj.bias') });
      // Eq. 14: the gate, from the region alone.
      const g = tf.sigmoid(linear(query, { weight: this.p('gate.weight'), bias: this.p('gate.bias') }));
      // Eq. 15: gated residual.
      const z = tf.add(query, tf.mul(g, h));
      // Eq. 16, pooled: W_p·mean(LN(z)) + b_p equals mean(W_p·LN(z) + b_p) (the projection is affine).
      const normed = layerNorm(z, { weight: this.p('norm.weight'), bias: this.p('norm.bias') }, c.layer_norm_eps);
      const pooled = tf.squeeze(c.pooling === 'cls' ? normed : tf.mean(normed, 1, true), [1]);
      const regionEmbedding = linear(pooled, { weight: this.p('proj.weight'), bias: this.p('proj.bias') }) as tf.Tensor2D;
      const gate = tf.squeeze(c.pooling === 'cls' ? g : tf.mean(g, 1, true), [1]) as tf.Tensor2D;
      return { regionEmbedding, gate };
    });
  }

  /**
   * Floating-point operations of one training step's forward and backward for a batch (the
   * benchmark's count): each matmul's 2·m·n·k forward, twice that backward (input and weight
   * gradients), except the convolutions' input gradient when the inputs are constant.
   */
  trainingFlops(batch: number, tokensR: number, tokensF: number, options: { constantInputs?: boolean } = {}): number {
    const c = this.config;
    const d = c.hidden_dim;
    const tq = c.pooling === 'cls' ? 1 : tokensR;
    const conv = 2 * (tokensR + tokensF) * c.input_dim * c.kernel_size * d;
    const dense = 2 * (tq * d * d /* q */ + 2 * tokensF * d * d /* k, v */ + tq * d * d /* out */ + tq * d * d /* gate */ + d * c.projection_dim);
    const attention = 2 * 2 * tq * tokensF * d;
    return batch * (conv * (options.constantInputs ? 2 : 3) + 3 * (dense + attention));
  }

  dispose(): void {
    this.params.dispose();
  }
}
