// CLIPTextModel: CLIP's text tower alone (a diffusion pipeline's text_encoder/ folder, model_type
// "clip_text_model"), the instruction encoder of the editor (Sec. 3.1). It runs ClipModel's own text
// path; the vision fields of the config it hands ClipModel are CLIP's defaults and never used.
import type { ModelFamily } from '../registry.js';
import type { ParamStore } from '../params.js';
import type { PretrainedModel } from '../registry.js';
import type * as tf from '@tensorflow/tfjs';
import { CLIP_DEFAULTS, clipTextConfigSchema, clipVisionConfigSchema, type ClipTextConfig } from './config.js';
import { ClipModel, type ClipTextOutput } from './model.js';

export type ClipTextModelConfig = ClipTextConfig & { projection_dim: number };

export class ClipTextModel implements PretrainedModel {
  private readonly clip: ClipModel;

  constructor(
    readonly config: ClipTextModelConfig,
    readonly params: ParamStore,
  ) {
    const vision = clipVisionConfigSchema.parse(CLIP_DEFAULTS.sub!.vision_config);
    this.clip = new ClipModel({ model_type: 'clip', projection_dim: config.projection_dim, logit_scale_init_value: 2.6592, text_config: config, vision_config: vision }, params);
  }

  /** Checkpoint each encoder layer (layers/checkpoint.ts). */
  set gradientCheckpointing(on: boolean) {
    this.clip.gradientCheckpointing = on;
  }

  get gradientCheckpointing(): boolean {
    return this.clip.gradientCheckpointing;
  }

  /** CLIPTextModel(input_ids, attention_mask): last_hidden_state [B, L, D] (the prompt embeds) and pooled [B, D]. */
  encode(inputIds: tf.Tensor, attentionMask?: tf.Tensor): ClipTextOutput {
    return this.clip.encodeText(inputIds, attentionMask);
  }

  dispose(): void {
    this.params.dispose();
  }
}

function parse(full: Record<string, unknown>, source: string): ClipTextModelConfig {
  const parsed = clipTextConfigSchema.safeParse(full);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  if (c.hidden_size % c.num_attention_heads !== 0) throw new Error(`${source}: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  const projection = typeof full.projection_dim === 'number' ? full.projection_dim : 512;
  return { ...c, projection_dim: projection };
}

function shapes(t: ClipTextModelConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const d = t.hidden_size;
  s.set('text_model.embeddings.token_embedding.weight', [t.vocab_size, d]);
  s.set('text_model.embeddings.position_embedding.weight', [t.max_position_embeddings, d]);
  for (let i = 0; i < t.num_hidden_layers; i++) {
    const p = `text_model.encoder.layers.${i}`;
    for (const proj of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) s.set(`${p}.self_attn.${proj}.weight`, [d, d]).set(`${p}.self_attn.${proj}.bias`, [d]);
    s.set(`${p}.layer_norm1.weight`, [d]).set(`${p}.layer_norm1.bias`, [d]);
    s.set(`${p}.mlp.fc1.weight`, [t.intermediate_size, d]).set(`${p}.mlp.fc1.bias`, [t.intermediate_size]);
    s.set(`${p}.mlp.fc2.weight`, [d, t.intermediate_size]).set(`${p}.mlp.fc2.bias`, [d]);
    s.set(`${p}.layer_norm2.weight`, [d]).set(`${p}.layer_norm2.bias`, [d]);
  }
  s.set('text_model.final_layer_norm.weight', [d]).set('text_model.final_layer_norm.bias', [d]);
  return s;
}

export const clipTextFamily: ModelFamily<ClipTextModelConfig, ClipTextModel> = {
  modelType: 'clip_text_model',
  architectures: ['CLIPTextModel'],
  defaults: { values: { ...CLIP_DEFAULTS.sub!.text_config, projection_dim: 512 } },
  parseConfig: parse,
  paramShapes: shapes,
  build: (config, params) => new ClipTextModel(config, params),
  ignoreUnexpected: [/\.embeddings\.position_ids$/],
};
