// `--preset tiny`: tiny random-init CLIP / BLIP and settings that train on ShapesEdit in minutes on
// a laptop CPU. Same trainers and models as the paper's settings; only sizes and rates differ (a
// model trained from scratch wants a larger learning rate than a pretrained one being fine-tuned).
import { tinyBlipConfig, tinyClipConfig } from './schemas.js';

export const presetNames = ['tiny'] as const;
export type PresetName = (typeof presetNames)[number];

/** Raw (unparsed) Region-CLIP config of a preset; a --config file's fields override it. */
export function regionClipPreset(name: PresetName): Record<string, unknown> {
  if (name !== 'tiny') throw new Error(`unknown preset "${name}" (known: ${presetNames.join(', ')})`);
  return {
    batch_size: 32,
    micro_batch_size: 32,
    phases: [
      { name: 'fusion', epochs: 4, lr: 5e-3 },
      { name: 'joint', epochs: 8, lr: 2e-3 },
    ],
    fusion: { kernel_size: 3, num_heads: 2, pooling: 'cls' },
    warmup_ratio: 0.1,
    max_text_tokens: 32,
    eval_batch_size: 128,
    tiny_clip: tinyClipConfig(0),
  };
}

export function blipPreset(name: PresetName): Record<string, unknown> {
  if (name !== 'tiny') throw new Error(`unknown preset "${name}" (known: ${presetNames.join(', ')})`);
  return {
    batch_size: 32,
    micro_batch_size: 32,
    phases: [{ name: 'blip', epochs: 10, lr: 2e-3 }],
    warmup_ratio: 0.1,
    max_text_tokens: 64,
    eval_batch_size: 128,
    tiny_blip: tinyBlipConfig(0),
  };
}

/** Deep merge of plain objects (arrays and scalars replace), for preset ⊕ --config file. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObj(b) && isObj(v) ? mergeConfig(b, v) : v;
  }
  return out;
}
