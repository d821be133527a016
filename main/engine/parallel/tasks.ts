// Pure per-item work for the tensor pool: `pool.map(items, task, { models })` cuts the items into
// chunks, each worker runs `task.run` on its chunks with its own copy of the task's models, and the
// results come back in the items' order. A task is defined once (this file's registry) and imported on
// both sides: the worker runs it and checks the items it receives, the engine's thread checks every
// result against `task.result` before handing it on. README.md says how to add one.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ClipModel } from '../models/clip/index.js';
import { fromPretrained, type PretrainedModel } from '../models/registry.js';
import { float32Array, int32Array } from './protocol.js';

/** What a task's `run` gets in the worker. */
export interface TaskContext {
  /** The model of a role (its folder given to `pool.map`), loaded once per worker and kept until `releaseModels`. */
  model<M extends PretrainedModel>(role: string): Promise<M>;
}

export interface WorkerTask<I, R> {
  /** Registry name, "<family>.<what>". */
  readonly name: string;
  /** The model roles the caller must give folders for. */
  readonly models: readonly string[];
  /** One item as it arrives in the worker (checked there). */
  readonly item: z.ZodType<I>;
  /** One result as it arrives back (checked on the engine's thread). */
  readonly result: z.ZodType<R>;
  /** A chunk of items → one result per item, in order. Reads tensors after their tidy (ENVIRONMENT.md). */
  run(ctx: TaskContext, items: I[]): Promise<R[]>;
}

const registry = new Map<string, WorkerTask<unknown, unknown>>();

/** Registers a task (at import time of its module; the worker imports task-modules.ts). */
export function defineWorkerTask<I, R>(task: WorkerTask<I, R>): WorkerTask<I, R> {
  if (registry.has(task.name)) throw new Error(`worker task "${task.name}" is defined twice`);
  registry.set(task.name, task as WorkerTask<unknown, unknown>);
  return task;
}

export function workerTask(name: string): WorkerTask<unknown, unknown> {
  const t = registry.get(name);
  if (!t) throw new Error(`no worker task "${name}" (known: ${[...registry.keys()].join(', ') || 'none'}); is its module imported by parallel/task-modules.ts?`);
  return t;
}

/** Loads model folders by path with fromPretrained, once per worker. */
export class ModelFolders {
  private readonly loaded = new Map<string, Promise<PretrainedModel>>();

  context(folders: Readonly<Record<string, string>>, task: WorkerTask<unknown, unknown>): TaskContext {
    return {
      model: <M extends PretrainedModel>(role: string): Promise<M> => {
        const dir = folders[role];
        if (dir === undefined) return Promise.reject(new Error(`task ${task.name} needs a "${role}" model folder; given: ${Object.keys(folders).join(', ') || 'none'}`));
        let m = this.loaded.get(dir);
        if (!m) {
          m = fromPretrained(dir);
          m.catch(() => this.loaded.delete(dir));
          this.loaded.set(dir, m);
        }
        return m as Promise<M>;
      },
    };
  }

  async release(): Promise<number> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    let n = 0;
    for (const m of await Promise.allSettled(all)) {
      if (m.status === 'fulfilled') {
        m.value.dispose();
        n++;
      }
    }
    return n;
  }
}

/** Rows of a [n, d] tensor as separate arrays (read after the tidy that made it). */
async function rowsOf(t: tf.Tensor): Promise<Float32Array[]> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  const [n, d] = [t.shape[0]!, t.shape[1]!];
  return Array.from({ length: n }, (_, i) => values.slice(i * d, (i + 1) * d));
}

/** CLIP's image embedding (get_image_features) of normalised NCHW pixel_values [3, S, S]. */
export const clipImageFeatures = defineWorkerTask({
  name: 'clip.imageFeatures',
  models: ['clip'],
  item: z.object({ pixels: float32Array }),
  result: float32Array,
  async run(ctx, items) {
    const clip = await ctx.model<ClipModel>('clip');
    const s = clip.config.vision_config.image_size;
    const all = new Float32Array(items.length * 3 * s * s);
    items.forEach((it, i) => {
      if (it.pixels.length !== 3 * s * s) throw new Error(`item ${i}: pixels has ${it.pixels.length} values; this CLIP wants 3 × ${s} × ${s}`);
      all.set(it.pixels, i * 3 * s * s);
    });
    const features = tf.tidy(() => clip.imageFeatures(tf.tensor4d(all, [items.length, 3, s, s])));
    return rowsOf(features);
  },
});

/** CLIP's text embedding (get_text_features) of token ids and their attention mask (same length). */
export const clipTextFeatures = defineWorkerTask({
  name: 'clip.textFeatures',
  models: ['clip'],
  item: z.object({ ids: int32Array, mask: int32Array }).refine((t) => t.ids.length === t.mask.length && t.ids.length > 0, 'ids and mask must have the same, non-zero length'),
  result: float32Array,
  async run(ctx, items) {
    const clip = await ctx.model<ClipModel>('clip');
    const width = items[0]!.ids.length;
    if (items.some((t) => t.ids.length !== width)) throw new Error('clip.textFeatures: every item of a call must have the same length (pad them)');
    const ids = new Int32Array(items.length * width);
    const mask = new Int32Array(items.length * width);
    items.forEach((t, i) => {
      ids.set(t.ids, i * width);
      mask.set(t.mask, i * width);
    });
    const features = tf.tidy(() => clip.textFeatures(tf.tensor2d(ids, [items.length, width], 'int32'), tf.tensor2d(mask, [items.length, width], 'int32')));
    return rowsOf(features);
  },
});
