// BlipForImageTextRetrieval against transformers' outputs on the shared tiny random checkpoint
// (/work/shared/fixtures/parity/blip_itr; tolerance 1e-4 absolute + relative, fixtures/README.md).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, type HostTensor } from '../../../../../main/engine/io/safetensors.js';
import { type BlipForImageTextRetrieval, visionEmbeddings } from '../../../../../main/engine/models/blip/index.js';
import { fromPretrained } from '../../../../../main/engine/models/registry.js';
import { FIXTURES } from '../../shared-dir.js';

const CASE = path.join(FIXTURES, 'parity', 'blip_itr');
const TOL = 1e-4;

let model: BlipForImageTextRetrieval;
let inputs: Map<string, HostTensor>;
let outputs: Map<string, HostTensor>;

const t = (h: HostTensor) => tf.tensor(h.values, h.shape, h.dtype);

function compare(name: string, actual: tf.Tensor) {
  const ref = outputs.get(name)!;
  expect(actual.shape, name).toEqual(ref.shape);
  const a = actual.dataSync();
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const r = ref.values[i]!;
    const err = Math.abs(a[i]! - r);
    maxAbs = Math.max(maxAbs, err);
    if (err > TOL + TOL * Math.abs(r)) throw new Error(`${name}[${i}]: ${a[i]} vs reference ${r} (|err| ${err.toExponential(2)} > ${TOL} abs + rel)`);
  }
  return maxAbs;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`BlipForImageTextRetrieval parity (${backend})`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      model = await fromPretrained<BlipForImageTextRetrieval>(CASE, { strict: true });
      inputs = readSafetensors(path.join(CASE, 'inputs.safetensors'));
      outputs = readSafetensors(path.join(CASE, 'outputs.safetensors'));
    });
    afterAll(() => model.dispose());

    it('matches every reference tensor within 1e-4', () => {
      const errors: Record<string, number> = {};
      tf.tidy(() => {
        const pixels = t(inputs.get('pixel_values')!);
        const ids = t(inputs.get('input_ids')!);
        const mask = t(inputs.get('attention_mask')!);
        const ids3 = t(inputs.get('input_ids_b3')!);
        const mask3 = t(inputs.get('attention_mask_b3')!);
        const p = (n: string) => model.params.get(n);
        errors.vision_embeddings = compare('vision_embeddings', visionEmbeddings(p, model.config.vision_config, pixels));
        const vision = model.vision(pixels);
        errors.image_embeds = compare('image_embeds', vision.imageEmbeds);
        errors.vision_pooler_output = compare('vision_pooler_output', vision.pooled);
        const itm = model.itmLogits(pixels, ids, mask);
        errors.itm_logits = compare('itm_logits', itm);
        errors.itm_probs = compare('itm_probs', tf.softmax(itm, 1));
        errors.question_embeds_itm = compare('question_embeds_itm', model.text(ids, mask, vision.imageEmbeds));
        errors.question_embeds_text_only = compare('question_embeds_text_only', model.text(ids, mask));
        errors.image_feat = compare('image_feat', model.imageFeatures(vision.imageEmbeds));
        errors.text_feat = compare('text_feat', model.textFeatures(ids, mask));
        errors.cosine_sim = compare('cosine_sim', model.cosineSimilarity(pixels, ids, mask));
        errors.text_feat_b3 = compare('text_feat_b3', model.textFeatures(ids3, mask3));
        errors.cosine_sim_b3 = compare('cosine_sim_b3', model.cosineSimilarity(pixels, ids3, mask3));
      });
      console.log(`blip_itr on ${backend}: max abs error per tensor`, errors);
      expect(Object.keys(errors)).toHaveLength(outputs.size);
    });
  });
}
