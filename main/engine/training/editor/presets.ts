// `--preset tiny` for the editor on ShapesEdit (issue 15). Pixel space, not a tiny VAE: the UNet
// denoises 32×32 images directly (models/vae/pixel-space.ts), so nothing but the UNet is trained, there
// is no reconstruction floor under the edits' quality, and decode(x̂0) — which the region and global
// losses back-propagate through — is the identity on the same code path as a real VAE's. The UNet is
// ~1.04 M parameters: 16/32/64 channels, one resnet per level, attention (self + cross, 4 heads) only
// at 16×16 and 8×8 — never at the full 32×32 resolution (measured with diffusers on 2 cores: ~0.75 s
// per batch-16 step that way, ~11 s with self-attention at 32×32). The text encoder is a random tiny
// CLIP text tower over a word tokenizer, frozen as InstructPix2Pix freezes CLIP; the schedule is
// DDPM's linear one (Ho et al. 2020), the usual choice in pixel space, with x̂0 clipped to [-1, 1] while
// sampling as Ho et al. do. The UNet predicts the velocity (Salimans & Ho 2022), not ε: measured on this
// model after 250 steps, ε-prediction's x̂0 at t = 999 was off by 36 (its error × 1/√ᾱ ≈ 157) and its
// 20-step DDIM edits were noise; v-prediction's x̂0 at high t is the model's direct guess of the image.
import { mergeConfig } from '../presets.js';

export const TINY_RESOLUTION = 32;

/** The from-scratch pipeline of the base editor (model configs in config.json form). */
export function tinyPipelineConfig(): Record<string, unknown> {
  return {
    max_text_tokens: 16,
    unet: {
      sample_size: TINY_RESOLUTION,
      in_channels: 6,
      out_channels: 3,
      block_out_channels: [16, 32, 64],
      down_block_types: ['DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'],
      up_block_types: ['CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D'],
      layers_per_block: 1,
      cross_attention_dim: 32,
      attention_head_dim: 4,
      norm_num_groups: 8,
    },
    text_encoder: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, bos_token_id: 2, eos_token_id: 3, pad_token_id: 0, hidden_act: 'quick_gelu', projection_dim: 32 },
    scheduler: {
      _class_name: 'DDPMScheduler',
      num_train_timesteps: 1000,
      beta_schedule: 'linear',
      beta_start: 0.0001,
      beta_end: 0.02,
      prediction_type: 'v_prediction',
      clip_sample: true,
      timestep_spacing: 'trailing',
      steps_offset: 0,
    },
  };
}

/**
 * The tiny editor on ShapesEdit at 32², batch 16: fine-tunes the base editor when the config names its
 * `pipeline` (the demo's five variants), else starts from the seeded from-scratch pipeline.
 */
export function editorPreset(name: string): Record<string, unknown> {
  if (name !== 'tiny') throw new Error(`unknown preset "${name}" (known: tiny)`);
  return {
    tiny_pipeline: tinyPipelineConfig(),
    resolution: TINY_RESOLUTION,
    batch_size: 16,
    steps: 300,
    lr: 2e-4,
    warmup_steps: 20,
    checkpoint_every: 100,
    keep_checkpoints: 2,
    gradient_checkpointing: 'off',
    max_text_tokens: 32,
    validation: { samples: 4, metric_samples: 32, steps: 20, scheduler: 'ddim', guidance_scale: 3, image_guidance_scale: 1.5, seed: 0 },
  };
}

/** The base editor from scratch: denoising only (Table 2's "without our framework"), seeded, EMA. */
export function tinyBasePreset(): Record<string, unknown> {
  return mergeConfig(editorPreset('tiny'), {
    ablation: 'baseline',
    steps: 20000,
    lr: 5e-4,
    warmup_steps: 200,
    lr_schedule: 'constant',
    checkpoint_every: 250,
    keep_checkpoints: 3,
    ema: { enabled: true, decay: 0.999 },
    // Monitoring edits: 32 samples, 10 DDIM steps (the final figures use 20 steps and more samples).
    validation: { samples: 4, metric_samples: 32, steps: 10 },
  });
}
