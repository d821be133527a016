// The two trainers' configs (Region-CLIP, BLIP) and the tiny presets' model configs, free of
// TensorFlow.js: the job queue's pre-flight (main/jobs/preflight.ts) parses a run's config in the
// app's process, where no engine runs. The trainers (regionclip.ts, blip.ts) re-export them.
import { z } from 'zod';
import type { BlipConfigInput } from '../models/blip/config.js';
import { contrastiveTrainingSchema, parseWith, phaseSchema } from './config.js';

export const regionClipTrainingSchema = contrastiveTrainingSchema.extend({
  batch_size: z.number().int().positive().default(64),
  /** A CLIPModel folder (e.g. openai/clip-vit-base-patch16); null only with the tiny preset. */
  base_model: z.string().nullable().default(null),
  fusion: z
    .object({ kernel_size: z.number().int().positive().default(3), num_heads: z.number().int().positive().default(8), pooling: z.enum(['cls', 'mean']).default('cls') })
    .prefault({}),
  phases: z
    .array(phaseSchema.extend({ name: z.enum(['fusion', 'joint']) }))
    .min(1)
    .default([
      { name: 'fusion', epochs: 50, lr: 1e-4 },
      { name: 'joint', epochs: 20, lr: 1e-5 },
    ]),
  /**
   * The region crop of Eq. 6 — the one exception to `whole_image`: the rows and columns of the mask's
   * tight box, cut from the full-resolution target and stretched to CLIP's square input (bilinear,
   * half-pixel centres, aspect ratio not kept), as the paper and the ric_step fixture crop it. A
   * centre crop (CLIPImageProcessor's way) would cut away part of the very region the text describes.
   */
  region_crop: z.literal('stretch').default('stretch'),
  /** CLIP's text window. */
  max_text_tokens: z.number().int().positive().default(77),
  /** Host memory for CLIP features cached while CLIP is frozen (phase "fusion"); 0 disables. */
  feature_cache_mb: z.number().nonnegative().default(2048),
  /** Set by `--preset tiny`: the tiny random CLIP this run starts from. */
  tiny_clip: z.record(z.string(), z.unknown()).nullable().default(null),
  /**
   * Set by `--preset tiny`: the tiny model's preprocessor_config.json, over the reference class's recipe
   * at its size (preprocess/config.ts, defaultProcessorConfig) — written into the run's base folder.
   */
  tiny_processor: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type RegionClipTrainingConfig = z.output<typeof regionClipTrainingSchema>;

export function parseRegionClipConfig(raw: unknown, source = 'Region-CLIP training config'): RegionClipTrainingConfig {
  return parseWith(regionClipTrainingSchema, raw, source);
}

export const blipTrainingSchema = contrastiveTrainingSchema.extend({
  batch_size: z.number().int().positive().default(32),
  /** A BlipForImageTextRetrieval folder (e.g. Salesforce/blip-itm-base-coco); null only with the tiny preset. */
  base_model: z.string().nullable().default(null),
  phases: z.array(phaseSchema).min(1).default([{ name: 'blip', epochs: 20, lr: 1e-5 }]),
  /** BLIP's text window (scene descriptions are long). */
  max_text_tokens: z.number().int().positive().default(512),
  /** Set by `--preset tiny`: the tiny random BLIP this run starts from. */
  tiny_blip: z.record(z.string(), z.unknown()).nullable().default(null),
  /**
   * Set by `--preset tiny`: the tiny model's preprocessor_config.json, over the reference class's recipe
   * at its size (preprocess/config.ts, defaultProcessorConfig) — written into the run's base folder.
   */
  tiny_processor: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type BlipTrainingConfig = z.output<typeof blipTrainingSchema>;

export function parseBlipTrainingConfig(raw: unknown, source = 'BLIP training config'): BlipTrainingConfig {
  return parseWith(blipTrainingSchema, raw, source);
}

/** The tiny CLIP of `--preset tiny` (config.json form) for a tokenizer of `vocabSize` words. */
export function tinyClipConfig(vocabSize: number): Record<string, unknown> {
  return {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: 32,
    logit_scale_init_value: 2.6592,
    text_config: { vocab_size: vocabSize, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 32, bos_token_id: 2, eos_token_id: 3, pad_token_id: 0, hidden_act: 'quick_gelu' },
    vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 32, patch_size: 8, hidden_act: 'quick_gelu' },
  };
}

/** The tiny BLIP of `--preset tiny` for a tokenizer of `vocabSize` words. */
export function tinyBlipConfig(vocabSize: number): BlipConfigInput & Record<string, unknown> {
  return {
    model_type: 'blip',
    architectures: ['BlipForImageTextRetrieval'],
    image_text_hidden_size: 32,
    projection_dim: 32,
    text_config: { vocab_size: vocabSize, hidden_size: 32, encoder_hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 64, pad_token_id: 0, bos_token_id: 2, sep_token_id: 3, eos_token_id: 3 },
    vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 32, patch_size: 8 },
  };
}
