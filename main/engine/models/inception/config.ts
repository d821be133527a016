// torchvision's Inception3 (torchvision 0.14 models/inception.py) as a list of its BasicConv2d
// units — Conv2d(bias=False) → BatchNorm2d(eps 0.001) → ReLU — with their state-dict names, so the
// parameter check and the forward read one table. A model folder holds `config.json` written by the
// exporter (README.md in engine/metrics) and `model.safetensors` with torchvision's names.
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

export const INCEPTION_DEFAULTS: ConfigDefaults = {
  values: { num_classes: 1000, transform_input: false, batchnorm_eps: 0.001, variant: 'torchvision' },
};

export const inceptionConfigSchema = z.object({
  num_classes: z.number().int().positive(),
  /**
   * torchvision's `_transform_input`: the input is ImageNet-normalised and re-mapped per channel to
   * (x·std_c + mean_c − 0.5) / 0.5. torchvision's pretrained builder forces it on; the fixture has it off.
   */
  transform_input: z.boolean(),
  batchnorm_eps: z.number().positive(),
  /**
   * 'torchvision': Inception3 as is. 'pytorch-fid': pytorch-fid's FIDInceptionA/C/E blocks — their
   * branch_pool average excludes the padding (count_include_pad=False), and Mixed_7c max-pools
   * instead — for the TF-2015 FID weights (pt_inception-2015-12-05, 1008 classes).
   */
  variant: z.enum(['torchvision', 'pytorch-fid']),
});
export type InceptionConfig = z.output<typeof inceptionConfigSchema>;

export function parseInceptionConfig(full: Record<string, unknown>, source: string): InceptionConfig {
  const parsed = inceptionConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** One BasicConv2d: kernel [kh, kw], stride, zero padding [top, bottom, left, right]. */
export interface BasicConv {
  name: string;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: number;
  pad: [number, number, number, number];
}

function conv(name: string, cin: number, cout: number, k: number | [number, number], opts: { stride?: number; pad?: number | [number, number] } = {}): BasicConv {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const [ph, pw] = typeof opts.pad === 'number' ? [opts.pad, opts.pad] : (opts.pad ?? [0, 0]);
  return { name, cin, cout, kh, kw, stride: opts.stride ?? 1, pad: [ph, ph, pw, pw] };
}

export type BlockKind = 'A' | 'B' | 'C' | 'D' | 'E';

export interface InceptionBlock {
  name: string;
  kind: BlockKind;
  cin: number;
  /** InceptionA: pool_features; InceptionC: channels_7x7 */
  width?: number;
}

/** The Mixed_* blocks in order, with their input channels (torchvision Inception3.__init__). */
export const INCEPTION_BLOCKS: readonly InceptionBlock[] = [
  { name: 'Mixed_5b', kind: 'A', cin: 192, width: 32 },
  { name: 'Mixed_5c', kind: 'A', cin: 256, width: 64 },
  { name: 'Mixed_5d', kind: 'A', cin: 288, width: 64 },
  { name: 'Mixed_6a', kind: 'B', cin: 288 },
  { name: 'Mixed_6b', kind: 'C', cin: 768, width: 128 },
  { name: 'Mixed_6c', kind: 'C', cin: 768, width: 160 },
  { name: 'Mixed_6d', kind: 'C', cin: 768, width: 160 },
  { name: 'Mixed_6e', kind: 'C', cin: 768, width: 192 },
  { name: 'Mixed_7a', kind: 'D', cin: 768 },
  { name: 'Mixed_7b', kind: 'E', cin: 1280 },
  { name: 'Mixed_7c', kind: 'E', cin: 2048 },
];

/** The stem's convolutions, in order (the two max pools sit after Conv2d_2b_3x3 and Conv2d_4a_3x3). */
export const INCEPTION_STEM: readonly BasicConv[] = [
  conv('Conv2d_1a_3x3', 3, 32, 3, { stride: 2 }),
  conv('Conv2d_2a_3x3', 32, 32, 3),
  conv('Conv2d_2b_3x3', 32, 64, 3, { pad: 1 }),
  conv('Conv2d_3b_1x1', 64, 80, 1),
  conv('Conv2d_4a_3x3', 80, 192, 3),
];

/** Every BasicConv2d of one Mixed block by its branch name. */
export function blockConvs(b: InceptionBlock): Record<string, BasicConv> {
  const p = (n: string) => `${b.name}.${n}`;
  const c = b.cin;
  const list: BasicConv[] = [];
  if (b.kind === 'A') {
    list.push(conv(p('branch1x1'), c, 64, 1), conv(p('branch5x5_1'), c, 48, 1), conv(p('branch5x5_2'), 48, 64, 5, { pad: 2 }));
    list.push(conv(p('branch3x3dbl_1'), c, 64, 1), conv(p('branch3x3dbl_2'), 64, 96, 3, { pad: 1 }), conv(p('branch3x3dbl_3'), 96, 96, 3, { pad: 1 }));
    list.push(conv(p('branch_pool'), c, b.width!, 1));
  } else if (b.kind === 'B') {
    list.push(conv(p('branch3x3'), c, 384, 3, { stride: 2 }));
    list.push(conv(p('branch3x3dbl_1'), c, 64, 1), conv(p('branch3x3dbl_2'), 64, 96, 3, { pad: 1 }), conv(p('branch3x3dbl_3'), 96, 96, 3, { stride: 2 }));
  } else if (b.kind === 'C') {
    const c7 = b.width!;
    list.push(conv(p('branch1x1'), c, 192, 1));
    list.push(conv(p('branch7x7_1'), c, c7, 1), conv(p('branch7x7_2'), c7, c7, [1, 7], { pad: [0, 3] }), conv(p('branch7x7_3'), c7, 192, [7, 1], { pad: [3, 0] }));
    list.push(conv(p('branch7x7dbl_1'), c, c7, 1), conv(p('branch7x7dbl_2'), c7, c7, [7, 1], { pad: [3, 0] }), conv(p('branch7x7dbl_3'), c7, c7, [1, 7], { pad: [0, 3] }));
    list.push(conv(p('branch7x7dbl_4'), c7, c7, [7, 1], { pad: [3, 0] }), conv(p('branch7x7dbl_5'), c7, 192, [1, 7], { pad: [0, 3] }));
    list.push(conv(p('branch_pool'), c, 192, 1));
  } else if (b.kind === 'D') {
    list.push(conv(p('branch3x3_1'), c, 192, 1), conv(p('branch3x3_2'), 192, 320, 3, { stride: 2 }));
    list.push(conv(p('branch7x7x3_1'), c, 192, 1), conv(p('branch7x7x3_2'), 192, 192, [1, 7], { pad: [0, 3] }), conv(p('branch7x7x3_3'), 192, 192, [7, 1], { pad: [3, 0] }));
    list.push(conv(p('branch7x7x3_4'), 192, 192, 3, { stride: 2 }));
  } else {
    list.push(conv(p('branch1x1'), c, 320, 1));
    list.push(conv(p('branch3x3_1'), c, 384, 1), conv(p('branch3x3_2a'), 384, 384, [1, 3], { pad: [0, 1] }), conv(p('branch3x3_2b'), 384, 384, [3, 1], { pad: [1, 0] }));
    list.push(conv(p('branch3x3dbl_1'), c, 448, 1), conv(p('branch3x3dbl_2'), 448, 384, 3, { pad: 1 }));
    list.push(conv(p('branch3x3dbl_3a'), 384, 384, [1, 3], { pad: [0, 1] }), conv(p('branch3x3dbl_3b'), 384, 384, [3, 1], { pad: [1, 0] }));
    list.push(conv(p('branch_pool'), c, 192, 1));
  }
  return Object.fromEntries(list.map((u) => [u.name.slice(b.name.length + 1), u]));
}

export function allConvs(): BasicConv[] {
  return [...INCEPTION_STEM, ...INCEPTION_BLOCKS.flatMap((b) => Object.values(blockConvs(b)))];
}

/** Inception3(aux_logits=False) parameters by state-dict name (num_batches_tracked is not needed). */
export function inceptionParamShapes(c: InceptionConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  for (const u of allConvs()) {
    s.set(`${u.name}.conv.weight`, [u.cout, u.cin, u.kh, u.kw]);
    for (const n of ['weight', 'bias', 'running_mean', 'running_var']) s.set(`${u.name}.bn.${n}`, [u.cout]);
  }
  s.set('fc.weight', [c.num_classes, 2048]).set('fc.bias', [c.num_classes]);
  return s;
}
