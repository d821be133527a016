// The tensor worker's side of a parallel evaluation (parallel-protocol.ts; imported by the worker
// through parallel/task-modules.ts): the preset's backbones loaded once, then scoreSample per call —
// the same function the in-process evaluator runs.
import { resolvePreset, type EvalPreset } from '../../../shared/metrics/presets.js';
import { implement } from '../parallel/worker-handlers.js';
import { disposeBackbones, loadBackbones, type Backbones } from './backbones.js';
import { metricsLoadSpec, metricsReleaseSpec, metricsScoreSpec } from './parallel-protocol.js';
import { scoreSample } from './score.js';

let loaded: { preset: EvalPreset; backbones: Backbones } | null = null;

function release(): boolean {
  if (!loaded) return false;
  disposeBackbones(loaded.backbones);
  loaded = null;
  return true;
}

implement(metricsLoadSpec, async ({ preset, folders }) => {
  release();
  const p = resolvePreset(preset);
  const backbones = await loadBackbones(p, folders);
  loaded = { preset: p, backbones };
  return { models: backbones.loaded.map((l) => ({ key: l.key, dir: l.dir, metrics: [...l.metrics] })), warnings: [...backbones.warnings] };
});

implement(metricsScoreSpec, async ({ input }) => {
  if (!loaded) throw new Error('no evaluation loaded in this worker (metrics.load first)');
  try {
    return { ok: true as const, scores: await scoreSample(loaded.backbones, loaded.preset, input) };
  } catch (err) {
    // The sample's own problem (a missing target, an image too small): the job records it and goes on.
    return { ok: false as const, message: err instanceof Error ? err.message : String(err) };
  }
});

implement(metricsReleaseSpec, async () => ({ released: release() }));
