// Exact micro-batches for Eq. 11 (gradient caching, Gao et al. 2021). The symmetric contrastive loss
// couples every pair of a batch through its softmax denominators, so summing per-micro-batch losses
// would train a different objective. Instead: (1) embed every micro-batch without a tape, (2) take the
// loss and its gradient with respect to the embeddings over the whole batch, (3) re-run each
// micro-batch on the tape and back-propagate those embedding gradients (the vector-Jacobian product
// Σ emb ⊙ ∂L/∂emb). The sum over micro-batches is exactly the full-batch gradient, at the cost of one
// extra forward. The data-parallel trainer (parallel/data-parallel.ts) runs stages (1) and (3) in the
// tensor workers and stage (2), `lossAndEmbeddingGradients`, here.
import * as tf from '@tensorflow/tfjs';
import type { ContrastiveTask } from './contrastive.js';
import type { HostGradients } from './host-optim.js';
import { type LearnedTemperature, symmetricContrastiveLoss } from './losses.js';
import type { NamedGrads } from './optim.js';

export function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function addInto(acc: NamedGrads, grads: NamedGrads): void {
  for (const [name, g] of Object.entries(grads)) {
    const prev = acc[name];
    if (prev) {
      acc[name] = tf.add(prev, g);
      prev.dispose();
      g.dispose();
    } else acc[name] = g;
  }
}

/** Scalars read asynchronously: WebGPU in Node has no synchronous read (dataSync needs OffscreenCanvas). */
export async function readScalars(ts: readonly tf.Tensor[]): Promise<number[]> {
  return Promise.all(ts.map(async (t) => (await t.data())[0] as number));
}

export interface StepOutcome {
  grads: NamedGrads;
  loss: number;
  imageToText: number;
  textToImage: number;
}

/** Stage (2): the full-batch loss and its gradient with respect to the embeddings (and τ). The caller disposes every tensor. */
export function lossAndEmbeddingGradients(
  z: tf.Tensor2D,
  t: tf.Tensor2D,
  scale: () => number | tf.Scalar,
  temperature: LearnedTemperature | null,
): { gZ: tf.Tensor2D; gT: tf.Tensor2D; gTau: tf.Tensor | null; loss: tf.Scalar; imageToText: tf.Scalar; textToImage: tf.Scalar } {
  const zAll = tf.variable(z, true);
  const tAll = tf.variable(t, true);
  const lossVars = temperature ? [temperature.logScale] : [];
  let parts: tf.Scalar[] = [];
  const outer = tf.variableGrads(() => {
    const terms = symmetricContrastiveLoss(zAll as tf.Tensor as tf.Tensor2D, tAll as tf.Tensor as tf.Tensor2D, scale());
    parts = [tf.keep(terms.imageToText), tf.keep(terms.textToImage)];
    return terms.loss;
  }, [zAll, tAll, ...lossVars]);
  const out = {
    gZ: outer.grads[zAll.name] as tf.Tensor2D,
    gT: outer.grads[tAll.name] as tf.Tensor2D,
    gTau: temperature ? outer.grads[temperature.logScale.name]! : null,
    loss: outer.value,
    imageToText: parts[0]!,
    textToImage: parts[1]!,
  };
  tf.dispose([zAll, tAll]);
  return out;
}

/** One optimiser batch's loss and exact gradients, in micro-batches (see the header); exported for the benchmark. */
export async function batchGradients<P>(
  task: ContrastiveTask<P>,
  pairs: readonly P[],
  micro: number,
  variables: tf.Variable[],
  scale: () => number | tf.Scalar,
  temperature: LearnedTemperature | null,
  /** Host accumulation (optimizer_state 'host'): each micro-batch's gradients go here and leave the device; `grads` comes back empty. */
  host?: HostGradients,
): Promise<StepOutcome> {
  const chunks = chunk(pairs, micro);
  const prepared = [];
  try {
    for (const c of chunks) prepared.push(await task.makeBatch(c, 'train'));
    const lossVars = temperature ? [temperature.logScale] : [];
    if (prepared.length === 1) {
      const b = prepared[0]!;
      let parts: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const terms = symmetricContrastiveLoss(task.imageEmbeddings(b), task.textEmbeddings(b), scale());
        parts = [tf.keep(terms.imageToText), tf.keep(terms.textToImage)];
        return terms.loss;
      }, [...variables, ...lossVars]);
      const [loss, i2t, t2i] = await readScalars([value, ...parts]);
      tf.dispose([value, ...parts]);
      if (host) await host.add(grads);
      return { grads: host ? {} : grads, loss: loss!, imageToText: i2t!, textToImage: t2i! };
    }
    // (1) Embeddings of every micro-batch, no tape.
    const z = prepared.map((b) => tf.tidy(() => task.imageEmbeddings(b)));
    const t = prepared.map((b) => tf.tidy(() => task.textEmbeddings(b)));
    const zCat = tf.concat(z) as tf.Tensor2D;
    const tCat = tf.concat(t) as tf.Tensor2D;
    tf.dispose([...z, ...t]);
    // (2) The full-batch loss and its gradient with respect to the embeddings (and τ).
    const outer = lossAndEmbeddingGradients(zCat, tCat, scale, temperature);
    tf.dispose([zCat, tCat]);
    const { gZ, gT } = outer;
    const acc: NamedGrads = {};
    if (temperature) acc[temperature.logScale.name] = outer.gTau!;
    if (host) await host.add(acc);
    // (3) Back through each micro-batch with its slice of those gradients.
    const withText = task.textTrainable();
    let offset = 0;
    for (const b of prepared) {
      const n = b.size;
      const gz = tf.slice(gZ, [offset, 0], [n, -1]);
      const gt = tf.slice(gT, [offset, 0], [n, -1]);
      const { value, grads } = tf.variableGrads(() => {
        const img = tf.sum(tf.mul(task.imageEmbeddings(b), gz));
        return (withText ? tf.add(img, tf.sum(tf.mul(task.textEmbeddings(b), gt))) : img) as tf.Scalar;
      }, variables);
      value.dispose();
      tf.dispose([gz, gt]);
      if (host) await host.add(grads);
      else addInto(acc, grads);
      offset += n;
    }
    const [loss, i2t, t2i] = await readScalars([outer.loss, outer.imageToText, outer.textToImage]);
    tf.dispose([outer.loss, gZ, gT, outer.imageToText, outer.textToImage]);
    return { grads: host ? {} : acc, loss: loss!, imageToText: i2t!, textToImage: t2i! };
  } finally {
    for (const b of prepared) b.dispose();
  }
}
