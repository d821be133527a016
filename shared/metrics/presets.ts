// Evaluation presets: every setting that changes a number, as data, so an evaluation stores the
// preset it ran with and two numbers are comparable only when their presets agree. The built-in
// presets reproduce two published protocols (MagicBrush's evaluation script and the Region-in-
// Context authors' one, Sec. 4) and the exact measures of datasets with ground truth (ShapesEdit).
import { z } from 'zod';

const int = z.number().int().positive().max(4096);
const triple = z.tuple([z.number(), z.number(), z.number()]);

/** Which image a paired metric compares the edited image with. */
export const referenceSchema = z.enum(['source', 'target']);
export type Reference = z.infer<typeof referenceSchema>;

/** Where a paired metric looks: the whole image, the mask's tight box (Eq. 6), or the rest (mask blacked out). */
export const regionSchema = z.enum(['full', 'inside', 'outside']);
export type Region = z.infer<typeof regionSchema>;
const regionsSchema = z.array(regionSchema).min(1).max(3).refine((r) => new Set(r).size === r.length, { message: 'regions must not repeat' });

/** A settings key naming a model folder (Settings → model folders), e.g. "clipB32". */
export const modelKeySchema = z.string().regex(/^[A-Za-z][\w.-]{0,63}$/, 'a model folder key: a letter, then letters, digits, _ . - (≤ 64)');

/** How an 8-bit RGB image becomes a backbone's input (resample.ts has the filters). */
export const imageRuleSchema = z
  .object({
    resize: z.discriminatedUnion('kind', [
      // torchvision Resize(int) / transformers shortest_edge: the short side to `size`, the long one int(size·long/short).
      z.object({ kind: z.literal('shortest_edge'), size: int }).strict(),
      z.object({ kind: z.literal('exact'), height: int, width: int }).strict(),
    ]),
    filter: z.enum(['nearest', 'box', 'bilinear', 'bicubic']),
    /** Widen the filter when shrinking (PIL, torchvision antialias=True); false: torch F.interpolate. */
    antialias: z.boolean(),
    /** half_even: torchvision CenterCrop (round((h − ch) / 2)); floor: transformers center_crop ((h − ch) // 2). */
    centerCrop: z.object({ height: int, width: int, rounding: z.enum(['half_even', 'floor']) }).strict().nullable(),
    /** After scaling to [0, 1]: (x − mean) / std per channel. */
    mean: triple,
    std: triple,
  })
  .strict();
export type ImageRule = z.infer<typeof imageRuleSchema>;

const pairedBase = { model: modelKeySchema, reference: referenceSchema, regions: regionsSchema };

export const clipImageSchema = z.object({ ...pairedBase, image: imageRuleSchema }).strict();
export const clipTextSchema = z
  .object({
    model: modelKeySchema,
    /** The text the edited image is scored against. */
    text: z.enum(['target_caption', 'instruction']),
    image: imageRuleSchema,
  })
  .strict();
export const dinoSchema = z
  .object({
    ...pairedBase,
    /** cls: last_hidden_state[:, 0]; mean_all: mean over every token (class token included); mean_patch: patch tokens only. */
    pooling: z.enum(['cls', 'mean_all', 'mean_patch']),
    image: imageRuleSchema,
  })
  .strict();
export const lpipsSchema = z
  .object({
    ...pairedBase,
    net: z.enum(['alex', 'vgg']),
    /** Both images are resized to size × size (no crop) before the network. */
    size: int,
    filter: z.enum(['nearest', 'box', 'bilinear', 'bicubic']),
    antialias: z.boolean(),
    /** '[-1,1]': what LPIPS expects (lpips' normalize=False after x·2 − 1); '[0,1]': as some scripts feed it. */
    inputRange: z.enum(['[-1,1]', '[0,1]']),
  })
  .strict();
/** Which Inception weights: FID numbers from different weights are not comparable. */
export const inceptionWeightsSchema = z.enum(['torchvision', 'pytorch-fid']);
export const fidSchema = z
  .object({
    model: modelKeySchema,
    weights: inceptionWeightsSchema,
    /** The real distribution the edited images are compared with. */
    reference: referenceSchema,
    image: imageRuleSchema,
    /** Below this many samples the 2048-d covariance is rank-deficient: warn. */
    warnBelow: z.number().int().nonnegative(),
  })
  .strict();
export const inceptionScoreSchema = z.object({ model: modelKeySchema, weights: inceptionWeightsSchema, splits: z.number().int().min(1).max(100), image: imageRuleSchema }).strict();
export const pixelSchema = z
  .object({
    measures: z.array(z.enum(['l1', 'l2', 'psnr'])).min(1),
    reference: referenceSchema,
    regions: regionsSchema,
    /** An edited image of another size is resized to the reference's size first. */
    filter: z.enum(['nearest', 'box', 'bilinear', 'bicubic']),
    antialias: z.boolean(),
  })
  .strict();

/**
 * Edit accuracy from the dataset's scene graph (ShapesEdit, issue 18; the test is defined in
 * main/data/shapes-accuracy.ts): whether the edited shape has the instructed colour, position or size
 * (remove / add: is gone / is there). Per sample a yes/no (0 or 100 %), overall and per edit kind.
 */
export const editAccuracySchema = z
  .object({
    /** Where the instructed edit is read from: the sample's meta.sceneGraph {before, after} and meta.edit. */
    from: z.literal('shapes-scene-graph'),
    /** A pixel's class: the nearest (Euclidean, 8-bit RGB) of the palette colours and the background's two colours. */
    classify: z.literal('nearest-colour'),
    /** A part of the edit (present, vacated, kept) passes when at least this share of its pixels has the class the after graph gives them. */
    minFraction: z.number().gt(0).max(1),
    /** The edited image is resized to the scene graph's frame (the source's size) first. */
    filter: z.enum(['nearest', 'box', 'bilinear', 'bicubic']),
    antialias: z.boolean(),
  })
  .strict();
export type EditAccuracySettings = z.infer<typeof editAccuracySchema>;

export const presetSchema = z
  .object({
    name: z.string().min(1).max(64),
    description: z.string().max(2000),
    /** Schema version of this record. */
    version: z.literal(1),
    /** How "inside" and "outside" are made from a mask. */
    regionRules: z
      .object({
        /** A mask pixel is in the edit region when its value (0…255) is ≥ this (shared/mask's rule). */
        maskThreshold: z.number().int().min(1).max(255),
        /** inside: crop the tight box, then 'square' resizes it to the backbone's input square (as the region loss crops, Eq. 6); 'rule' applies the metric's own image rule to the crop. */
        insideResize: z.enum(['square', 'rule']),
        /** outside: the edit region is painted this 8-bit RGB colour in both images before preprocessing. */
        outsideFill: triple,
      })
      .strict(),
    metrics: z
      .object({
        clipI: clipImageSchema.optional(),
        clipT: clipTextSchema.optional(),
        dino: dinoSchema.optional(),
        lpips: lpipsSchema.optional(),
        fid: fidSchema.optional(),
        is: inceptionScoreSchema.optional(),
        pixel: pixelSchema.optional(),
        editAccuracy: editAccuracySchema.optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some(Boolean), { message: 'a preset needs at least one metric' }),
  })
  .strict();
export type EvalPreset = z.infer<typeof presetSchema>;
export type MetricName = keyof EvalPreset['metrics'];

/** The model folder keys the built-in presets use, with what each must hold. */
export const METRIC_MODEL_KEYS = {
  clipB32: 'CLIP ViT-B/32 (openai/clip-vit-base-patch32: config.json, model.safetensors, tokenizer)',
  dinoS16: 'DINO ViT-S/16 (facebook/dino-vits16)',
  dinoB16: 'DINO ViT-B/16 (facebook/dino-vitb16)',
  inception: "torchvision Inception-v3 IMAGENET1K_V1 converted to safetensors (engine/metrics/README.md)",
  inceptionFid: 'pytorch-fid Inception (pt_inception-2015-12-05) converted to safetensors',
  lpipsVgg: 'LPIPS v0.1 VGG16: torchvision vgg16 features + lin_v0.1_vgg.safetensors',
  lpipsAlex: 'LPIPS v0.1 AlexNet: torchvision alexnet features + lin_v0.1_alex.safetensors',
} as const;

const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** OpenAI CLIP's preprocess (clip.load): Resize(224, bicubic) on PIL, CenterCrop(224), CLIP mean/std. */
const CLIP_RULE: ImageRule = { resize: { kind: 'shortest_edge', size: 224 }, filter: 'bicubic', antialias: true, centerCrop: { height: 224, width: 224, rounding: 'half_even' }, mean: CLIP_MEAN, std: CLIP_STD };
/** torchvision Inception-v3 input (transform_input=True re-maps it to [-1, 1] inside the model): 299² bilinear as pytorch-fid resizes. */
const INCEPTION_RULE: ImageRule = { resize: { kind: 'exact', height: 299, width: 299 }, filter: 'bilinear', antialias: false, centerCrop: null, mean: IMAGENET_MEAN, std: IMAGENET_STD };
const REGION_RULES: EvalPreset['regionRules'] = { maskThreshold: 128, insideResize: 'square', outsideFill: [0, 0, 0] };
const ALL_REGIONS: Region[] = ['full', 'inside', 'outside'];

const EXACT_PIXEL: NonNullable<EvalPreset['metrics']['pixel']> = { measures: ['psnr', 'l1'], reference: 'target', regions: ALL_REGIONS, filter: 'bicubic', antialias: true };
const SHAPES_EDIT_ACCURACY: EvalPreset['metrics']['editAccuracy'] = { from: 'shapes-scene-graph', classify: 'nearest-colour', minFraction: 0.5, filter: 'bilinear', antialias: true };

const PROTOCOLS: Record<'magicbrush' | 'ric-authors' | 'exact' | 'shapes', EvalPreset> = {
  magicbrush: {
    name: 'magicbrush',
    description:
      "MagicBrush's evaluation script (evaluation/image_eval.py): CLIP ViT-B/32 image features against the ground-truth target, DINO ViT-S/16 class token (Resize 256 bicubic, CenterCrop 224, ImageNet mean/std) against the target, CLIP-T against the target caption, L1/L2 against the target after resizing the edit to the target's size.",
    version: 1,
    regionRules: REGION_RULES,
    metrics: {
      clipI: { model: 'clipB32', reference: 'target', regions: ALL_REGIONS, image: CLIP_RULE },
      clipT: { model: 'clipB32', text: 'target_caption', image: CLIP_RULE },
      dino: {
        model: 'dinoS16', reference: 'target', regions: ALL_REGIONS, pooling: 'cls',
        image: { resize: { kind: 'shortest_edge', size: 256 }, filter: 'bicubic', antialias: true, centerCrop: { height: 224, width: 224, rounding: 'half_even' }, mean: IMAGENET_MEAN, std: IMAGENET_STD },
      },
      pixel: { measures: ['l1', 'l2'], reference: 'target', regions: ['full'], filter: 'bicubic', antialias: true },
    },
  },
  'ric-authors': {
    name: 'ric-authors',
    description:
      'The Region-in-Context authors\' protocol (Sec. 4): CLIP-I against the input image, DINO ViT-B/16 mean of the last hidden state against the input (ViTImageProcessor: 224² bilinear, ImageNet mean/std), CLIP-T against the target caption, LPIPS VGG at 256 px in [-1, 1] against the input, FID against the ground-truth targets after resizing to 299 (torchvision Inception weights), IS with torchvision\'s Inception and 10 splits.',
    version: 1,
    regionRules: REGION_RULES,
    metrics: {
      clipI: { model: 'clipB32', reference: 'source', regions: ALL_REGIONS, image: CLIP_RULE },
      clipT: { model: 'clipB32', text: 'target_caption', image: CLIP_RULE },
      dino: {
        model: 'dinoB16', reference: 'source', regions: ALL_REGIONS, pooling: 'mean_all',
        image: { resize: { kind: 'exact', height: 224, width: 224 }, filter: 'bilinear', antialias: true, centerCrop: null, mean: IMAGENET_MEAN, std: IMAGENET_STD },
      },
      lpips: { model: 'lpipsVgg', reference: 'source', regions: ALL_REGIONS, net: 'vgg', size: 256, filter: 'bilinear', antialias: true, inputRange: '[-1,1]' },
      fid: { model: 'inception', weights: 'torchvision', reference: 'target', image: INCEPTION_RULE, warnBelow: 2048 },
      is: { model: 'inception', weights: 'torchvision', splits: 10, image: INCEPTION_RULE },
    },
  },
  exact: {
    name: 'exact',
    description: 'For datasets with exact ground truth (ShapesEdit): PSNR and L1 against the ground-truth target over the whole image, inside the mask and outside it, on 8-bit pixels scaled to [0, 1]. No backbone.',
    version: 1,
    regionRules: REGION_RULES,
    metrics: { pixel: EXACT_PIXEL },
  },
  shapes: {
    name: 'shapes',
    description:
      "ShapesEdit's exact measures: `exact`'s PSNR and L1 against the ground-truth target (full, inside the mask, outside it) and edit accuracy from the scene graph — whether the edited shape has the instructed colour, position or size (remove/add: gone/there), overall and per edit kind (main/data/shapes-accuracy.ts). No backbone.",
    version: 1,
    regionRules: REGION_RULES,
    metrics: { pixel: EXACT_PIXEL, editAccuracy: SHAPES_EDIT_ACCURACY },
  },
};

export const BUILTIN_PRESETS: Record<keyof typeof PROTOCOLS | 'shapes-paper', EvalPreset> = {
  ...PROTOCOLS,
  'shapes-paper': {
    name: 'shapes-paper',
    description: "`shapes` plus the paper's metrics exactly as `ric-authors` computes them (CLIP-I, CLIP-T, DINO, LPIPS, FID, IS): for ShapesEdit when those model folders are set.",
    version: 1,
    regionRules: REGION_RULES,
    metrics: { ...PROTOCOLS['ric-authors'].metrics, ...PROTOCOLS.shapes.metrics },
  },
};

export type BuiltinPresetName = keyof typeof BUILTIN_PRESETS;

/** A preset by name or as a stored/user record, parsed once; errors name the field. */
export function resolvePreset(p: string | unknown): EvalPreset {
  if (typeof p === 'string') {
    const found = (BUILTIN_PRESETS as Record<string, EvalPreset>)[p];
    if (!found) throw new Error(`unknown evaluation preset "${p}" (built in: ${Object.keys(BUILTIN_PRESETS).join(', ')})`);
    return presetSchema.parse(JSON.parse(JSON.stringify(found)));
  }
  const parsed = presetSchema.safeParse(p);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`evaluation preset: field "${issue?.path.join('.') || '(root)'}": ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * A user preset: a built-in one with some settings replaced (deep merge of plain objects; arrays
 * replace, so does a resize of another kind; `null` removes a setting, e.g. `{ metrics: { fid: null } }` drops FID — except
 * `centerCrop: null`, which means "no crop").
 */
export function derivePreset(base: string | EvalPreset, name: string, changes: Record<string, unknown>): EvalPreset {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
    // A tagged variant (resize: shortest_edge ↔ exact) is replaced whole when its kind changes.
    if (isObject(a) && isObject(b) && 'kind' in b && a.kind !== b.kind) return b;
    if (isObject(a) && isObject(b)) {
      const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
      for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = v === null && k !== 'centerCrop' ? undefined : merge(out[k], v);
      for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
      return out;
    }
    return b;
  };
  return resolvePreset({ ...(merge(resolvePreset(base), changes) as object), name });
}

/** The model folder keys a preset needs, each with the metrics that use it. */
export function presetModelKeys(p: EvalPreset): Map<string, MetricName[]> {
  const keys = new Map<string, MetricName[]>();
  for (const [metric, s] of Object.entries(p.metrics) as [MetricName, { model?: string } | undefined][]) {
    if (s?.model) keys.set(s.model, [...(keys.get(s.model) ?? []), metric]);
  }
  return keys;
}
