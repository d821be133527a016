import path from 'node:path';
import type { ModelFamily } from '../registry.js';
import { LPIPS_DEFAULTS, lpipsParamShapes, parseLpipsConfig, type LpipsConfig } from './config.js';
import { LpipsModel } from './model.js';

export { LpipsModel, type LpipsOutput } from './model.js';
export { LPIPS_DEFAULTS, lpipsChannels, lpipsParamShapes, parseLpipsConfig, trunkSlices, type LpipsConfig } from './config.js';

export const lpipsFamily: ModelFamily<LpipsConfig, LpipsModel> = {
  modelType: 'lpips',
  architectures: ['LPIPS'],
  defaults: LPIPS_DEFAULTS,
  matchesConfig: (raw) => typeof raw.builder === 'string' && raw.builder.startsWith('lpips.LPIPS'),
  parseConfig: parseLpipsConfig,
  paramShapes: lpipsParamShapes,
  build: (config, params) => new LpipsModel(config, params),
  // The v0.1 linear layers as lpips ships them (lpips/weights/v0.1/<net>.pth, converted).
  extraWeightFiles: (dir, config) => [path.join(dir, `lin_v0.1_${config.net}.safetensors`)],
  // lpips' state_dict repeats the lin layers as `lins.K.*`; the scaling layer's constants come from the config.
  ignoreUnexpected: [/^lins\./, /^scaling_layer\./],
};
