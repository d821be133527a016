// LPIPS v0.1 distance, inference only: ScalingLayer → AlexNet or VGG16 trunk (five ReLU outputs) →
// per layer, unit-normalise each pixel's channel vector (eps after the sqrt), squared difference,
// the v0.1 linear layer (1×1 conv, no bias), spatial mean; the distance is the sum over layers.
import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dWeightT, linear, maxPool2d } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import { trunkSlices, type LpipsConfig, type TrunkOp } from './config.js';

export interface LpipsOutput {
  /** [B] LPIPS(in0, in1) */
  distance: tf.Tensor;
  /** [B] per compared layer */
  perLayer: tf.Tensor[];
}

export class LpipsModel implements PretrainedModel {
  private readonly slices: TrunkOp[][];
  /** Each frozen convolution's weight as conv2d's matrix, made once (layers/conv.ts). */
  private readonly weightT = new Map<string, tf.Tensor>();

  constructor(
    readonly config: LpipsConfig,
    readonly params: ParamStore,
  ) {
    this.slices = trunkSlices(config.net);
    for (const op of this.slices.flat()) if (op.kind === 'conv') this.weightT.set(op.name, conv2dWeightT(params.get(`${op.name}.weight`)));
  }

  /** lpips.ScalingLayer on NCHW input in [−1, 1] → channels-last, ImageNet-normalised. */
  scale(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[1] !== 3) throw new Error(`LPIPS: images must be NCHW [B, 3, H, W] in [-1, 1], got [${x.shape.join(', ')}]`);
    return tf.tidy(() => tf.div(tf.sub(tf.transpose(x, [0, 2, 3, 1]), tf.tensor1d(this.config.scaling_shift)), tf.tensor1d(this.config.scaling_scale)));
  }

  /** The five trunk outputs (channels-last) of already-scaled input. */
  features(scaled: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      const out: tf.Tensor[] = [];
      let h = scaled;
      for (const ops of this.slices) {
        for (const op of ops) {
          if (op.kind === 'maxpool') h = maxPool2d(h, { kernel: op.k, stride: op.stride });
          else h = tf.relu(conv2d(h, this.params.get(`${op.name}.weight`), this.params.get(`${op.name}.bias`), { stride: op.stride, padding: op.pad, weightT: this.weightT.get(op.name) }));
        }
        out.push(h);
      }
      return out;
    });
  }

  /** in0, in1: NCHW [B, 3, H, W] in [−1, 1] (lpips' normalize=False). */
  forward(in0: tf.Tensor, in1: tf.Tensor): LpipsOutput {
    if (in0.shape.join() !== in1.shape.join()) throw new Error(`LPIPS: the two batches differ in shape ([${in0.shape.join(', ')}] vs [${in1.shape.join(', ')}])`);
    return tf.tidy(() => {
      const b = in0.shape[0]!;
      // Both images through the trunk in one batch.
      const feats = this.features(this.scale(tf.concat([in0, in1], 0)));
      const eps = this.config.normalize_tensor_eps;
      const unit = (f: tf.Tensor) => tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), -1, true)), eps));
      const perLayer = feats.map((f, k) => {
        const [f0, f1] = tf.split(unit(f), [b, b], 0) as [tf.Tensor, tf.Tensor];
        const w = this.params.get(`lin${k}.model.1.weight`);
        const weighted = linear(tf.squaredDifference(f0, f1), { weight: tf.reshape(w, [1, w.shape[1]!]) }); // [B, H, W, 1]
        return tf.mean(weighted, [1, 2, 3]);
      });
      return { distance: tf.addN(perLayer), perLayer };
    });
  }

  dispose(): void {
    for (const t of this.weightT.values()) t.dispose();
    this.weightT.clear();
    this.params.dispose();
  }
}
