import type { ModelFamily } from '../registry.js';
import { VAE_DEFAULTS, parseVaeConfig, vaeLegacyNames, vaeParamShapes, type VaeConfig } from './config.js';
import { AutoencoderKL } from './model.js';

export { AutoencoderKL, DiagonalGaussian } from './model.js';
export { VAE_DEFAULTS, parseVaeConfig, vaeParamShapes, vaePlan, type VaeConfig, type VaePlan } from './config.js';

export const vaeFamily: ModelFamily<VaeConfig, AutoencoderKL> = {
  modelType: 'AutoencoderKL',
  architectures: ['AutoencoderKL'],
  library: 'diffusers',
  defaults: VAE_DEFAULTS,
  parseConfig: parseVaeConfig,
  paramShapes: vaeParamShapes,
  build: (config, params) => new AutoencoderKL(config, params),
  legacyNames: vaeLegacyNames,
};
export { PixelSpace, type LatentCodec, type LatentCodecConfig } from './pixel-space.js';
