// CLIPConfig / CLIPTextConfig / CLIPVisionConfig as transformers v4.35 defines them: the defaults
// fill what save_pretrained left out of config.json (registry.ts applies them).
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

export const CLIP_DEFAULTS: ConfigDefaults = {
  values: { projection_dim: 512, logit_scale_init_value: 2.6592, initializer_factor: 1.0, model_type: 'clip' },
  sub: {
    text_config: {
      vocab_size: 49408, hidden_size: 512, intermediate_size: 2048, projection_dim: 512, num_hidden_layers: 12,
      num_attention_heads: 8, max_position_embeddings: 77, layer_norm_eps: 1e-5, hidden_act: 'quick_gelu',
      initializer_range: 0.02, initializer_factor: 1.0, attention_dropout: 0.0, pad_token_id: 1, bos_token_id: 49406,
      eos_token_id: 49407, model_type: 'clip_text_model',
    },
    vision_config: {
      hidden_size: 768, intermediate_size: 3072, projection_dim: 512, num_hidden_layers: 12, num_attention_heads: 12,
      num_channels: 3, patch_size: 32, image_size: 224, initializer_range: 0.02, initializer_factor: 1.0,
      attention_dropout: 0.0, layer_norm_eps: 1e-5, hidden_act: 'quick_gelu', model_type: 'clip_vision_model',
    },
  },
};

const int = z.number().int().positive();
const encoder = {
  hidden_size: int,
  intermediate_size: int,
  num_hidden_layers: z.number().int().nonnegative(),
  num_attention_heads: int,
  layer_norm_eps: z.number().positive(),
  hidden_act: z.string(),
};

export const clipTextConfigSchema = z.object({
  ...encoder,
  vocab_size: int,
  max_position_embeddings: int,
  eos_token_id: z.number().int(),
  bos_token_id: z.number().int(),
  pad_token_id: z.number().int(),
});

export const clipVisionConfigSchema = z.object({ ...encoder, num_channels: int, image_size: int, patch_size: int });

export const clipConfigSchema = z.object({
  model_type: z.string(),
  projection_dim: int,
  logit_scale_init_value: z.number(),
  text_config: clipTextConfigSchema,
  vision_config: clipVisionConfigSchema,
});

export type ClipConfig = z.output<typeof clipConfigSchema>;
export type ClipTextConfig = ClipConfig['text_config'];
export type ClipVisionConfig = ClipConfig['vision_config'];

export function parseClipConfig(full: Record<string, unknown>, source: string): ClipConfig {
  const parsed = clipConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  for (const [k, t] of [['text_config', c.text_config], ['vision_config', c.vision_config]] as const) {
    if (t.hidden_size % t.num_attention_heads !== 0) throw new Error(`${source}: ${k}.hidden_size ${t.hidden_size} is not divisible by num_attention_heads ${t.num_attention_heads}`);
  }
  if (c.vision_config.image_size % c.vision_config.patch_size !== 0) {
    throw new Error(`${source}: vision_config.image_size ${c.vision_config.image_size} is not a multiple of patch_size ${c.vision_config.patch_size}`);
  }
  return c;
}

/** Every CLIPModel parameter by state-dict name (transformers' modeling_clip.py). */
export function clipParamShapes(c: ClipConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const t = c.text_config;
  const v = c.vision_config;
  const encoderShapes = (prefix: string, d: number, inner: number, layers: number) => {
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) {
        s.set(`${p}.self_attn.${proj}.weight`, [d, d]);
        s.set(`${p}.self_attn.${proj}.bias`, [d]);
      }
      s.set(`${p}.layer_norm1.weight`, [d]).set(`${p}.layer_norm1.bias`, [d]);
      s.set(`${p}.mlp.fc1.weight`, [inner, d]).set(`${p}.mlp.fc1.bias`, [inner]);
      s.set(`${p}.mlp.fc2.weight`, [d, inner]).set(`${p}.mlp.fc2.bias`, [d]);
      s.set(`${p}.layer_norm2.weight`, [d]).set(`${p}.layer_norm2.bias`, [d]);
    }
  };
  s.set('logit_scale', []);
  s.set('text_model.embeddings.token_embedding.weight', [t.vocab_size, t.hidden_size]);
  s.set('text_model.embeddings.position_embedding.weight', [t.max_position_embeddings, t.hidden_size]);
  encoderShapes('text_model', t.hidden_size, t.intermediate_size, t.num_hidden_layers);
  s.set('text_model.final_layer_norm.weight', [t.hidden_size]).set('text_model.final_layer_norm.bias', [t.hidden_size]);
  const numPositions = (v.image_size / v.patch_size) ** 2 + 1;
  s.set('vision_model.embeddings.class_embedding', [v.hidden_size]);
  s.set('vision_model.embeddings.patch_embedding.weight', [v.hidden_size, v.num_channels, v.patch_size, v.patch_size]);
  s.set('vision_model.embeddings.position_embedding.weight', [numPositions, v.hidden_size]);
  s.set('vision_model.pre_layrnorm.weight', [v.hidden_size]).set('vision_model.pre_layrnorm.bias', [v.hidden_size]);
  encoderShapes('vision_model', v.hidden_size, v.intermediate_size, v.num_hidden_layers);
  s.set('vision_model.post_layernorm.weight', [v.hidden_size]).set('vision_model.post_layernorm.bias', [v.hidden_size]);
  s.set('visual_projection.weight', [c.projection_dim, v.hidden_size]);
  s.set('text_projection.weight', [c.projection_dim, t.hidden_size]);
  return s;
}
