// Noise schedulers by diffusers class name, built from a scheduler_config.json, and the short names
// the editor offers (`--scheduler NAME`). A pipeline's scheduler converts to another class as
// diffusers' `OtherScheduler.from_config(pipe.scheduler.config)` does: the shared fields (betas,
// prediction type, spacing, offset) carry over, the rest are the new class's defaults.
import fs from 'node:fs';
import path from 'node:path';
import { DDIMScheduler, DDIM_DEFAULTS } from './ddim.js';
import { DDPMScheduler, DDPM_DEFAULTS } from './ddpm.js';
import { DPMSolverMultistepScheduler, DPM_SOLVER_DEFAULTS } from './dpm-solver.js';
import { EULER_ANCESTRAL_DEFAULTS, EULER_DEFAULTS, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler } from './euler.js';
import type { NoiseScheduler } from './schedule.js';

export { DDIMScheduler, discreteTimesteps } from './ddim.js';
export { DDPMScheduler } from './ddpm.js';
export { DPMSolverMultistepScheduler } from './dpm-solver.js';
export { EulerAncestralDiscreteScheduler, EulerDiscreteScheduler } from './euler.js';
export { addNoise, alphasCumprodOf, makeBetas, predictOriginal, velocity, type NoiseScheduler, type StepNoise, type StepResult } from './schedule.js';

interface SchedulerClass {
  defaults: Record<string, unknown>;
  fromConfig(raw: Record<string, unknown>, source?: string): NoiseScheduler;
}

const CLASSES: Record<string, SchedulerClass> = {
  DDIMScheduler: { defaults: DDIM_DEFAULTS, fromConfig: (r, s) => DDIMScheduler.fromConfig(r, s) },
  DDPMScheduler: { defaults: DDPM_DEFAULTS, fromConfig: (r, s) => DDPMScheduler.fromConfig(r, s) },
  EulerDiscreteScheduler: { defaults: EULER_DEFAULTS, fromConfig: (r, s) => EulerDiscreteScheduler.fromConfig(r, s) },
  EulerAncestralDiscreteScheduler: { defaults: EULER_ANCESTRAL_DEFAULTS, fromConfig: (r, s) => EulerAncestralDiscreteScheduler.fromConfig(r, s) },
  DPMSolverMultistepScheduler: { defaults: DPM_SOLVER_DEFAULTS, fromConfig: (r, s) => DPMSolverMultistepScheduler.fromConfig(r, s) },
};

/** The editor's scheduler names → diffusers classes. */
export const SCHEDULER_NAMES = {
  ddim: 'DDIMScheduler',
  ddpm: 'DDPMScheduler',
  euler: 'EulerDiscreteScheduler',
  euler_ancestral: 'EulerAncestralDiscreteScheduler',
  dpmpp_2m: 'DPMSolverMultistepScheduler',
} as const;
export type SchedulerName = keyof typeof SCHEDULER_NAMES;

export function knownSchedulerClasses(): string[] {
  return Object.keys(CLASSES);
}

/** The class named by a config's `_class_name` (or `className`), built from the config. */
export function schedulerFromConfig(raw: Record<string, unknown>, source = 'scheduler_config.json', className?: string): NoiseScheduler {
  const name = className ?? (typeof raw._class_name === 'string' ? raw._class_name : undefined);
  if (!name) throw new Error(`${source}: no _class_name: which scheduler is this?`);
  const cls = CLASSES[name.replace(/^diffusers\./, '')];
  if (!cls) throw new Error(`${source}: scheduler "${name}" is not supported (known: ${knownSchedulerClasses().join(', ')})`);
  return cls.fromConfig(raw, source);
}

/** Reads a scheduler folder (scheduler_config.json) or the file itself. */
export function readSchedulerConfig(dirOrFile: string): { raw: Record<string, unknown>; file: string } {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory() ? path.join(dirOrFile, 'scheduler_config.json') : dirOrFile;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message}`);
  }
  if (text.length > 1_000_000) throw new Error(`${file}: too large for a scheduler config`);
  let raw: unknown;
  try {
    // Python's json writes -Infinity (lambda_min_clipped); JSON.parse does not accept it.
    raw = JSON.parse(text.replace(/(:\s*)-Infinity\b/g, '$1"-Infinity"').replace(/(:\s*)Infinity\b/g, '$1"Infinity"').replace(/(:\s*)NaN\b/g, '$1null'));
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: not a JSON object`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = v === '-Infinity' ? -Infinity : v === 'Infinity' ? Infinity : v;
  return { raw: out, file };
}

export function loadScheduler(dirOrFile: string, className?: string): NoiseScheduler {
  const { raw, file } = readSchedulerConfig(dirOrFile);
  return className ? convertScheduler(raw, className, file) : schedulerFromConfig(raw, file);
}

/** `Target.from_config(config)`: the fields the target class knows, its defaults for the rest. */
export function convertScheduler(raw: Record<string, unknown>, className: string, source = 'scheduler_config.json'): NoiseScheduler {
  const cls = CLASSES[className];
  if (!cls) throw new Error(`scheduler "${className}" is not supported (known: ${knownSchedulerClasses().join(', ')})`);
  const kept: Record<string, unknown> = {};
  for (const k of Object.keys(cls.defaults)) if (k in raw) kept[k] = raw[k];
  return cls.fromConfig(kept, source);
}
