// The compute half of the BLIP trainer (see regionclip-device.ts): decoded images and token ids of a
// micro-batch in, ITC features (Eq. 11's embeddings) out — on the trainer's model or a worker's replica.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { BlipForImageTextRetrieval } from '../models/blip/index.js';
import { int32Array, rgbImageSchema } from '../parallel/protocol.js';
import type { PhaseConfig } from './config.js';
import type { PreparedBatch } from './contrastive.js';
import { pixelBatch, type Normalization } from '../preprocess/index.js';
import { textTensors } from './text.js';
import type { RgbImage } from './types.js';

export interface SceneInputs {
  images: RgbImage[];
  texts: { inputIds: Int32Array; attentionMask: Int32Array; shape: [number, number] };
}

export const sceneInputsSchema = z
  .object({
    images: z.array(rgbImageSchema).min(1).max(65_536),
    texts: z.object({ inputIds: int32Array, attentionMask: int32Array, shape: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]) }),
  })
  .refine((x) => {
    const [rows, width] = x.texts.shape;
    return rows === x.images.length && x.texts.inputIds.length === rows * width && x.texts.attentionMask.length === rows * width;
  }, 'images and texts do not agree in number or size');

export interface SceneBatch extends PreparedBatch {
  pixels: tf.Tensor4D;
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
}

export class BlipDevice {
  constructor(
    readonly model: BlipForImageTextRetrieval,
    readonly norm: Normalization,
  ) {}

  setPhase(_phase: PhaseConfig): void {
    this.model.params.setTrainable(true);
  }

  trainableParams(): Map<string, tf.Variable> {
    return new Map(this.model.params.names().map((n) => [`blip/${n}`, this.model.params.get(n)]));
  }

  textTrainable(): boolean {
    return true;
  }

  async batch(x: SceneInputs): Promise<SceneBatch> {
    const pixels = pixelBatch(x.images, x.images.map(() => null), this.model.config.vision_config.image_size, this.norm);
    const { ids, mask } = textTensors(x.texts);
    return { size: x.images.length, pixels, ids, mask, dispose: () => tf.dispose([pixels, ids, mask]) };
  }

  imageEmbeddings(b: SceneBatch): tf.Tensor2D {
    return tf.tidy(() => this.model.imageFeatures(this.model.vision(b.pixels).imageEmbeds));
  }

  textEmbeddings(b: SceneBatch): tf.Tensor2D {
    return this.model.textFeatures(b.ids, b.mask);
  }
}
