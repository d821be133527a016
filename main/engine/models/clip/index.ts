import type { ModelFamily } from '../registry.js';
import { CLIP_DEFAULTS, clipParamShapes, parseClipConfig, type ClipConfig } from './config.js';
import { ClipModel } from './model.js';

export { ClipModel, type ClipVisionOutput, type ClipTextOutput, type ClipOutput } from './model.js';
export { ClipTextModel, clipTextFamily, type ClipTextModelConfig } from './text-model.js';
export { CLIP_DEFAULTS, clipParamShapes, parseClipConfig, type ClipConfig, type ClipTextConfig, type ClipVisionConfig } from './config.js';

export const clipFamily: ModelFamily<ClipConfig, ClipModel> = {
  modelType: 'clip',
  architectures: ['CLIPModel'],
  defaults: CLIP_DEFAULTS,
  parseConfig: parseClipConfig,
  paramShapes: clipParamShapes,
  build: (config, params) => new ClipModel(config, params),
  // Checkpoints saved before transformers 4.31 stored the position_ids buffers.
  ignoreUnexpected: [/\.embeddings\.position_ids$/],
};
