// The worker side of the data-parallel trainer: this worker's replica of the task's models, its
// micro-batches of each step, its share of the gradient reduction and of the AdamW update.
//
// The forward (stages 1 and 3 of gradient caching, training/gradient-caching.ts) holds the tape of its
// last micro-batch across the central loss step: inside tf.variableGrads it hands its embeddings to
// the engine's thread, blocks on shared memory (Atomics.wait) until ∂L/∂embeddings of the whole batch
// are in its mailbox, and returns Σ emb ⊙ ∂L/∂emb — so a worker with one micro-batch (phase "fusion"
// splits the batch once per worker) runs one forward, not two. Its other micro-batches are embedded
// without a tape first and re-run on the tape after, as in the single-thread trainer.
import * as tf from '@tensorflow/tfjs';
import { adamWUpdate, addInto, biasCorrection, decayFactor, scaleInPlace, sumOfSquares } from '../training/host-optim.js';
import { buildDevice, type BuiltDevice } from '../training/devices.js';
import { CpuLaps } from './cpu.js';
import { BARRIER, embedSpec, forwardSpec, loadSpec, phaseSpec, reduceSpec, unloadSpec, updateSpec, type Entry } from './contrastive-protocol.js';
import { parseMessage } from './protocol.js';
import { sizeOf, tensorValues, type SharedModel } from './replica.js';
import { implement } from './worker-handlers.js';

interface EntryViews {
  entry: Entry;
  rank: number;
  w: Float32Array;
  /** One view per worker region. */
  g: Float32Array[];
  m: Float32Array;
  v: Float32Array;
  variable: tf.Variable | null;
}

interface PhaseState {
  index: number;
  entries: EntryViews[];
  byVariable: Map<string, number>;
  partition: [number, number];
  flags: Int32Array;
  seen: Uint8Array;
  control: Int32Array;
  /** Local: which entries of my partition got a gradient this step (set by reduce, read by update). */
  hasGrad: Uint8Array;
}

let built: BuiltDevice | null = null;
let state: PhaseState | null = null;
let version = 0;

function device(): BuiltDevice {
  if (!built) throw new Error('no replica loaded (contrastive.load first)');
  return built;
}

function phaseState(): PhaseState {
  if (!state) throw new Error('no phase set (contrastive.phase first)');
  return state;
}

/** After an optimiser step: this replica's trainable weights from the shared buffers. */
function refresh(to: number): void {
  if (to === version || !state) {
    version = to;
    return;
  }
  for (const e of state.entries) {
    if (!e.variable) continue;
    const t = tf.tensor(tensorValues(e.w), e.entry.shape, 'float32');
    e.variable.assign(t);
    t.dispose();
  }
  version = to;
}

implement(loadSpec, async ({ replica }) => {
  built?.dispose();
  built = null;
  state = null;
  built = buildDevice(replica);
  version = 0;
  return { params: replica.models.reduce((s, m) => s + m.params.reduce((t, p) => t + sizeOf(p.shape), 0), 0) };
});

implement(unloadSpec, async () => {
  const had = built !== null;
  built?.dispose();
  built = null;
  state = null;
  return { unloaded: had };
});

implement(phaseSpec, async (a) => {
  refresh(a.version);
  const d = device();
  d.device.setPhase(a.phase);
  const params = d.device.trainableParams();
  const workers = a.workers;
  const models = new Map<string, SharedModel>(d.models.map((m) => [m.name, m]));
  const entries = a.entries.map((entry): EntryViews => {
    const size = sizeOf(entry.shape);
    const wBuf = entry.w.model === null ? a.buffers.extra : models.get(entry.w.model)?.buffer;
    if (!wBuf) throw new Error(`entry ${entry.key}: no shared model "${entry.w.model}"`);
    const variable = params.get(entry.key) ?? null;
    if (variable && variable.size !== size) throw new Error(`entry ${entry.key} has ${size} values, this replica's parameter ${variable.size}`);
    return {
      entry,
      rank: entry.shape.length,
      w: new Float32Array(wBuf, entry.w.offset * 4, size),
      g: Array.from({ length: workers }, (_, r) => new Float32Array(a.buffers.grads, (r * a.floats + entry.g) * 4, size)),
      m: new Float32Array(a.buffers.moments, entry.g * 4, size),
      v: new Float32Array(a.buffers.moments, (a.floats + entry.g) * 4, size),
      variable,
    };
  });
  const missing = [...params.keys()].filter((k) => !entries.some((e) => e.entry.key === k));
  if (missing.length > 0) throw new Error(`the phase's layout lacks trainable parameters ${missing.slice(0, 5).join(', ')}`);
  state = {
    index: a.index,
    entries,
    byVariable: new Map(entries.flatMap((e, i) => (e.variable ? [[e.variable.name, i] as [string, number]] : []))),
    partition: a.partition,
    flags: new Int32Array(a.buffers.flags),
    seen: new Uint8Array(a.buffers.seen),
    control: new Int32Array(a.buffers.control),
    hasGrad: new Uint8Array(entries.length),
  };
  return { trainable: params.size };
});

/** Sums a micro-batch's gradients into this worker's region (the first write of a step sets it). */
async function accumulate(s: PhaseState, grads: tf.NamedTensorMap): Promise<void> {
  const E = s.entries.length;
  for (const [name, g] of Object.entries(grads)) {
    try {
      const e = s.byVariable.get(name);
      if (e === undefined) throw new Error(`a gradient for variable ${name}, which is not in the phase's layout`);
      const values = (await g.data()) as Float32Array;
      const region = s.entries[e]!.g[s.index]!;
      if (Atomics.load(s.flags, s.index * E + e) === 0) {
        region.set(values);
        Atomics.store(s.flags, s.index * E + e, 1);
      } else addInto(region, values);
    } finally {
      g.dispose();
    }
  }
}

/** Blocks until the engine's thread has written ∂L/∂embeddings (or gives up the step). */
function awaitGradients(s: PhaseState): void {
  for (;;) {
    const v = Atomics.load(s.control, s.index);
    if (v === BARRIER.go) return;
    if (v === BARRIER.abort) throw new Error('the step was abandoned by the trainer (another worker failed, or the loss could not be computed)');
    Atomics.wait(s.control, s.index, v, 1000);
  }
}

implement(forwardSpec, async ({ version: to, chunks }, ctx) => {
  const cpu = new CpuLaps();
  refresh(to);
  cpu.lap('refresh');
  const d = device();
  const s = phaseState();
  const inputs = chunks.map((c, i) => parseMessage(d.inputs, c, `micro-batch ${i} of contrastive.forward`));
  const batches = [];
  try {
    for (const x of inputs) batches.push(await d.device.batch(x));
    cpu.lap('batch');
    const rows = batches.reduce((n, b) => n + b.size, 0);
    // (1) Every micro-batch but the last, without a tape; read after each tidy.
    const zs: Float32Array[] = [];
    const ts: Float32Array[] = [];
    for (const b of batches.slice(0, -1)) {
      const z = tf.tidy(() => d.device.imageEmbeddings(b));
      const t = tf.tidy(() => d.device.textEmbeddings(b));
      zs.push((await z.data()) as Float32Array);
      ts.push((await t.data()) as Float32Array);
      tf.dispose([z, t]);
    }
    const variables = [...d.device.trainableParams().values()];
    const withText = d.device.textTrainable();
    const last = batches[batches.length - 1]!;
    const lastOffset = rows - last.size;
    let mailbox: Float32Array | null = null;
    let dims: [number, number] = [0, 0];
    // (1) + (3) of the last micro-batch on one tape, held across the central loss step.
    // A failure inside the tape (the step abandoned, an out-of-memory) is returned as a constant, not
    // thrown: tfjs frees the tape's saved tensors only when gradients() completes.
    let failure: unknown = null;
    const { value, grads } = tf.engine().gradients(() => {
      try {
        const z = d.device.imageEmbeddings(last);
        const t = d.device.textEmbeddings(last);
        const [dz, dt] = [z.shape[1], t.shape[1]];
        dims = [dz, dt];
        // The only read inside a tape: [rows, ~512] floats (measured ~0.05 ms in a worker).
        const zl = z.dataSync() as Float32Array;
        const tl = t.dataSync() as Float32Array;
        const shared = new SharedArrayBuffer(rows * (dz + dt) * 4);
        mailbox = new Float32Array(shared);
        let o = 0;
        for (const a of zs) {
          mailbox.set(a, o);
          o += a.length;
        }
        mailbox.set(zl, lastOffset * dz);
        o = rows * dz;
        for (const a of ts) {
          mailbox.set(a, o);
          o += a.length;
        }
        mailbox.set(tl, rows * dz + lastOffset * dt);
        cpu.lap('forward');
        ctx.emit({ mailbox: shared, rows, dz, dt });
        awaitGradients(s);
        cpu.lap('wait');
        const gz = tf.tensor2d(mailbox.slice(lastOffset * dz, rows * dz), [last.size, dz]);
        const img = tf.sum(tf.mul(z, gz));
        if (!withText) return img as tf.Scalar;
        const gt = tf.tensor2d(mailbox.slice(rows * dz + lastOffset * dt, rows * (dz + dt)), [last.size, dt]);
        return tf.add(img, tf.sum(tf.mul(t, gt))) as tf.Scalar;
      } catch (err) {
        failure = err;
        return tf.scalar(0);
      }
    }, variables, undefined, true);
    value.dispose();
    if (failure) {
      tf.dispose(grads.filter((g) => g !== undefined));
      throw failure;
    }
    cpu.lap('backward');
    await accumulate(s, Object.fromEntries(variables.flatMap((v, i) => (grads[i] ? [[v.name, grads[i]!]] : []))));
    cpu.lap('accumulate');
    // (3) The other micro-batches on the tape, each with its slice of ∂L/∂embeddings.
    const [dz, dt] = dims;
    let offset = 0;
    for (const b of batches.slice(0, -1)) {
      const gz = tf.tensor2d(mailbox!.slice(offset * dz, (offset + b.size) * dz), [b.size, dz]);
      const gt = tf.tensor2d(mailbox!.slice(rows * dz + offset * dt, rows * dz + (offset + b.size) * dt), [b.size, dt]);
      const r = tf.variableGrads(() => {
        const img = tf.sum(tf.mul(d.device.imageEmbeddings(b), gz));
        return (withText ? tf.add(img, tf.sum(tf.mul(d.device.textEmbeddings(b), gt))) : img) as tf.Scalar;
      }, variables);
      r.value.dispose();
      tf.dispose([gz, gt]);
      await accumulate(s, r.grads);
      offset += b.size;
    }
    cpu.lap('other micro-batches');
    return { micro: batches.length, cpuMs: cpu.total(), cpuParts: cpu.parts() };
  } finally {
    for (const b of batches) b.dispose();
  }
});

implement(reduceSpec, async () => {
  const s = phaseState();
  const E = s.entries.length;
  const workers = s.entries[0]?.g.length ?? 0;
  let total = 0;
  let n = 0;
  for (let e = s.partition[0]; e < s.partition[1]; e++) {
    const views = s.entries[e]!;
    const with_ = [];
    for (let r = 0; r < workers; r++) if (Atomics.load(s.flags, r * E + e) === 1) with_.push(r);
    s.hasGrad[e] = with_.length > 0 ? 1 : 0;
    if (with_.length === 0) continue;
    // Region 0 becomes the sum, in worker order (the batch's order of micro-batches).
    const sum = views.g[0]!;
    if (with_[0] !== 0) sum.set(views.g[with_[0]!]!);
    for (const r of with_.slice(1)) addInto(sum, views.g[r]!);
    for (let r = 0; r < workers; r++) Atomics.store(s.flags, r * E + e, 0);
    total += sumOfSquares(sum);
    n++;
  }
  return { sumOfSquares: total, entries: n };
});

implement(updateSpec, async ({ step, lr, factor, adamW }) => {
  const s = phaseState();
  const { stepSize, sqrtBc2 } = biasCorrection(adamW, step, lr);
  let n = 0;
  for (let e = s.partition[0]; e < s.partition[1]; e++) {
    if (!s.hasGrad[e]) continue; // frozen or unused this step, as HostAdamW skips it
    const x = s.entries[e]!;
    const g = x.g[0]!;
    if (factor !== 1) scaleInPlace(g, factor);
    adamWUpdate(x.w, x.w, g, x.m, x.v, { beta1: adamW.beta1, beta2: adamW.beta2, eps: adamW.eps, stepSize, sqrtBc2, decay: decayFactor(adamW, lr, x.rank) });
    s.seen[e] = 1;
    n++;
  }
  return { updated: n };
});

implement(embedSpec, async ({ version: to, inputs }) => {
  refresh(to);
  const d = device();
  const b = await d.device.batch(parseMessage(d.inputs, inputs, 'the inputs of contrastive.embed'));
  try {
    const z = tf.tidy(() => d.device.imageEmbeddings(b));
    const t = tf.tidy(() => d.device.textEmbeddings(b));
    const [zv, tv] = (await Promise.all([z.data(), t.data()])) as Float32Array[];
    const out = { z: zv!, t: tv!, rows: z.shape[0]!, dz: z.shape[1]!, dt: t.shape[1]! };
    tf.dispose([z, t]);
    return out;
  } finally {
    b.dispose();
  }
});
