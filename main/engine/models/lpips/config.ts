// LPIPS (Zhang et al. 2018; richzhang/PerceptualSimilarity, lpips 0.1.4) as data: the torchvision
// trunk's convolutions per slice with their state-dict names (lpips's `net.sliceN.I` where I is the
// index in torchvision's `features`), and the v0.1 linear layers `linK.model.1.weight`.
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

export const LPIPS_DEFAULTS: ConfigDefaults = {
  values: {
    net: 'alex', version: '0.1', normalize_tensor_eps: 1e-10,
    // lpips.ScalingLayer: [-1, 1] input → ImageNet-normalised (v0.1 only).
    scaling_shift: [-0.03, -0.088, -0.188], scaling_scale: [0.458, 0.448, 0.45],
  },
};

const triple = z.array(z.number()).length(3);
export const lpipsConfigSchema = z.object({
  net: z.enum(['alex', 'vgg']),
  version: z.literal('0.1'),
  normalize_tensor_eps: z.number().positive(),
  scaling_shift: triple,
  scaling_scale: triple,
});
export type LpipsConfig = z.output<typeof lpipsConfigSchema>;

export function parseLpipsConfig(full: Record<string, unknown>, source: string): LpipsConfig {
  const parsed = lpipsConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'} (LPIPS supports net alex|vgg, version 0.1)`);
  }
  return parsed.data;
}

/** One step of a trunk slice: a 3×3-style conv + ReLU, or a max pool before it. */
export type TrunkOp = { kind: 'conv'; name: string; cin: number; cout: number; k: number; stride: number; pad: number } | { kind: 'maxpool'; k: number; stride: number };

const conv = (slice: number, index: number, cin: number, cout: number, k = 3, stride = 1, pad = 1): TrunkOp => ({ kind: 'conv', name: `net.slice${slice}.${index}`, cin, cout, k, stride, pad });

/** The five slices (outputs relu1…relu5) of lpips.pretrained_networks.alexnet / vgg16. */
export function trunkSlices(net: LpipsConfig['net']): TrunkOp[][] {
  if (net === 'alex') {
    const pool: TrunkOp = { kind: 'maxpool', k: 3, stride: 2 };
    return [[conv(1, 0, 3, 64, 11, 4, 2)], [pool, conv(2, 3, 64, 192, 5, 1, 2)], [pool, conv(3, 6, 192, 384)], [conv(4, 8, 384, 256)], [conv(5, 10, 256, 256)]];
  }
  const pool: TrunkOp = { kind: 'maxpool', k: 2, stride: 2 };
  return [
    [conv(1, 0, 3, 64), conv(1, 2, 64, 64)],
    [pool, conv(2, 5, 64, 128), conv(2, 7, 128, 128)],
    [pool, conv(3, 10, 128, 256), conv(3, 12, 256, 256), conv(3, 14, 256, 256)],
    [pool, conv(4, 17, 256, 512), conv(4, 19, 512, 512), conv(4, 21, 512, 512)],
    [pool, conv(5, 24, 512, 512), conv(5, 26, 512, 512), conv(5, 28, 512, 512)],
  ];
}

/** Channels of the five compared feature maps (lpips `chns`). */
export function lpipsChannels(net: LpipsConfig['net']): number[] {
  return trunkSlices(net).map((ops) => {
    const last = ops[ops.length - 1]!;
    return last.kind === 'conv' ? last.cout : 0;
  });
}

export function lpipsParamShapes(c: LpipsConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  for (const op of trunkSlices(c.net).flat()) {
    if (op.kind === 'conv') s.set(`${op.name}.weight`, [op.cout, op.cin, op.k, op.k]).set(`${op.name}.bias`, [op.cout]);
  }
  lpipsChannels(c.net).forEach((ch, k) => s.set(`lin${k}.model.1.weight`, [1, ch, 1, 1]));
  return s;
}
