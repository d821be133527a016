// BlipConfig as transformers (v4.35) reads it: `save_pretrained` leaves out values equal to the
// class defaults, so every omitted field takes the default written here (BlipConfig,
// BlipTextConfig, BlipVisionConfig in transformers/models/blip/configuration_blip.py).
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

const textConfigSchema = z
  .object({
    vocab_size: z.number().int().positive().default(30524),
    hidden_size: z.number().int().positive().default(768),
    encoder_hidden_size: z.number().int().positive().default(768),
    intermediate_size: z.number().int().positive().default(3072),
    num_hidden_layers: z.number().int().nonnegative().default(12),
    num_attention_heads: z.number().int().positive().default(8),
    max_position_embeddings: z.number().int().positive().default(512),
    hidden_act: z.string().default('gelu'),
    layer_norm_eps: z.number().positive().default(1e-12),
    pad_token_id: z.number().int().default(0),
    bos_token_id: z.number().int().default(30522),
    eos_token_id: z.number().int().default(2),
    sep_token_id: z.number().int().default(102),
    hidden_dropout_prob: z.number().default(0),
    attention_probs_dropout_prob: z.number().default(0),
  })
  .passthrough();

const visionConfigSchema = z
  .object({
    hidden_size: z.number().int().positive().default(768),
    intermediate_size: z.number().int().positive().default(3072),
    num_hidden_layers: z.number().int().nonnegative().default(12),
    num_attention_heads: z.number().int().positive().default(12),
    image_size: z.number().int().positive().default(384),
    patch_size: z.number().int().positive().default(16),
    hidden_act: z.string().default('gelu'),
    layer_norm_eps: z.number().positive().default(1e-5),
    attention_dropout: z.number().default(0),
  })
  .passthrough();

export const blipConfigSchema = z
  .object({
    model_type: z.literal('blip').default('blip'),
    architectures: z
      .array(z.string())
      .nullish()
      .transform((a) => a ?? ['BlipForImageTextRetrieval']),
    projection_dim: z.number().int().positive().default(512),
    image_text_hidden_size: z.number().int().positive().default(256),
    logit_scale_init_value: z.number().default(2.6592),
    text_config: textConfigSchema.prefault({}),
    vision_config: visionConfigSchema.prefault({}),
  })
  .passthrough();

/** The same defaults in the registry's form, so `applyConfigDefaults` rebuilds what transformers holds (config_full.json). */
export const blipConfigDefaults: ConfigDefaults = {
  values: { projection_dim: 512, image_text_hidden_size: 256, logit_scale_init_value: 2.6592, initializer_factor: 1.0, initializer_range: 0.02, model_type: 'blip' },
  sub: {
    text_config: {
      vocab_size: 30524, hidden_size: 768, encoder_hidden_size: 768, intermediate_size: 3072, projection_dim: 768,
      num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 512, hidden_act: 'gelu', layer_norm_eps: 1e-12,
      hidden_dropout_prob: 0.0, attention_probs_dropout_prob: 0.0, initializer_range: 0.02, bos_token_id: 30522,
      eos_token_id: 2, pad_token_id: 0, sep_token_id: 102, is_decoder: true, use_cache: true, model_type: 'blip_text_model',
    },
    vision_config: {
      hidden_size: 768, intermediate_size: 3072, projection_dim: 512, num_hidden_layers: 12, num_attention_heads: 12,
      image_size: 384, patch_size: 16, hidden_act: 'gelu', layer_norm_eps: 1e-5, attention_dropout: 0.0,
      initializer_range: 1e-10, model_type: 'blip_vision_model',
    },
  },
};

export type BlipConfig = z.output<typeof blipConfigSchema>;
export type BlipConfigInput = z.input<typeof blipConfigSchema>;
export type BlipTextConfig = BlipConfig['text_config'];
export type BlipVisionConfig = BlipConfig['vision_config'];

export function parseBlipConfig(raw: unknown, source = 'BLIP config'): BlipConfig {
  const parsed = blipConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const v = c.vision_config;
  if (v.image_size % v.patch_size !== 0) throw new Error(`${source}: vision_config.image_size ${v.image_size} is not a multiple of patch_size ${v.patch_size}`);
  if (v.hidden_size % v.num_attention_heads !== 0) throw new Error(`${source}: vision_config.hidden_size is not divisible by num_attention_heads`);
  if (c.text_config.hidden_size % c.text_config.num_attention_heads !== 0) throw new Error(`${source}: text_config.hidden_size is not divisible by num_attention_heads`);
  return c;
}

/** Every parameter of BlipForImageTextRetrieval with its shape, named exactly as the HF state dict. */
export function blipParamShapes(c: BlipConfig): Map<string, number[]> {
  const v = c.vision_config;
  const t = c.text_config;
  const shapes = new Map<string, number[]>();
  const linear = (name: string, out: number, inp: number) => {
    shapes.set(`${name}.weight`, [out, inp]);
    shapes.set(`${name}.bias`, [out]);
  };
  const norm = (name: string, d: number) => {
    shapes.set(`${name}.weight`, [d]);
    shapes.set(`${name}.bias`, [d]);
  };
  const patches = (v.image_size / v.patch_size) ** 2;
  shapes.set('vision_model.embeddings.class_embedding', [1, 1, v.hidden_size]);
  shapes.set('vision_model.embeddings.position_embedding', [1, patches + 1, v.hidden_size]);
  shapes.set('vision_model.embeddings.patch_embedding.weight', [v.hidden_size, 3, v.patch_size, v.patch_size]);
  shapes.set('vision_model.embeddings.patch_embedding.bias', [v.hidden_size]);
  for (let i = 0; i < v.num_hidden_layers; i++) {
    const p = `vision_model.encoder.layers.${i}`;
    linear(`${p}.self_attn.qkv`, 3 * v.hidden_size, v.hidden_size);
    linear(`${p}.self_attn.projection`, v.hidden_size, v.hidden_size);
    norm(`${p}.layer_norm1`, v.hidden_size);
    linear(`${p}.mlp.fc1`, v.intermediate_size, v.hidden_size);
    linear(`${p}.mlp.fc2`, v.hidden_size, v.intermediate_size);
    norm(`${p}.layer_norm2`, v.hidden_size);
  }
  norm('vision_model.post_layernorm', v.hidden_size);
  shapes.set('text_encoder.embeddings.word_embeddings.weight', [t.vocab_size, t.hidden_size]);
  shapes.set('text_encoder.embeddings.position_embeddings.weight', [t.max_position_embeddings, t.hidden_size]);
  norm('text_encoder.embeddings.LayerNorm', t.hidden_size);
  for (let i = 0; i < t.num_hidden_layers; i++) {
    const p = `text_encoder.encoder.layer.${i}`;
    for (const [block, kvIn] of [['attention', t.hidden_size], ['crossattention', t.encoder_hidden_size]] as const) {
      linear(`${p}.${block}.self.query`, t.hidden_size, t.hidden_size);
      linear(`${p}.${block}.self.key`, t.hidden_size, kvIn);
      linear(`${p}.${block}.self.value`, t.hidden_size, kvIn);
      linear(`${p}.${block}.output.dense`, t.hidden_size, t.hidden_size);
      norm(`${p}.${block}.output.LayerNorm`, t.hidden_size);
    }
    linear(`${p}.intermediate.dense`, t.intermediate_size, t.hidden_size);
    linear(`${p}.output.dense`, t.hidden_size, t.intermediate_size);
    norm(`${p}.output.LayerNorm`, t.hidden_size);
  }
  linear('vision_proj', c.image_text_hidden_size, v.hidden_size);
  linear('text_proj', c.image_text_hidden_size, t.hidden_size);
  linear('itm_head', 2, t.hidden_size);
  return shapes;
}
