// The demo's stages in order, and the names by which each stage finds its work in the store — so a
// re-run (after a kill, a cancel, or with more seeds) does only what is missing.
import { DEMO_VARIANT_LABELS, demoVariants, QUICK_VARIANTS, type DemoSettings, type DemoStage, type DemoVariant } from '../../shared/api/index.js';

export const DEMO_DATASET = 'ShapesEdit demo';
/** ShapesEdit world seed of the demo (the shipped base editor was trained on world 101). */
export const DEMO_DATA_SEED = 7;
/** 32 px: the tiny editor's resolution; the towers' tiny presets read 32 px images too. */
export const DEMO_SIZE = 32;
/**
 * The evaluation preset: `shapes` — edit accuracy read off the scene graph (did the instructed shape
 * get the instructed colour, position or size) and PSNR/L1 against the exact ground truth, inside
 * and outside the mask. No backbone: nothing to download.
 */
export const DEMO_PRESET = 'shapes';
/** The table's columns: whether the edit was made, its pixels inside the mask, the preservation outside it, the whole image. */
export const DEMO_COLUMNS = ['editAcc.full', 'psnr.inside', 'l1.inside', 'psnr.outside', 'l1.outside', 'psnr.full'];
/** The split that is edited and scored: ShapesEdit has train/val only, and no stage trains on val. */
export const DEMO_SPLIT = 'val' as const;

/** Defaults sized for the budget (full ≤ 30 min, --quick ≤ 5 min on 2 cores; bench/demo.mjs times them). */
export const DEMO_DEFAULTS = { count: 600, editorSteps: 60, editSteps: 10, seeds: 3 } as const;
/** The sampling settings of the edits: the tiny preset's validation edits (DDIM, s_T 3, s_I 1.5). */
export const DEMO_EDIT = { scheduler: 'ddim', guidanceScale: 3, imageGuidanceScale: 1.5 } as const;

export interface ResolvedSettings extends DemoSettings {
  quick: boolean;
  trainBase: boolean;
  config: NonNullable<DemoSettings['config']>;
  seeds: number;
  count: number;
  editorSteps: number;
  editSteps: number;
  variants: DemoVariant[];
}

export function resolveSettings(s: DemoSettings): ResolvedSettings {
  return {
    ...s,
    quick: s.quick === true,
    trainBase: s.trainBase === true,
    config: s.config ?? {},
    seeds: s.seeds ?? (s.quick ? 1 : DEMO_DEFAULTS.seeds),
    count: s.count ?? DEMO_DEFAULTS.count,
    editorSteps: s.editorSteps ?? DEMO_DEFAULTS.editorSteps,
    editSteps: s.editSteps ?? DEMO_DEFAULTS.editSteps,
    variants: s.quick ? [...QUICK_VARIANTS] : [...demoVariants],
  };
}

export const runName = {
  regionclip: 'demo regionclip',
  blip: 'demo blip',
  base: 'demo base editor',
  editor: (v: DemoVariant, seed: number) => `demo editor ${v} seed ${seed}`,
};
export const resultSetName = (v: DemoVariant, seed: number) => `demo ${v} seed ${seed}`;

export type StageSpec =
  | { key: string; label: string; kind: 'dataset' }
  | { key: string; label: string; kind: 'captions'; captionKind: 'region' | 'scene' }
  | { key: string; label: string; kind: 'tower'; family: 'regionclip' | 'blip' }
  | { key: string; label: string; kind: 'base' }
  | { key: string; label: string; kind: 'train' | 'edit' | 'evaluate'; variant: DemoVariant; seed: number }
  | { key: string; label: string; kind: 'table' };

/** Seeds outermost: a demo stopped early already has a whole table for its first seed. */
export function planStages(s: ResolvedSettings): StageSpec[] {
  const stages: StageSpec[] = [
    { key: 'dataset', label: `Generate ShapesEdit (${s.count} samples, ${DEMO_SIZE} px)`, kind: 'dataset' },
    { key: 'captions-region', label: 'Region descriptions from the scene graph, approved', kind: 'captions', captionKind: 'region' },
    { key: 'captions-scene', label: 'Scene descriptions from the scene graph, approved', kind: 'captions', captionKind: 'scene' },
    { key: 'regionclip', label: 'Region-CLIP (tiny; fusion, then joint)', kind: 'tower', family: 'regionclip' },
    { key: 'blip', label: 'BLIP (tiny)', kind: 'tower', family: 'blip' },
    { key: 'base', label: s.trainBase ? 'Base editor: train from scratch (denoising only)' : 'Base editor: the trained one', kind: 'base' },
  ];
  for (let seed = 0; seed < s.seeds; seed++) {
    for (const v of s.variants) {
      const what = `${DEMO_VARIANT_LABELS[v].replace('tiny editor · ', '')}, seed ${seed}`;
      stages.push({ key: `train:${v}:${seed}`, label: `Fine-tune the editor: ${what}`, kind: 'train', variant: v, seed });
      stages.push({ key: `edit:${v}:${seed}`, label: `Edit the held-out samples: ${what}`, kind: 'edit', variant: v, seed });
      stages.push({ key: `evaluate:${v}:${seed}`, label: `Evaluate (${DEMO_PRESET}): ${what}`, kind: 'evaluate', variant: v, seed });
    }
  }
  stages.push({ key: 'table', label: 'The ablation table (mean ± std over seeds)', kind: 'table' });
  return stages;
}

export const pendingStages = (specs: readonly StageSpec[]): DemoStage[] => specs.map((s) => ({ key: s.key, label: s.label, state: 'pending', jobId: null, detail: null }));
