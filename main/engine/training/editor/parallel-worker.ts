// The tensor worker's side of the editor trainer (parallel-protocol.ts; imported by the worker through
// parallel/task-modules.ts). It loads the same frozen parts and UNet from the same folders as the
// engine's thread, then takes the UNet's weights from the shared buffer (so both start from the same
// bytes, and after every optimiser step from the same new ones), and runs `microBatchStep` — the
// single-thread trainer's own code — on its share of each batch.
import * as tf from '@tensorflow/tfjs';
import { threadCpuMs } from '../../parallel/cpu.js';
import { implement } from '../../parallel/worker-handlers.js';
import { tensorValues } from '../../parallel/replica.js';
import { addInto } from '../host-optim.js';
import type { NamedGrads } from '../optim.js';
import { activeTerms, type EditorTrainingConfig } from './config.js';
import type { EditorPair, StepDraws } from './data.js';
import { microBatchStep, emptyStepValues } from './micro-step.js';
import { loadEditorModels, type EditorModels } from './models.js';
import { editorGradsSpec, editorLoadSpec, editorUnloadSpec } from './parallel-protocol.js';
import { TextFeatureCache } from './texts.js';

interface Loaded {
  models: EditorModels;
  texts: TextFeatureCache;
  config: EditorTrainingConfig;
  latentShape: [number, number, number];
  /** in the shared layout's order */
  params: { variable: tf.Variable; weights: Float32Array; region: Float32Array }[];
  byVariable: Map<string, number>;
  flags: Int32Array;
  index: number;
  version: number;
}

let loaded: Loaded | null = null;

function unload(): boolean {
  if (!loaded) return false;
  loaded.texts.dispose();
  loaded.models.dispose();
  loaded = null;
  return true;
}

/** This replica's UNet from the shared weights. */
function refresh(l: Loaded, version: number): void {
  for (const p of l.params) {
    const t = tf.tensor(tensorValues(p.weights), p.variable.shape, 'float32');
    p.variable.assign(t);
    t.dispose();
  }
  l.version = version;
}

implement(editorLoadSpec, async (a) => {
  unload();
  const c = a.config;
  const terms = activeTerms(c);
  const models = await loadEditorModels({ config: c, pipelineDir: a.pipelineDir, resumeUnet: a.resumeUnet, needRegion: terms.region > 0, needGlobal: terms.global > 0, checkpointing: a.checkpointing });
  try {
    const P = a.unet.params.length;
    const names = models.unet.params.names();
    if (names.length !== P) throw new Error(`this worker's UNet has ${names.length} parameters, the shared one ${P}`);
    const params = a.unet.params.map((p, i) => {
      const variable = models.unet.params.get(p.name) as tf.Variable;
      const size = p.shape.reduce((x, y) => x * y, 1);
      if (variable.shape.join(',') !== p.shape.join(',')) throw new Error(`UNet parameter ${p.name} is [${variable.shape}] here, [${p.shape}] shared (parameter ${i})`);
      return { variable, weights: new Float32Array(a.unet.weights, p.offset * 4, size), region: new Float32Array(a.unet.grads, (a.index * a.unet.floats + p.offset) * 4, size) };
    });
    const { codec } = models;
    const latentShape: [number, number, number] = [codec.config.latent_channels, c.resolution / codec.downscale, c.resolution / codec.downscale];
    loaded = {
      models,
      texts: new TextFeatureCache(models),
      config: c,
      latentShape,
      params,
      byVariable: new Map(params.map((p, i) => [p.variable.name, i])),
      flags: new Int32Array(a.unet.flags),
      index: a.index,
      version: -1,
    };
    refresh(loaded, 0);
    return { params: P };
  } catch (err) {
    models.dispose();
    throw err;
  }
});

implement(editorGradsSpec, async (a) => {
  const cpu0 = threadCpuMs();
  const l = loaded;
  if (!l) throw new Error('no editor loaded in this worker (editor.load first)');
  if (a.version !== l.version) refresh(l, a.version);
  const c = l.config;
  const per = l.latentShape[0] * l.latentShape[1] * l.latentShape[2];
  const n = a.samples.length;
  if (a.noise.length !== n * per || a.posteriorNoise.length !== n * per) throw new Error(`editor.grads: ${n} samples need ${n * per} noise values each, got ${a.noise.length} and ${a.posteriorNoise.length}`);
  const pairs: EditorPair[] = a.samples.map((s) => ({ id: s.id, split: 'train', source: s.source, target: s.target, mask: s.mask, instruction: s.instruction, regionText: s.regionText, sceneText: s.sceneText }));
  const draws: StepDraws = { samples: a.samples.map((s, i) => ({ pair: i, ...s.draw })), noise: a.noise, posteriorNoise: a.posteriorNoise };
  const P = l.params.length;
  const flags = l.flags;
  const base = l.index * P;
  // The first gradient of a step sets the region, later micro-batches add into it (the host clears the flags).
  const accumulate = async (grads: NamedGrads) => {
    for (const [name, g] of Object.entries(grads)) {
      try {
        const i = l.byVariable.get(name);
        if (i === undefined) throw new Error(`a gradient for ${name}, which is not a UNet parameter`);
        const values = (await g.data()) as Float32Array;
        const region = l.params[i]!.region;
        if (Atomics.load(flags, base + i) === 0) {
          region.set(values);
          Atomics.store(flags, base + i, 1);
        } else addInto(region, values);
      } finally {
        g.dispose();
      }
    }
  };
  const values = emptyStepValues();
  const weights = { ...activeTerms(c), normalizer: a.normalizer };
  const variables = l.params.map((p) => p.variable);
  for (let m0 = 0; m0 < n; m0 += a.micro) {
    await microBatchStep(l.models, l.texts, pairs, draws, { m0, n: Math.min(a.micro, n - m0) }, c, l.latentShape, weights, variables, accumulate, values);
  }
  const cpu1 = threadCpuMs();
  return { ...values, cpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null };
});

implement(editorUnloadSpec, async () => ({ unloaded: unload() }));
