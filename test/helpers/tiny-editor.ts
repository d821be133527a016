// The editor trainer's smallest run, shared by its tests: a 16² pixel-space UNet (6 channels in — the
// noisy target beside the source, Sec. 3.1 — 3 out, two levels with cross-attention in the lower one)
// and the tiny preset with the tests' optimiser settings. Each test says what else it varies.
import { editorPreset, parseEditorConfig } from '../../main/engine/training/editor/index.js';
import { mergeConfig } from '../../main/engine/training/index.js';

export const TINY_EDITOR_SIZE = 16;

/** The UNet in diffusers' config.json form (a trainer config's `tiny_pipeline.unet`). */
export const TINY_EDITOR_UNET = {
  sample_size: TINY_EDITOR_SIZE,
  in_channels: 6,
  out_channels: 3,
  block_out_channels: [8, 16],
  down_block_types: ['DownBlock2D', 'CrossAttnDownBlock2D'],
  up_block_types: ['CrossAttnUpBlock2D', 'UpBlock2D'],
  layers_per_block: 1,
  cross_attention_dim: 32,
  attention_head_dim: 4,
  norm_num_groups: 4,
};

/**
 * The tiny preset at 16² with that UNet, micro-batches of 2, lr 2e-3 without warm-up and every
 * checkpoint kept; `towers` the random Region-CLIP and BLIP folders, `over` the test's own settings.
 */
export function tinyEditorConfig(towers: { regionclip: string; blip: string }, over: Record<string, unknown> = {}) {
  return parseEditorConfig(
    mergeConfig(editorPreset('tiny'), {
      resolution: TINY_EDITOR_SIZE,
      micro_batch_size: 2,
      lr: 2e-3,
      warmup_steps: 0,
      keep_checkpoints: 0,
      tiny_pipeline: { unet: TINY_EDITOR_UNET },
      ...towers,
      ...over,
    }),
  );
}
