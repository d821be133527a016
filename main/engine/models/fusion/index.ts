// The gated region-context fusion family for the model registry (models/registry.ts).
import type { ModelFamily } from '../registry.js';
import { FUSION_ARCHITECTURE, FUSION_MODEL_TYPE, gatedFusionConfigDefaults, gatedFusionParamShapes, parseGatedFusionConfig, type GatedFusionConfig } from './config.js';
import { GatedRegionContextFusion } from './model.js';

export { GatedRegionContextFusion, type GatedFusionOutputs } from './model.js';
export {
  FUSION_ARCHITECTURE,
  FUSION_MODEL_TYPE,
  gatedFusionConfigSchema,
  gatedFusionParamShapes,
  parseGatedFusionConfig,
  type GatedFusionConfig,
  type GatedFusionConfigInput,
} from './config.js';

export const fusionFamily: ModelFamily<GatedFusionConfig, GatedRegionContextFusion> = {
  modelType: FUSION_MODEL_TYPE,
  architectures: [FUSION_ARCHITECTURE],
  defaults: gatedFusionConfigDefaults,
  parseConfig: (full, source) => parseGatedFusionConfig(full, source),
  paramShapes: gatedFusionParamShapes,
  build: (config, params) => new GatedRegionContextFusion(config, params),
};
