// What a tensor worker needs to run a trainer's compute half (parallel/contrastive-worker.ts): the
// task's models as shared replicas (parallel/replica.ts), the settings that change their numbers, and
// a per-kind builder. A task that supports data parallelism (ParallelTask) gives its micro-batches as
// plain data (`inputs`) and describes its replica (`replica`); README.md (parallel/) has the protocol.
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { BlipForImageTextRetrieval } from '../models/blip/index.js';
import type { ClipModel } from '../models/clip/index.js';
import type { GatedRegionContextFusion } from '../models/fusion/index.js';
import { RegionClip } from '../models/fusion/region-clip.js';
import { buildReplica, sharedModelSchema, type SharedModel } from '../parallel/replica.js';
import { BlipDevice, sceneInputsSchema } from './blip-device.js';
import type { PhaseConfig } from './config.js';
import type { PreparedBatch } from './contrastive.js';
import { RegionClipDevice, regionInputsSchema } from './regionclip-device.js';

const triple = z.tuple([z.number(), z.number(), z.number()]).readonly();

export const replicaSpecSchema = z.object({
  kind: z.enum(['regionclip', 'blip']),
  models: z.array(sharedModelSchema).min(1).max(8),
  options: z.object({ norm: z.object({ mean: triple, std: triple }), gradientCheckpointing: z.boolean() }),
});
export type ReplicaSpec = z.infer<typeof replicaSpecSchema>;

/** A trainer's compute half as the contrastive loop and the workers drive it. */
export interface ContrastiveDevice {
  setPhase(phase: PhaseConfig): void;
  trainableParams(): Map<string, tf.Variable>;
  textTrainable(): boolean;
  /** Tensors of a micro-batch from its `inputs` (already checked against the kind's schema). */
  batch(inputs: unknown): Promise<PreparedBatch>;
  imageEmbeddings(b: PreparedBatch): tf.Tensor2D;
  textEmbeddings(b: PreparedBatch): tf.Tensor2D;
}

/** A task that can run data-parallel (regionclip.ts, blip.ts). */
export interface ParallelTask<P> {
  /** A micro-batch's inputs as structured-cloneable data; `commit` once a device has used them (caches). */
  inputs(pairs: readonly P[], purpose: 'train' | 'eval'): Promise<{ inputs: unknown; commit(): void }>;
  /** The models (copied into shared memory) and settings a worker builds its replica from. */
  replica(): Promise<ReplicaSpec>;
}

export function isParallelTask<P>(task: object): task is ParallelTask<P> {
  return typeof (task as Partial<ParallelTask<P>>).inputs === 'function' && typeof (task as Partial<ParallelTask<P>>).replica === 'function';
}

export interface BuiltDevice {
  device: ContrastiveDevice;
  /** The schema a micro-batch's inputs are checked against in the worker. */
  inputs: z.ZodType;
  models: SharedModel[];
  dispose(): void;
}

function model(spec: ReplicaSpec, name: string): SharedModel {
  const m = spec.models.find((x) => x.name === name);
  if (!m) throw new Error(`a ${spec.kind} replica needs a shared "${name}" model; got ${spec.models.map((x) => x.name).join(', ')}`);
  return m;
}

/** Builds a worker's replica of a task's models and its compute half. */
export function buildDevice(spec: ReplicaSpec): BuiltDevice {
  if (spec.kind === 'regionclip') {
    const clipShared = model(spec, 'clip');
    const clip = buildReplica<ClipModel>(clipShared, false);
    let fusion: GatedRegionContextFusion;
    try {
      fusion = buildReplica<GatedRegionContextFusion>(model(spec, 'fusion'), true);
    } catch (err) {
      clip.dispose();
      throw err;
    }
    const rc = new RegionClip(clip, fusion, clipShared.config);
    rc.clip.gradientCheckpointing = spec.options.gradientCheckpointing;
    const device = new RegionClipDevice(rc, spec.options.norm);
    return { device: device as unknown as ContrastiveDevice, inputs: regionInputsSchema, models: spec.models, dispose: () => rc.dispose() };
  }
  const blip = buildReplica<BlipForImageTextRetrieval>(model(spec, 'blip'), true);
  blip.gradientCheckpointing = spec.options.gradientCheckpointing;
  return { device: new BlipDevice(blip, spec.options.norm) as unknown as ContrastiveDevice, inputs: sceneInputsSchema, models: spec.models, dispose: () => blip.dispose() };
}
