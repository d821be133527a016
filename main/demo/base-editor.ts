// The demo's base editor (issue 18): the tiny pixel-space InstructPix2Pix-style editor trained from
// scratch on ShapesEdit with the denoising loss only (`ablation: baseline`, EMA, seeded) — the "prior
// checkpoint" the five variants are fine-tuned from, as the paper fine-tunes from InstructPix2Pix.
// One place for its config, its export (pipeline folder + MADE_BY.json) and where it is looked for;
// scripts/train-base-editor.mjs (the long run that makes the shipped one) and `ric demo --train-base`
// (a `train-editor` job on the demo's dataset) both use it.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { exportPipeline } from '../engine/training/editor/export.js';
import { tinyBasePreset } from '../engine/training/editor/presets.js';
import { mergeConfig } from '../engine/training/presets.js';
import { projectRoot } from '../paths.js';

/** The shipped base editor's data: ShapesEdit straight from its generator (a world apart from the demo's). */
export const BASE_EDITOR_DATA = { seed: 101, count: 100_000, size: 32 } as const;
export const MADE_BY_FILE = 'MADE_BY.json';

/** The base editor's raw trainer config: the base preset, a config file's fields, the seed and steps. */
export function baseEditorConfig(o: { seed: number; steps?: number | undefined; overrides?: Record<string, unknown> | undefined }): Record<string, unknown> {
  return mergeConfig(tinyBasePreset(), { ...(o.overrides ?? {}), ...(o.steps !== undefined ? { steps: o.steps } : {}), seed: o.seed });
}

/** The shipped folder (resources/base-editor) and the one `ric demo --train-base` writes in a data folder. */
export function shippedBaseEditorDir(): string {
  return path.join(projectRoot(), 'resources', 'base-editor');
}
export function localBaseEditorDir(dataDir: string): string {
  return path.join(dataDir, 'demo', 'base-editor');
}
export const isPipelineFolder = (dir: string) => fs.existsSync(path.join(dir, 'model_index.json')) && fs.existsSync(path.join(dir, 'unet', 'config.json'));

/**
 * The base editor the demo fine-tunes: with `trainBase` the one trained in this data folder (null
 * until trained); otherwise the shipped one, else one an earlier `--train-base` left here.
 */
export function findBaseEditor(dataDir: string, trainBase: boolean): { found: string | null; looked: string[] } {
  const local = localBaseEditorDir(dataDir);
  const looked = trainBase ? [local] : [shippedBaseEditorDir(), local];
  return { found: looked.find(isPipelineFolder) ?? null, looked };
}

export function missingBaseEditorMessage(looked: readonly string[]): string {
  return (
    `The demo fine-tunes a trained base editor, and none was found (looked in ${looked.join(' and ')}). ` +
    'The project ships it in resources/base-editor/ (made by scripts/train-base-editor.mjs). Without it, train it here with the project\'s own code: ' +
    '`ric demo --train-base` (the base preset\'s 20 000 steps take hours on a laptop CPU; `--base-steps N` for a shorter, weaker base), ' +
    'or `node scripts/train-base-editor.mjs --out DIR` then `--export resources/base-editor`.'
  );
}

const stateSchema = z.object({ step: z.number().int(), pipelineDir: z.string(), config: z.record(z.string(), z.unknown()) });

/** A checkpoint's trainer_state.json: its step, the pipeline its frozen parts came from, its config. */
export function readCheckpointState(checkpointDir: string): z.infer<typeof stateSchema> {
  const file = path.join(checkpointDir, 'trainer_state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not an editor trainer state (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/**
 * A pipeline folder from an editor checkpoint: its EMA UNet when it has one (what the base editor
 * is used as), else its UNet, beside the frozen parts of the pipeline it was trained in; with a
 * MADE_BY.json saying what made it when `madeBy` is given.
 */
export function exportEditor(checkpointDir: string, outDir: string, madeBy?: Record<string, unknown>): { step: number; unet: string } {
  const state = readCheckpointState(checkpointDir);
  const ema = path.join(checkpointDir, 'unet_ema');
  const unetDir = fs.existsSync(ema) ? ema : path.join(checkpointDir, 'unet');
  exportPipeline(state.pipelineDir, unetDir, outDir);
  if (madeBy) fs.writeFileSync(path.join(outDir, MADE_BY_FILE), `${JSON.stringify({ ...madeBy, step: state.step, unet: path.basename(unetDir), config: state.config }, null, 2)}\n`);
  return { step: state.step, unet: path.basename(unetDir) };
}
