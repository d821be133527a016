import type { ModelFamily } from '../registry.js';
import { VIT_DEFAULTS, parseVitConfig, vitParamShapes, type VitConfig } from './config.js';
import { VitModel } from './model.js';

export { VitModel, type VitOutput } from './model.js';
export { VIT_DEFAULTS, parseVitConfig, vitParamShapes, type VitConfig } from './config.js';

export const vitFamily: ModelFamily<VitConfig, VitModel> = {
  modelType: 'vit',
  architectures: ['ViTModel', 'ViTForImageClassification'],
  defaults: VIT_DEFAULTS,
  parseConfig: parseVitConfig,
  paramShapes: vitParamShapes,
  build: (config, params) => new VitModel(config, params),
  basePrefix: 'vit.',
  // A task checkpoint's head and the optional pooler are not part of the base model.
  ignoreUnexpected: [/^classifier\./, /^pooler\./],
};
