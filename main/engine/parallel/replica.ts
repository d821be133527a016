// Model replicas for the tensor workers: a model's parameters laid out in one SharedArrayBuffer next
// to its config.json object. Every worker builds the same model from the same bytes (the registry's
// modelFromParams checks every name and shape), and during training that buffer is where the one
// optimiser step writes the new weights that every replica then reads (data-parallel.ts).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { modelFromParams, ParamStore, type PretrainedModel } from '../models/registry.js';

export interface SharedParam {
  name: string;
  shape: number[];
  /** In floats, into the model's buffer. */
  offset: number;
}

export interface SharedModel {
  /** The model's role in its task ("clip", "fusion", "blip"): the prefix of its checkpoint keys. */
  name: string;
  /** Its config.json content (what fromPretrained would read). */
  config: Record<string, unknown>;
  params: SharedParam[];
  buffer: SharedArrayBuffer;
}

/** Bounds for what a worker accepts (a model description is data arriving from another thread). */
const MAX_PARAMS = 100_000;
const MAX_RANK = 8;

export const sharedModelSchema = z
  .object({
    name: z.string().min(1).max(64),
    config: z.record(z.string(), z.unknown()),
    params: z
      .array(z.object({ name: z.string().min(1).max(512), shape: z.array(z.number().int().nonnegative()).max(MAX_RANK), offset: z.number().int().nonnegative() }))
      .max(MAX_PARAMS),
    buffer: z.instanceof(SharedArrayBuffer),
  })
  .superRefine((m, ctx) => {
    const floats = m.buffer.byteLength / 4;
    for (const p of m.params) {
      if (p.offset + sizeOf(p.shape) > floats) {
        ctx.addIssue({ code: 'custom', message: `parameter ${p.name} [${p.shape.join(', ')}] at ${p.offset} runs past the shared buffer (${floats} floats)` });
        return;
      }
    }
  });

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The parameter's values in the shared buffer (a view: writes are seen by every thread). */
export function paramView(model: SharedModel, p: SharedParam): Float32Array {
  return new Float32Array(model.buffer, p.offset * 4, sizeOf(p.shape));
}

/** Copies every parameter of `params` (in its order) into a new shared buffer. */
export async function shareModel(name: string, config: Record<string, unknown>, params: ParamStore): Promise<SharedModel> {
  const layout: SharedParam[] = [];
  let floats = 0;
  for (const n of params.names()) {
    const shape = params.get(n).shape;
    layout.push({ name: n, shape, offset: floats });
    floats += sizeOf(shape);
  }
  const model: SharedModel = { name, config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>, params: layout, buffer: new SharedArrayBuffer(floats * 4) };
  for (const p of layout) paramView(model, p).set((await params.get(p.name).data()) as Float32Array);
  return model;
}

/**
 * Values to make a tensor from. The wasm backend copies them into its heap at once; the cpu backend
 * would keep the array itself — aliasing the shared memory, so it would see the optimiser's writes
 * mid-step — so it gets a private copy.
 */
export function tensorValues(view: Float32Array): Float32Array {
  return tf.getBackend() === 'wasm' ? view : view.slice();
}

/** The worker's copy of a shared model: one variable per parameter. */
export function buildReplica<M extends PretrainedModel>(model: SharedModel, trainable: boolean): M {
  const params = new ParamStore(`${model.name} replica`);
  try {
    for (const p of model.params) params.set(p.name, tf.tensor(tensorValues(paramView(model, p)), p.shape, 'float32'), trainable);
    return modelFromParams<M>(model.config, params, `${model.name} replica`);
  } catch (err) {
    params.dispose();
    throw err;
  }
}
