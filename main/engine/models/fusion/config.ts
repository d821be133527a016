// The gated region-context fusion module's config (DESIGN.md §1, Eq. 12–16), stored as config.json
// next to its weights so a checkpoint rebuilds exactly the module that was trained.
import { z } from 'zod';

export const FUSION_MODEL_TYPE = 'ric_gated_fusion';
export const FUSION_ARCHITECTURE = 'GatedRegionContextFusion';

export const gatedFusionConfigSchema = z.object({
  model_type: z.literal(FUSION_MODEL_TYPE).default(FUSION_MODEL_TYPE),
  architectures: z
    .array(z.string())
    .nullish()
    .transform((a) => a ?? [FUSION_ARCHITECTURE]),
  /** Width of the CLIP vision tokens e_r, e_f (CLIP ViT-B/16: 768). */
  input_dim: z.number().int().positive(),
  /** Width after CNN_r / CNN_f, of the attention, the gate and the LayerNorm (default: input_dim). */
  hidden_dim: z.number().int().positive().optional(),
  /** CLIP's joint embedding width, the output f_r (ViT-B/16: 512). */
  projection_dim: z.number().int().positive(),
  /** Heads of the cross-attention of Eq. 13. */
  num_heads: z.number().int().positive().default(8),
  /** Kernel of the token-wise 1-D convolutions of Eq. 12 (odd keeps the token count). */
  kernel_size: z.number().int().positive().default(3),
  /** How f_r is pooled over tokens: the class token (the paper), or the mean. */
  pooling: z.enum(['cls', 'mean']).default('cls'),
  layer_norm_eps: z.number().positive().default(1e-5),
});

export type GatedFusionConfigInput = z.input<typeof gatedFusionConfigSchema>;
export type GatedFusionConfig = Required<z.output<typeof gatedFusionConfigSchema>>;

/** For the registry: every default lives in the schema, so nothing extra is merged in. */
export const gatedFusionConfigDefaults = { values: { model_type: FUSION_MODEL_TYPE } };

/** Parses a config.json (or a partial one in code), applying the defaults and naming the bad field. */
export function parseGatedFusionConfig(raw: unknown, source = 'fusion config'): GatedFusionConfig {
  const parsed = gatedFusionConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const hidden = c.hidden_dim ?? c.input_dim;
  if (hidden % c.num_heads !== 0) throw new Error(`${source}: hidden_dim ${hidden} is not divisible by num_heads ${c.num_heads}`);
  if (c.kernel_size % 2 === 0) throw new Error(`${source}: kernel_size must be odd (same-length token convolution), got ${c.kernel_size}`);
  // Only the module's own fields: the registry's generic PretrainedConfig defaults are not ours to store.
  return {
    model_type: c.model_type, architectures: c.architectures, input_dim: c.input_dim, hidden_dim: hidden, projection_dim: c.projection_dim,
    num_heads: c.num_heads, kernel_size: c.kernel_size, pooling: c.pooling, layer_norm_eps: c.layer_norm_eps,
  };
}

/** Parameter names and shapes, in PyTorch's layout (Conv1d [out, in, k], nn.MultiheadAttention's in_proj). */
export function gatedFusionParamShapes(c: GatedFusionConfig): Map<string, number[]> {
  const d = c.hidden_dim;
  return new Map<string, number[]>([
    ['cnn_r.weight', [d, c.input_dim, c.kernel_size]],
    ['cnn_r.bias', [d]],
    ['cnn_f.weight', [d, c.input_dim, c.kernel_size]],
    ['cnn_f.bias', [d]],
    ['cross_attn.in_proj_weight', [3 * d, d]],
    ['cross_attn.in_proj_bias', [3 * d]],
    ['cross_attn.out_proj.weight', [d, d]],
    ['cross_attn.out_proj.bias', [d]],
    ['gate.weight', [d, d]],
    ['gate.bias', [d]],
    ['norm.weight', [d]],
    ['norm.bias', [d]],
    ['proj.weight', [c.projection_dim, d]],
    ['proj.bias', [c.projection_dim]],
  ]);
}
