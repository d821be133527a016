// torchvision Inception-v3 (Szegedy et al. 2016) for FID and IS, inference only: the 2048-d pool
// features (avgpool of Mixed_7c, FID's "pool3") and the classifier logits (IS). Channels-last on the
// engine's conv2d (im2col + matMul); every BatchNorm is folded into its convolution once at load, and
// the 1×1 convolutions of a block that read the same input run as one matMul.
import * as tf from '@tensorflow/tfjs';
import { avgPool2d, conv2d, conv2dWeightT, foldBatchNorm, linear, maxPool2d } from '../../layers/index.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import { INCEPTION_BLOCKS, INCEPTION_STEM, allConvs, type BasicConv, type InceptionBlock, type InceptionConfig } from './config.js';

export interface InceptionOutput {
  /** avgpool(Mixed_7c) flattened [B, 2048]: the FID feature */
  pool: tf.Tensor;
  /** fc(pool) [B, num_classes] (dropout is inactive in eval): the IS logits */
  logits: tf.Tensor;
  /** Mixed_7c channels-last [B, 8, 8, 2048] (at 299²) */
  mixed7c: tf.Tensor;
  /** spatial mean of each stage's output [B, C] by torchvision's module name, when asked for */
  stageMeans: Record<string, tf.Tensor>;
}

interface Folded {
  /** the folded weight as conv2d's [kh·kw·Cin, Cout] matrix (conv2dWeightT) */
  weightT: tf.Tensor;
  bias: tf.Tensor;
  unit: BasicConv;
}

// Per block: the 1×1 convolutions on the block input that share one matMul, by branch name.
const SHARED_1X1: Record<InceptionBlock['kind'], string[]> = {
  A: ['branch1x1', 'branch5x5_1', 'branch3x3dbl_1'],
  B: ['branch3x3dbl_1'],
  C: ['branch1x1', 'branch7x7_1', 'branch7x7dbl_1'],
  D: ['branch3x3_1', 'branch7x7x3_1'],
  E: ['branch1x1', 'branch3x3_1', 'branch3x3dbl_1'],
};

// torchvision _transform_input: ImageNet-normalised input → (x·std + mean − 0.5) / 0.5 per channel.
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export class InceptionV3 implements PretrainedModel {
  private readonly folded = new Map<string, Folded>();
  /** concatenated folded 1×1 weights per block, transposed: [Cin, sum Cout], and the split sizes */
  private readonly heads = new Map<string, { weightT: tf.Tensor; bias: tf.Tensor; sizes: number[]; names: string[] }>();

  constructor(
    readonly config: InceptionConfig,
    readonly params: ParamStore,
  ) {
    for (const u of allConvs()) {
      const p = params;
      const f = foldBatchNorm(p.get(`${u.name}.conv.weight`), undefined, {
        weight: p.get(`${u.name}.bn.weight`), bias: p.get(`${u.name}.bn.bias`), runningMean: p.get(`${u.name}.bn.running_mean`), runningVar: p.get(`${u.name}.bn.running_var`),
      }, config.batchnorm_eps);
      // Frozen: the weight matrix is transposed once here, not on every call (layers/conv.ts).
      this.folded.set(u.name, { weightT: conv2dWeightT(f.weight), bias: f.bias, unit: u });
      f.weight.dispose();
    }
    for (const b of INCEPTION_BLOCKS) {
      const names = SHARED_1X1[b.kind];
      const fs = names.map((n) => this.folded.get(`${b.name}.${n}`)!);
      this.heads.set(b.name, {
        weightT: tf.tidy(() => tf.concat(fs.map((f) => f.weightT), 1)),
        bias: tf.tidy(() => tf.concat(fs.map((f) => f.bias), 0)),
        sizes: fs.map((f) => f.unit.cout),
        names,
      });
      // The shared matMul replaces these units: keep one copy of their weights.
      for (const f of fs) {
        tf.dispose([f.weightT, f.bias]);
        this.folded.delete(f.unit.name);
      }
    }
  }

  /** BasicConv2d: conv (BN folded) → ReLU, channels-last. */
  private unit(name: string, x: tf.Tensor): tf.Tensor {
    const f = this.folded.get(name);
    if (!f) throw new Error(`Inception: no convolution ${name}`);
    return tf.tidy(() => tf.relu(conv2d(x, this.params.get(`${name}.conv.weight`), f.bias, { stride: f.unit.stride, padding: f.unit.pad, weightT: f.weightT })));
  }

  private block(b: InceptionBlock, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const head = this.heads.get(b.name)!;
      const shared = tf.relu(linear(x, { weight: head.weightT, weightT: head.weightT, bias: head.bias }));
      const parts = head.sizes.length === 1 ? [shared] : tf.split(shared, head.sizes, 3);
      const h = Object.fromEntries(head.names.map((n, i) => [n, parts[i]!]));
      const u = (n: string, t: tf.Tensor) => this.unit(`${b.name}.${n}`, t);
      const fid = this.config.variant === 'pytorch-fid';
      // FIDInceptionA/C/E average without the padding; FIDInceptionE_2 (Mixed_7c) max-pools.
      const avg = () => avgPool2d(x, { kernel: 3, stride: 1, padding: 1, countIncludePad: !fid });
      switch (b.kind) {
        case 'A':
          return tf.concat([h.branch1x1!, u('branch5x5_2', h.branch5x5_1!), u('branch3x3dbl_3', u('branch3x3dbl_2', h.branch3x3dbl_1!)), u('branch_pool', avg())], 3);
        case 'B':
          return tf.concat([u('branch3x3', x), u('branch3x3dbl_3', u('branch3x3dbl_2', h.branch3x3dbl_1!)), maxPool2d(x, { kernel: 3, stride: 2 })], 3);
        case 'C': {
          const b7 = u('branch7x7_3', u('branch7x7_2', h.branch7x7_1!));
          const d7 = u('branch7x7dbl_5', u('branch7x7dbl_4', u('branch7x7dbl_3', u('branch7x7dbl_2', h.branch7x7dbl_1!))));
          return tf.concat([h.branch1x1!, b7, d7, u('branch_pool', avg())], 3);
        }
        case 'D': {
          const b3 = u('branch3x3_2', h.branch3x3_1!);
          const b7 = u('branch7x7x3_4', u('branch7x7x3_3', u('branch7x7x3_2', h.branch7x7x3_1!)));
          return tf.concat([b3, b7, maxPool2d(x, { kernel: 3, stride: 2 })], 3);
        }
        case 'E': {
          const b3 = h.branch3x3_1!;
          const d3 = u('branch3x3dbl_2', h.branch3x3dbl_1!);
          const pool = fid && b.name === 'Mixed_7c' ? maxPool2d(x, { kernel: 3, stride: 1, padding: 1 }) : avg();
          return tf.concat([h.branch1x1!, u('branch3x3_2a', b3), u('branch3x3_2b', b3), u('branch3x3dbl_3a', d3), u('branch3x3dbl_3b', d3), u('branch_pool', pool)], 3);
        }
      }
    });
  }

  /**
   * pixels NCHW [B, 3, H, W] as torchvision's Inception3.forward takes them (ImageNet-normalised
   * when transform_input is on; for the fixture, as given) → pool features, logits, Mixed_7c.
   */
  forward(pixels: tf.Tensor, opts: { stageMeans?: boolean } = {}): InceptionOutput {
    if (pixels.rank !== 4 || pixels.shape[1] !== 3) throw new Error(`Inception: pixels must be NCHW [B, 3, H, W], got [${pixels.shape.join(', ')}]`);
    if (pixels.shape[2]! < 75 || pixels.shape[3]! < 75) throw new Error(`Inception: images must be at least 75×75 (299×299 for FID), got ${pixels.shape[2]}×${pixels.shape[3]}`);
    return tf.tidy(() => {
      const stageMeans: Record<string, tf.Tensor> = {};
      const note = (name: string, t: tf.Tensor) => {
        if (opts.stageMeans) stageMeans[name] = tf.mean(t, [1, 2]);
        return t;
      };
      let x = tf.transpose(pixels, [0, 2, 3, 1]);
      if (this.config.transform_input) {
        x = tf.add(tf.mul(x, tf.tensor1d(IMAGENET_STD.map((s) => s / 0.5))), tf.tensor1d(IMAGENET_MEAN.map((m) => (m - 0.5) / 0.5)));
      }
      for (const s of INCEPTION_STEM) {
        x = note(s.name, this.unit(s.name, x));
        if (s.name === 'Conv2d_2b_3x3') x = note('maxpool1', maxPool2d(x, { kernel: 3, stride: 2 }));
        if (s.name === 'Conv2d_4a_3x3') x = note('maxpool2', maxPool2d(x, { kernel: 3, stride: 2 }));
      }
      for (const b of INCEPTION_BLOCKS) x = note(b.name, this.block(b, x));
      const pool = tf.mean(x, [1, 2]);
      const logits = linear(pool, this.params.linear('fc'));
      return { pool, logits, mixed7c: x, stageMeans };
    });
  }

  dispose(): void {
    for (const f of this.folded.values()) tf.dispose([f.weightT, f.bias]);
    for (const h of this.heads.values()) tf.dispose([h.weightT, h.bias]);
    this.folded.clear();
    this.heads.clear();
    this.params.dispose();
  }
}
