// Per-family parity runners: given a case folder (config.json, model.safetensors,
// inputs.safetensors), compute every output tensor the manifest names. A family registers here;
// the runner finds and compares (runner.ts).
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../io/safetensors.js';
import { fromPretrained } from '../models/registry.js';
import type { ClipModel } from '../models/clip/index.js';
import type { VitModel } from '../models/vit/index.js';
import { blipParityRunner } from '../models/blip/parity.js';
import { inceptionParityRunner } from '../models/inception/parity.js';
import { lpipsParityRunner } from '../models/lpips/parity.js';
import { unetParityRunner } from '../models/unet/parity.js';
import { vaeParityRunner } from '../models/vae/parity.js';
import { schedulerParityRunner } from '../schedulers/parity.js';
import { ip2pParityRunner } from '../pipelines/parity.js';
import { ricStepParityRunner } from '../training/editor/parity.js';

export type CaseInputs = Map<string, HostTensor>;
/** Computes outputs by manifest name; the runner reads them back and disposes them. */
export type ParityRunner = (caseDir: string, inputs: CaseInputs) => Promise<Map<string, tf.Tensor>>;

export interface RunnerEntry {
  run: ParityRunner;
  /** Default tolerance (absolute and relative) for this family (fixtures/README.md). */
  tolerance: number;
  /** A looser or tighter tolerance for some tensors (e.g. Inception's inner blocks); undefined: the default. */
  tensorTolerance?: (tensor: string) => number | undefined;
  /** Tensors of the case's data file that are inputs, not results to compare (scheduler sequences). */
  inputsOnly?: readonly string[];
  /**
   * How an element passes: 'elementwise' (default) |got − ref| ≤ tol + tol·|ref|; 'tensor-max' |got − ref| ≤
   * tol · max|ref| — the pipeline fixtures' criterion, since errors compound over the steps.
   */
  criterion?: Criterion;
  /** A criterion for some tensors (a step case: gradients 'tensor-max', the rest 'abs-or-tensor-max'); undefined: `criterion`. */
  tensorCriterion?: (tensor: string) => Criterion | undefined;
}

/**
 * 'elementwise': |got − ref| ≤ tol + tol·|ref| everywhere; 'tensor-max': max|got − ref| ≤ tol · max|ref|;
 * 'abs-or-tensor-max': max|got − ref| ≤ tol, or ≤ tol · max|ref| (a fixture's "tol absolute or relative").
 */
export type Criterion = 'elementwise' | 'tensor-max' | 'abs-or-tensor-max';

const RUNNERS = new Map<string, RunnerEntry>();

export function registerParityRunner(family: string, entry: RunnerEntry): void {
  RUNNERS.set(family, entry);
}

export function parityRunner(family: string): RunnerEntry | undefined {
  return RUNNERS.get(family);
}

export function knownParityFamilies(): string[] {
  return [...RUNNERS.keys()];
}

export function inputTensor(inputs: CaseInputs, name: string): tf.Tensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return tf.tensor(h.values, h.shape, h.dtype);
}

registerParityRunner('clip', {
  tolerance: 1e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<ClipModel>(dir);
    try {
      const pixels = inputTensor(inputs, 'pixel_values');
      const ids = inputTensor(inputs, 'input_ids');
      const mask = inputTensor(inputs, 'attention_mask');
      const out = tf.tidy(() => {
        const vision = model.encodeImage(pixels);
        const text = model.encodeText(ids, mask);
        const forward = model.forward({ pixelValues: pixels, inputIds: ids, attentionMask: mask });
        return {
          vision_embeddings: vision.embeddings,
          vision_last_hidden_state: vision.lastHiddenState,
          vision_pooler_output: vision.pooled,
          image_features: model.imageFeatures(pixels),
          text_embeddings: text.embeddings,
          text_last_hidden_state: text.lastHiddenState,
          text_pooler_output: text.pooled,
          text_features: model.textFeatures(ids, mask),
          image_embeds: forward.imageEmbeds,
          text_embeds: forward.textEmbeds,
          logits_per_image: forward.logitsPerImage,
          logits_per_text: forward.logitsPerText,
          logit_scale_exp: tf.reshape(model.logitScale(), [1]),
        };
      });
      tf.dispose([pixels, ids, mask]);
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
});

registerParityRunner('vit', {
  tolerance: 1e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<VitModel>(dir);
    try {
      const pixels = inputTensor(inputs, 'pixel_values');
      const out = tf.tidy(() => {
        const o = model.forward(pixels);
        const n = o.lastHiddenState.shape[1]!;
        return {
          embeddings: o.embeddings,
          encoder_output_pre_layernorm: o.encoderOutput,
          last_hidden_state: o.lastHiddenState,
          cls_token: model.classToken(pixels),
          mean_all_tokens: tf.mean(o.lastHiddenState, 1),
          mean_patch_tokens: tf.mean(tf.slice(o.lastHiddenState, [0, 1, 0], [-1, n - 1, -1]), 1),
        };
      });
      pixels.dispose();
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
});

registerParityRunner('blip_itr', blipParityRunner);
registerParityRunner('inception', inceptionParityRunner);
registerParityRunner('lpips', lpipsParityRunner);
registerParityRunner('unet', unetParityRunner);
registerParityRunner('vae', vaeParityRunner);
registerParityRunner('schedulers', schedulerParityRunner);
registerParityRunner('ip2p_pipeline', ip2pParityRunner);
registerParityRunner('ric_step', ricStepParityRunner);
