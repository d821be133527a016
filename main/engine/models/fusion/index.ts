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
