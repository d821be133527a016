// The BLIP family for the model registry (models/registry.ts).
import type { ModelFamily } from '../registry.js';
import { blipConfigDefaults, blipParamShapes, parseBlipConfig, type BlipConfig } from './config.js';
import { BlipForImageTextRetrieval } from './model.js';

export { BLIP_TEMP, BlipForImageTextRetrieval } from './model.js';
export { blipConfigDefaults, blipConfigSchema, blipParamShapes, parseBlipConfig, type BlipConfig, type BlipConfigInput, type BlipTextConfig, type BlipVisionConfig } from './config.js';
export { textModel, visionEmbeddings, visionModel, type VisionOutputs } from './towers.js';

export const blipFamily: ModelFamily<BlipConfig, BlipForImageTextRetrieval> = {
  modelType: 'blip',
  architectures: ['BlipForImageTextRetrieval'],
  defaults: blipConfigDefaults,
  parseConfig: (full, source) => {
    const archs = full.architectures;
    if (Array.isArray(archs) && archs.length > 0 && !archs.includes('BlipForImageTextRetrieval')) {
      throw new Error(`${source}: architectures ${JSON.stringify(archs)}: only BlipForImageTextRetrieval is implemented for model_type "blip"`);
    }
    return parseBlipConfig(full, source);
  },
  paramShapes: blipParamShapes,
  build: (config, params) => new BlipForImageTextRetrieval(config, params),
  // Older conversions of pytorch_model.bin carry the position_ids buffer. `temp` is BLIP's
  // contrastive temperature: LAVIS's retrieval model keeps it in its state dict, transformers'
  // BlipForImageTextRetrieval has no such parameter (and ignores it), our BLIP trainer saves the
  // learned τ there and starts a fine-tune from it (training/blip.ts).
  ignoreUnexpected: [/(^|\.)position_ids$/, /^temp$/],
};
