// The ShapesEdit demo project (issue 18): one chain of ordinary jobs — dataset, template captions,
// Region-CLIP, BLIP, (the base editor), the tiny editor fine-tuned five ways × seeds, edits of the
// held-out split, evaluation — that ends in the ablation table. Each stage is a job the jobs panel
// shows; the chain itself is a row that says which stage it is at, and re-running it continues.
import { z } from 'zod';
import { method } from './contract.js';
import { tableModelSchema } from './evals.js';

/** The paper's rows (Tables 2–3) the demo trains, in table order: `baseline` is the reference. */
export const demoVariants = ['baseline', 'full', 'no_global', 'no_region', 'no_fusion'] as const;
export type DemoVariant = (typeof demoVariants)[number];
export const QUICK_VARIANTS: readonly DemoVariant[] = ['baseline', 'full'];

/** The method label each variant's result sets carry (seed groups are formed by label). */
export const DEMO_VARIANT_LABELS: Record<DemoVariant, string> = {
  baseline: 'tiny editor · baseline (denoising only)',
  full: 'tiny editor · Region in Context (full)',
  no_global: 'tiny editor · w/o global loss',
  no_region: 'tiny editor · w/o region loss',
  no_fusion: 'tiny editor · w/o gated fusion',
};

const stageConfig = z.record(z.string(), z.unknown());

export const demoStartArgsSchema = z
  .object({
    /** Baseline and full method, one seed (the ≤ 5 minute demo). */
    quick: z.boolean().optional(),
    /** Seeds per variant (default 3; --quick: 1). */
    seeds: z.number().int().min(1).max(10).optional(),
    /** Train the base editor here (denoising only, from scratch) instead of using the shipped one. */
    trainBase: z.boolean().optional(),
    /** The base editor's steps with trainBase (default: the base preset's). */
    baseSteps: z.number().int().min(1).max(1_000_000).optional(),
    /** ShapesEdit samples to generate (32 px; ~10% are the held-out split that is edited and scored). */
    count: z.number().int().min(16).max(100_000).optional(),
    /** Fine-tuning steps of each editor variant. */
    editorSteps: z.number().int().min(1).max(100_000).optional(),
    /** DDIM steps of each edit. */
    editSteps: z.number().int().min(1).max(1000).optional(),
    /** Per-stage config overrides (the trainers' own fields), for tests and experiments. */
    config: z
      .object({ regionclip: stageConfig.optional(), blip: stageConfig.optional(), editor: stageConfig.optional(), base: stageConfig.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type DemoStartArgs = z.input<typeof demoStartArgsSchema>;
export type DemoSettings = z.output<typeof demoStartArgsSchema>;

export const demoStageStates = ['pending', 'running', 'done', 'failed', 'cancelled'] as const;
export const demoStageSchema = z.object({
  key: z.string(),
  label: z.string(),
  state: z.enum(demoStageStates),
  /** The job that did (or does) this stage's work; null for a stage found done in the store or not begun. */
  jobId: z.number().int().nullable(),
  /** What the stage found or made ("found in the store", the run or result set). */
  detail: z.string().nullable(),
});
export type DemoStage = z.infer<typeof demoStageSchema>;

export const demoChainStates = ['running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type DemoChainState = (typeof demoChainStates)[number];

export const demoStatusSchema = z.object({
  id: z.number().int(),
  state: z.enum(demoChainStates),
  settings: z.record(z.string(), z.unknown()),
  stages: z.array(demoStageSchema),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Once the table is built: the dataset, every result set (variant × seed) and the baseline's. */
  result: z
    .object({
      datasetId: z.number().int(),
      preset: z.string(),
      resultSetIds: z.array(z.number().int()),
      baselineResultSetId: z.number().int(),
      table: tableModelSchema,
    })
    .nullable(),
});
export type DemoStatus = z.infer<typeof demoStatusSchema>;

export const demoMethods = {
  'demo.start': method(
    demoStartArgsSchema,
    demoStatusSchema,
    'Create (or continue) the ShapesEdit demo project: a chain of jobs ending in the ablation table',
  ),
  'demo.status': method(z.object({}).strict(), demoStatusSchema.nullable(), 'The latest demo chain with its stages, or null when none was started'),
  'demo.cancel': method(z.object({}).strict(), demoStatusSchema.nullable(), 'Cancel the running demo chain (its current job is cancelled; running the demo again continues)'),
  'demo.baseEditor': method(
    z.object({}).strict(),
    z.object({ found: z.string().nullable(), looked: z.array(z.string()), message: z.string() }),
    'Where the demo finds its base editor, or what is missing and how to make it',
  ),
};

export const demoEvents = {
  /** A stage of the demo chain started or ended, or the chain ended. */
  'demo.changed': z.object({ id: z.number().int(), state: z.enum(demoChainStates) }),
};

/**
 * What the table says about the method, in words: for edit accuracy and PSNR inside and outside the
 * mask (what the edit costs the rest of the image), whether the full method beats the baseline and by how much against the spread (std over seeds; with
 * one seed, over samples — said so). Reported as measured, whichever way it goes.
 */
export function demoVerdict(t: z.infer<typeof tableModelSchema>): string[] {
  const row = (v: DemoVariant) => t.rows.find((r) => r.label === DEMO_VARIANT_LABELS[v]);
  const full = row('full');
  const base = row('baseline');
  if (!full || !base) return [];
  const out: string[] = [];
  for (const c of t.columns) {
    // The edit (accuracy, inside the mask) and what it costs the rest of the image (outside it).
    if (c.key !== 'editAcc.full' && c.key !== 'psnr.inside' && c.key !== 'psnr.outside') continue;
    const a = full.cells[c.key];
    const b = base.cells[c.key];
    if (!a || !b || a.mean === null || b.mean === null) continue;
    const d = a.mean - b.mean;
    const beats = c.better === 'higher' ? d > 0 : d < 0;
    const spread = Math.max(a.std ?? 0, b.std ?? 0);
    const over = a.stdOver === 'seeds' && b.stdOver === 'seeds' ? 'seed-to-seed' : 'sample-to-sample (one seed)';
    const size = spread > 0 ? (Math.abs(d) > spread ? `larger than the ${over} spread (std ≤ ${spread.toFixed(c.digits)})` : `within the ${over} spread (std up to ${spread.toFixed(c.digits)})`) : 'no spread measured';
    out.push(`${c.label}: the full method ${d === 0 ? 'ties' : beats ? 'beats' : 'trails'} the baseline by ${Math.abs(d).toFixed(c.digits)} — ${size}`);
  }
  return out;
}
