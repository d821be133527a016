// The presets a run starts from. `tiny`: tiny random-init CLIP / BLIP and settings that train on
// ShapesEdit in minutes on a laptop CPU. `paper`: the paper's settings (Sec. 4: Region-CLIP 50 + 20
// epochs at lr 1e-4 / 1e-5, batch 64; BLIP 20 epochs at 1e-5, batch 32), fine-tuning a base model
// folder the run names. Same trainers and models; only sizes and rates differ (a model trained from
// scratch wants a larger learning rate than a pretrained one being fine-tuned).
import { tinyBlipConfig, tinyClipConfig } from './schemas.js';

export const presetNames = ['tiny', 'paper'] as const;

/**
 * The tiny models' image processor, over the reference class's (bicubic) recipe: resample 0, nearest.
 * ShapesEdit's flat-colour shapes at 64 px keep their edges at the tiny models' 32 px; a bicubic
 * (antialiased) 2× reduce blurs them, and tiny BLIP then learned markedly less in the session that
 * chose this (val R@1 0.13 vs 0.18 over 3 seeds, not recorded; BENCHMARKS.md, issue 12, has the
 * figures with this processor). Real checkpoints keep their own preprocessor_config.json.
 */
const TINY_PROCESSOR = { resample: 0 };
export type PresetName = (typeof presetNames)[number];

/** Raw (unparsed) Region-CLIP config of a preset; a --config file's fields override it. */
export function regionClipPreset(name: PresetName): Record<string, unknown> {
  if (!presetNames.includes(name)) throw new Error(`unknown preset "${name}" (known: ${presetNames.join(', ')})`);
  if (name === 'paper') {
    return {
      batch_size: 64,
      phases: [
        { name: 'fusion', epochs: 50, lr: 1e-4 },
        { name: 'joint', epochs: 20, lr: 1e-5 },
      ],
      max_text_tokens: 77,
    };
  }
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
    tiny_processor: TINY_PROCESSOR,
  };
}

export function blipPreset(name: PresetName): Record<string, unknown> {
  if (!presetNames.includes(name)) throw new Error(`unknown preset "${name}" (known: ${presetNames.join(', ')})`);
  if (name === 'paper') return { batch_size: 32, phases: [{ name: 'blip', epochs: 20, lr: 1e-5 }], max_text_tokens: 512 };
  return {
    batch_size: 32,
    micro_batch_size: 32,
    phases: [{ name: 'blip', epochs: 10, lr: 2e-3 }],
    warmup_ratio: 0.1,
    max_text_tokens: 64,
    eval_batch_size: 128,
    tiny_blip: tinyBlipConfig(0),
    tiny_processor: TINY_PROCESSOR,
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
