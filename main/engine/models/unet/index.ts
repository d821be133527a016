import type { ModelFamily } from '../registry.js';
import { UNET_DEFAULTS, parseUNetConfig, type UNetConfig } from './config.js';
import { UNet2DConditionModel } from './model.js';
import { unetParamShapes } from './shapes.js';

export { UNet2DConditionModel, type Timesteps } from './model.js';
export { UNET_DEFAULTS, parseUNetConfig, unetPlan, type UNetConfig, type UNetPlan } from './config.js';
export { unetParamShapes } from './shapes.js';
export { widenUNetInput } from './widen.js';
export { saveDiffusersUNet, diffusersUNetConfig, DIFFUSERS_VERSION, UNET_WEIGHTS, type SaveUNetOptions } from './save.js';

export const unetFamily: ModelFamily<UNetConfig, UNet2DConditionModel> = {
  modelType: 'UNet2DConditionModel',
  architectures: ['UNet2DConditionModel'],
  library: 'diffusers',
  defaults: UNET_DEFAULTS,
  parseConfig: parseUNetConfig,
  paramShapes: unetParamShapes,
  build: (config, params) => new UNet2DConditionModel(config, params),
};
