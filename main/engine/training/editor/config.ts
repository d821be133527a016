// The editor's training config (`train-editor`, issue 15): the paper's defaults (Sec. 4: AdamW at lr
// 1e-4, 9000 steps, batch 8, λ all 1, 256×256) with InstructPix2Pix's training details where the paper
// is silent (diffusers' examples/instruct_pix2pix/train_instruct_pix2pix.py: conditioning dropout
// 0.05, max_grad_norm 1, AdamW weight decay 1e-2, a constant learning rate after warmup, EMA 0.9999).
import { z } from 'zod';

export const ablations = ['full', 'baseline', 'no_global', 'no_region', 'no_fusion'] as const;
export type Ablation = (typeof ablations)[number];

const positiveInt = z.number().int().positive();

export const editorValidationSchema = z.object({
  /** fixed validation samples edited at every checkpoint (run samples for the step slider) */
  samples: z.number().int().min(0).max(64).default(4),
  /** samples for the inside-mask quality metrics (L1 / PSNR vs the ground truth and vs the unedited source) */
  metric_samples: z.number().int().min(0).max(4096).default(0),
  /** samples of the fixed-draw validation loss per term (val_loss_*; 0: none) */
  loss_samples: z.number().int().min(0).max(256).default(8),
  steps: positiveInt.max(1000).default(20),
  scheduler: z.enum(['ddim', 'ddpm', 'euler', 'euler_ancestral', 'dpmpp_2m']).default('ddim'),
  guidance_scale: z.number().min(0).max(50).default(7.5),
  image_guidance_scale: z.number().min(0).max(50).default(1.5),
  seed: z.number().int().min(0).default(0),
});

export const editorTrainingSchema = z.object({
  seed: z.number().int().min(0).default(0),
  steps: positiveInt.default(9000),
  batch_size: positiveInt.default(8),
  /** samples per forward/backward; the batch's gradients are summed exactly over micro-batches (null: the whole batch) */
  micro_batch_size: positiveInt.nullable().default(null),
  lr: z.number().positive().default(1e-4),
  lr_schedule: z.enum(['constant', 'cosine']).default('constant'),
  warmup_steps: z.number().int().min(0).default(0),
  min_lr_ratio: z.number().min(0).max(1).default(0),
  weight_decay: z.number().min(0).default(1e-2),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  max_grad_norm: z.number().min(0).default(1),
  ema: z.object({ enabled: z.boolean().default(false), decay: z.number().min(0).max(1).default(0.9999) }).default({ enabled: false, decay: 0.9999 }),
  lambda_denoise: z.number().min(0).default(1),
  lambda_region: z.number().min(0).default(1),
  lambda_global: z.number().min(0).default(1),
  /** the paper's rows: full (Eq. 10), baseline (denoising only, Table 2), no_global / no_region / no_fusion (Table 3) */
  ablation: z.enum(ablations).default('full'),
  /** region and global terms only for t < timestep_gate (not in the paper; null = always) */
  timestep_gate: z.number().int().positive().nullable().default(null),
  /** InstructPix2Pix: with probability p each, text dropped / both dropped / image latents zeroed */
  conditioning_dropout: z.number().min(0).max(1 / 3).default(0.05),
  resolution: positiveInt.max(2048).default(256),
  /** resize the shorter side to resolution·scale, then a random resolution² crop (1: only the longer side is cropped) */
  random_crop_scale: z.number().min(1).max(2).default(1),
  /** horizontal flips (off by default: instructions name left and right) */
  random_flip: z.boolean().default(false),
  gradient_checkpointing: z.enum(['auto', 'on', 'off']).default('auto'),
  checkpoint_every: positiveInt.default(500),
  keep_checkpoints: z.number().int().min(0).default(3),
  /** the window for t_r (CLIP) and t_f (BLIP) token ids (each tower's own maximum caps it) */
  max_text_tokens: positiveInt.max(512).default(77),
  validation: editorValidationSchema.default(editorValidationSchema.parse({})),
  /** the pipeline folder the frozen VAE / text encoder / tokenizer / scheduler come from (null: `tiny_pipeline`) */
  pipeline: z.string().min(1).nullable().default(null),
  /** the UNet to start from: an InstructPix2Pix / MagicBrush unet folder (8 channels) or a text-to-image one (widened); null = the pipeline's */
  unet: z.string().min(1).nullable().default(null),
  /** a Region-CLIP checkpoint folder (clip/ + fusion/), needed by the region term */
  regionclip: z.string().min(1).nullable().default(null),
  /** a BlipForImageTextRetrieval folder (a BLIP run's checkpoint or a base model), needed by the global term */
  blip: z.string().min(1).nullable().default(null),
  /** the tiny preset's from-scratch pipeline: UNet config.json, text encoder config.json and scheduler config (see presets) */
  tiny_pipeline: z
    .object({ unet: z.record(z.string(), z.unknown()), text_encoder: z.record(z.string(), z.unknown()), scheduler: z.record(z.string(), z.unknown()), max_text_tokens: positiveInt.max(77) })
    .nullable()
    .default(null),
  workers: z.union([z.literal('auto'), positiveInt]).default('auto'),
});

export type EditorTrainingConfig = z.output<typeof editorTrainingSchema>;

export function parseEditorConfig(raw: Record<string, unknown>, source = 'editor training config'): EditorTrainingConfig {
  const parsed = editorTrainingSchema.strict().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') || '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  if (c.micro_batch_size !== null && c.micro_batch_size > c.batch_size) throw new Error(`${source}: micro_batch_size ${c.micro_batch_size} is larger than batch_size ${c.batch_size}`);
  if (!c.pipeline && !c.tiny_pipeline) throw new Error(`${source}: "pipeline" must name an InstructPix2Pix pipeline folder (or use --preset tiny)`);
  return c;
}

/** Which loss terms a run has (the ablation switch over the λs). */
export function activeTerms(c: Pick<EditorTrainingConfig, 'ablation' | 'lambda_denoise' | 'lambda_region' | 'lambda_global'>): { denoise: number; region: number; global: number; fusion: boolean } {
  const region = c.ablation === 'baseline' || c.ablation === 'no_region' ? 0 : c.lambda_region;
  const global = c.ablation === 'baseline' || c.ablation === 'no_global' ? 0 : c.lambda_global;
  return { denoise: c.lambda_denoise, region, global, fusion: c.ablation !== 'no_fusion' };
}
