// The engine entry point the `evaluate` job calls: load a preset's backbones once, score samples
// one by one (decoded RGB in; sharp decoding stays in the caller), accumulate, aggregate.
import * as tf from '@tensorflow/tfjs';
import { resolvePreset, type EvalPreset } from '../../../shared/metrics/presets.js';
import { aggregateScores, type EvaluationAggregate } from './aggregate.js';
import { disposeBackbones, loadBackbones, type Backbones, type ModelFolders } from './backbones.js';
import { scoreSample, type SampleInput, type SampleScores } from './score.js';

export interface Evaluator {
  /** the preset with every value (store it with the evaluation) */
  readonly preset: EvalPreset;
  /** the model folders used: key, folder, metrics (the caller hashes the folders for the record) */
  readonly models: readonly { key: string; dir: string; metrics: readonly string[] }[];
  /** load-time warnings (e.g. an Inception input range that does not match its weights) */
  readonly warnings: readonly string[];
  /** tfjs backend the scores were computed on */
  readonly backend: string;
  /** samples it scores at once: 1 in-process; N on N tensor workers (parallel.ts) — callers keep that many calls in flight */
  readonly workers: number;
  scoreSample(input: SampleInput): Promise<SampleScores>;
  /** Keeps a sample's scores for aggregate() (scores stored earlier may be added after a resume). */
  accumulate(scores: SampleScores): void;
  aggregate(): EvaluationAggregate;
  dispose(): void | Promise<void>;
}

/**
 * Loads the backbones the preset needs from `modelFolders` (settings key → folder; a missing one
 * throws MissingModelError naming the key) on the active tfjs backend (`initBackend` first).
 */
export async function createEvaluator(preset: string | EvalPreset, modelFolders: ModelFolders): Promise<Evaluator> {
  const p = resolvePreset(preset);
  const backbones: Backbones = await loadBackbones(p, modelFolders);
  const kept: SampleScores[] = [];
  let disposed = false;
  return {
    preset: p,
    models: backbones.loaded.map((l) => ({ key: l.key, dir: l.dir, metrics: l.metrics })),
    warnings: backbones.warnings,
    backend: tf.getBackend(),
    workers: 1,
    async scoreSample(input) {
      if (disposed) throw new Error('evaluator: disposed');
      return scoreSample(backbones, p, input);
    },
    accumulate(scores) {
      kept.push(scores);
    },
    aggregate() {
      const a = aggregateScores(p, kept);
      return { ...a, warnings: [...backbones.warnings, ...a.warnings] };
    },
    dispose() {
      disposed = true;
      disposeBackbones(backbones);
    },
  };
}
