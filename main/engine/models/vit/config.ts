// ViTConfig as transformers v4.35 defines it (configuration_vit.py). DINO's config sets
// layer_norm_eps 1e-6 explicitly; the class default is 1e-12, so it must come from config.json.
import { z } from 'zod';
import type { ConfigDefaults } from '../registry.js';

export const VIT_DEFAULTS: ConfigDefaults = {
  values: {
    hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, hidden_act: 'gelu',
    hidden_dropout_prob: 0.0, attention_probs_dropout_prob: 0.0, initializer_range: 0.02, layer_norm_eps: 1e-12,
    image_size: 224, patch_size: 16, num_channels: 3, qkv_bias: true, encoder_stride: 16, model_type: 'vit',
  },
};

const int = z.number().int().positive();
export const vitConfigSchema = z.object({
  hidden_size: int,
  num_hidden_layers: z.number().int().nonnegative(),
  num_attention_heads: int,
  intermediate_size: int,
  hidden_act: z.string(),
  layer_norm_eps: z.number().positive(),
  image_size: int,
  patch_size: int,
  num_channels: int,
  qkv_bias: z.boolean(),
});
export type VitConfig = z.output<typeof vitConfigSchema>;

export function parseVitConfig(full: Record<string, unknown>, source: string): VitConfig {
  const parsed = vitConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  if (c.hidden_size % c.num_attention_heads !== 0) throw new Error(`${source}: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  if (c.image_size % c.patch_size !== 0) throw new Error(`${source}: image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`);
  return c;
}

/** ViTModel(add_pooling_layer=False) parameters by state-dict name. */
export function vitParamShapes(c: VitConfig): Map<string, number[]> {
  const d = c.hidden_size;
  const s = new Map<string, number[]>();
  const tokens = (c.image_size / c.patch_size) ** 2 + 1;
  s.set('embeddings.cls_token', [1, 1, d]);
  s.set('embeddings.position_embeddings', [1, tokens, d]);
  s.set('embeddings.patch_embeddings.projection.weight', [d, c.num_channels, c.patch_size, c.patch_size]);
  s.set('embeddings.patch_embeddings.projection.bias', [d]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const n of ['query', 'key', 'value']) {
      s.set(`${p}.attention.attention.${n}.weight`, [d, d]);
      if (c.qkv_bias) s.set(`${p}.attention.attention.${n}.bias`, [d]);
    }
    s.set(`${p}.attention.output.dense.weight`, [d, d]).set(`${p}.attention.output.dense.bias`, [d]);
    s.set(`${p}.intermediate.dense.weight`, [c.intermediate_size, d]).set(`${p}.intermediate.dense.bias`, [c.intermediate_size]);
    s.set(`${p}.output.dense.weight`, [d, c.intermediate_size]).set(`${p}.output.dense.bias`, [d]);
    s.set(`${p}.layernorm_before.weight`, [d]).set(`${p}.layernorm_before.bias`, [d]);
    s.set(`${p}.layernorm_after.weight`, [d]).set(`${p}.layernorm_after.bias`, [d]);
  }
  s.set('layernorm.weight', [d]).set('layernorm.bias', [d]);
  return s;
}
