// The embedding trainers' public surface (Region-CLIP, BLIP) and their building blocks.
export * from './types.js';
export { checkpointingFor, optimizerStateFor, contrastiveTrainingSchema, phaseSchema, temperatureSchema, type ContrastiveTrainingConfig, type PhaseConfig } from './config.js';
export { runContrastiveTraining, evaluateRetrieval, readTrainerState, type ContrastiveTask, type PreparedBatch, type TrainerState } from './contrastive.js';
export { batchGradients, lossAndEmbeddingGradients } from './gradient-caching.js';
export { symmetricContrastiveLoss, cosineLoss, pairCosine, l2Normalize, LearnedTemperature } from './losses.js';
export { AdamW, clipGradNorm, clipGradNormAsync, learningRateAt, epochOrder, seededRandom } from './optim.js';
export { HostAdamW, HostGradients, type HostArray } from './host-optim.js';
export { retrievalRecall, chanceRecallAt1 } from './retrieval.js';
export { trainRegionClip, parseRegionClipConfig, regionClipTrainingSchema, RegionClipTask, tinyClipConfig, type RegionClipTrainingConfig } from './regionclip.js';
export { trainBlip, parseBlipTrainingConfig, blipTrainingSchema, BlipTask, tinyBlipConfig, type BlipTrainingConfig } from './blip.js';
export { regionClipPreset, blipPreset, mergeConfig, presetNames, type PresetName } from './presets.js';
export { pixelBatch, clampBox, CLIP_NORMALIZATION } from '../preprocess/index.js';
export { splitPairs } from './split.js';
export { planTrainingWorkers, trainingParamCount, withTrainingWorkers } from './workers.js';
