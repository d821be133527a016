export { BlipForImageTextRetrieval } from './model.js';
export { blipConfigSchema, blipParamShapes, parseBlipConfig, type BlipConfig, type BlipConfigInput, type BlipTextConfig, type BlipVisionConfig } from './config.js';
export { textModel, visionEmbeddings, visionModel, type VisionOutputs } from './towers.js';
