// The parity case of the `blip_itr` fixtures (transformers' BlipForImageTextRetrieval): every output
// the manifest names. The runner (engine/parity) registers this entry under the manifest's family.
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../../io/safetensors.js';
import type { RunnerEntry } from '../../parity/runners.js';
import { fromPretrained } from '../registry.js';
import type { BlipForImageTextRetrieval } from './model.js';
import { visionEmbeddings } from './towers.js';

function input(inputs: Map<string, HostTensor>, name: string): tf.Tensor {
  const h = inputs.get(name);
  if (!h) throw new Error(`inputs.safetensors has no tensor "${name}"`);
  return tf.tensor(h.values, h.shape, h.dtype);
}

export const blipParityRunner: RunnerEntry = {
  tolerance: 1e-4,
  async run(dir, inputs) {
    const model = await fromPretrained<BlipForImageTextRetrieval>(dir);
    try {
      const out = tf.tidy(() => {
        const pixels = input(inputs, 'pixel_values');
        const ids = input(inputs, 'input_ids');
        const mask = input(inputs, 'attention_mask');
        const vision = model.vision(pixels);
        const itm = model.itmLogits(pixels, ids, mask);
        const named: Record<string, tf.Tensor> = {
          vision_embeddings: visionEmbeddings((n) => model.params.get(n), model.config.vision_config, pixels),
          image_embeds: vision.imageEmbeds,
          vision_pooler_output: vision.pooled,
          itm_logits: itm,
          itm_probs: tf.softmax(itm, 1),
          question_embeds_itm: model.text(ids, mask, vision.imageEmbeds),
          question_embeds_text_only: model.text(ids, mask),
          image_feat: model.imageFeatures(vision.imageEmbeds),
          text_feat: model.textFeatures(ids, mask),
          cosine_sim: model.cosineSimilarity(pixels, ids, mask),
        };
        if (inputs.has('input_ids_b3')) {
          const ids3 = input(inputs, 'input_ids_b3');
          const mask3 = input(inputs, 'attention_mask_b3');
          named.text_feat_b3 = model.textFeatures(ids3, mask3);
          named.cosine_sim_b3 = model.cosineSimilarity(pixels, ids3, mask3);
        }
        return named;
      });
      return new Map(Object.entries(out));
    } finally {
      model.dispose();
    }
  },
};
