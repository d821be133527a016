// The editor's checkpoints: `checkpoint-<step>/` with the UNet as a diffusers `unet/` folder (what
// UNet2DConditionModel.from_pretrained and our pipelines load), its EMA as `unet_ema/`, AdamW's
// moments (optimizer.safetensors, by parameter name) and trainer_state.json. Written into a temporary
// folder and renamed into place, so a killed process leaves the previous checkpoint whole.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.js';
import { saveDiffusersUNet, type UNet2DConditionModel } from '../../models/unet/index.js';
import type { HostAdamW, HostArray } from '../host-optim.js';
import type { EditorTrainingConfig } from './config.js';

export const STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

export interface EditorTrainerState {
  kind: 'editor';
  /** optimiser steps done */
  step: number;
  /** EMA updates done (diffusers' EMAModel.optimization_step) */
  emaStep: number;
  /** the pipeline folder the frozen parts come from */
  pipelineDir: string;
  config: EditorTrainingConfig;
  /** (step, total loss) of every step so far, for summaries and tests */
  losses: number[];
}

export function checkpointDir(outputDir: string, step: number): string {
  return path.join(outputDir, `checkpoint-${String(step).padStart(6, '0')}`);
}

export function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirSize(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size;
  return n;
}

/**
 * diffusers' EMAModel (training_utils.py) with the moments on the host: decay_k = min(decay,
 * (1 + k) / (10 + k)) with k = updates − 1 (0 at the first update, so the average starts at the
 * weights), shadow ← shadow − (1 − decay_k)(shadow − θ).
 */
export class HostEma {
  readonly shadow = new Map<string, Float32Array>();

  constructor(
    readonly decay: number,
    public step = 0,
  ) {}

  decayAt(updates: number): number {
    const k = Math.max(0, updates - 1);
    if (k <= 0) return 0;
    return Math.min(this.decay, (1 + k) / (10 + k));
  }

  async update(params: ReadonlyMap<string, tf.Variable>): Promise<void> {
    this.step += 1;
    const d = this.decayAt(this.step);
    for (const [name, v] of params) {
      const current = (await v.data()) as Float32Array;
      const s = this.shadow.get(name);
      if (!s || d === 0) {
        this.shadow.set(name, Float32Array.from(current));
        continue;
      }
      const one = 1 - d;
      for (let i = 0; i < s.length; i++) s[i] = s[i]! - one * (s[i]! - current[i]!);
    }
  }
}

/** Runs `fn` with the EMA weights in the UNet's variables, then puts the trained weights back. */
export async function withWeights<T>(params: ReadonlyMap<string, tf.Variable>, weights: ReadonlyMap<string, Float32Array>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, Float32Array>();
  for (const [name, v] of params) {
    const w = weights.get(name);
    if (!w) continue;
    saved.set(name, Float32Array.from((await v.data()) as Float32Array));
    const t = tf.tensor(w, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
  try {
    return await fn();
  } finally {
    for (const [name, w] of saved) {
      const v = params.get(name)!;
      const t = tf.tensor(w, v.shape, 'float32');
      v.assign(t);
      t.dispose();
    }
  }
}

export async function writeEditorCheckpoint(
  outputDir: string,
  state: EditorTrainerState,
  unet: UNet2DConditionModel,
  params: ReadonlyMap<string, tf.Variable>,
  optimizer: HostAdamW,
  keyOf: (v: tf.Variable) => string,
  ema: HostEma | null,
): Promise<string> {
  const dir = checkpointDir(outputDir, state.step);
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  await saveDiffusersUNet(unet, path.join(tmp, 'unet'));
  if (ema) await withWeights(params, ema.shadow, () => saveDiffusersUNet(unet, path.join(tmp, 'unet_ema')));
  writeSafetensors(path.join(tmp, OPTIMIZER_FILE), optimizer.stateArrays(keyOf));
  fs.writeFileSync(path.join(tmp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

export function readEditorState(dir: string): EditorTrainerState {
  const file = path.join(dir, STATE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found: not an editor checkpoint' : (err as Error).message}`);
  }
  const s = raw as Partial<EditorTrainerState>;
  if (s.kind !== 'editor' || !Number.isInteger(s.step) || typeof s.pipelineDir !== 'string' || !Array.isArray(s.losses)) throw new Error(`${file}: not an editor trainer state`);
  return s as EditorTrainerState;
}

/** AdamW moments of a checkpoint, by key. */
export function readOptimizerState(dir: string): Map<string, HostArray> {
  const out = new Map<string, HostArray>();
  for (const [name, t] of readSafetensors(path.join(dir, OPTIMIZER_FILE))) out.set(name, { shape: t.shape, values: t.values as Float32Array });
  return out;
}

/** The EMA weights of a checkpoint's unet_ema/ by parameter name (null when the run had no EMA). */
export function readEmaWeights(dir: string): Map<string, Float32Array> | null {
  const file = path.join(dir, 'unet_ema', 'diffusion_pytorch_model.safetensors');
  if (!fs.existsSync(file)) return null;
  const out = new Map<string, Float32Array>();
  for (const [name, t] of readSafetensors(file)) out.set(name, Float32Array.from(t.values as ArrayLike<number>));
  return out;
}

/** The newest complete checkpoint folder under a run's output folder, or null. */
export function latestCheckpoint(outputDir: string): string | null {
  if (!fs.existsSync(outputDir)) return null;
  const dirs = fs
    .readdirSync(outputDir)
    .filter((d) => /^checkpoint-\d+$/.test(d) && fs.existsSync(path.join(outputDir, d, STATE_FILE)))
    .sort();
  return dirs.length ? path.join(outputDir, dirs[dirs.length - 1]!) : null;
}
