// A matrix run's full training config, as its trainer will see it: the preset ⊕ the run's overrides,
// parsed by the trainer's own schema, so a bad axis value fails at preview naming the run and the
// field — not hours later on the cluster. The trainers load on first use (TensorFlow.js is heavy).
// The editor's config parser and preset load without TensorFlow.js (config.ts and presets.ts only).
import { MatrixError } from './matrix.js';
import type { ConfigMerger } from './service.js';

export const mergeTrainingConfig: ConfigMerger = async (kind, preset, overrides, where) => {
  if (kind === 'train-editor') {
    const [{ parseEditorConfig }, { editorPreset }, { mergeConfig }] = await Promise.all([
      import('../engine/training/editor/config.js'),
      import('../engine/training/editor/presets.js'),
      import('../engine/training/presets.js'),
    ]);
    try {
      return parseEditorConfig(mergeConfig(preset ? editorPreset(preset) : {}, overrides), where) as unknown as Record<string, unknown>;
    } catch (err) {
      throw new MatrixError(err instanceof Error ? err.message : String(err));
    }
  }
  const t = await import('../engine/training/index.js');
  const regionclip = kind === 'train-regionclip';
  const base = preset ? (regionclip ? t.regionClipPreset(preset) : t.blipPreset(preset)) : {};
  try {
    const merged = t.mergeConfig(base, overrides);
    return (regionclip ? t.parseRegionClipConfig(merged, where) : t.parseBlipTrainingConfig(merged, where)) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new MatrixError(err instanceof Error ? err.message : String(err));
  }
};
