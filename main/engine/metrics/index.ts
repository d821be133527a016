// Evaluation metrics (README.md in this folder): presets in shared/metrics, backbones from model
// folders, per-sample scores, set-level aggregates (FID, IS).
export { createEvaluator, type Evaluator } from './evaluator.js';
export { createParallelEvaluator, planEvaluationWorkers, type ParallelEvaluator } from './parallel.js';
export { scoreSample, type SampleInput, type SampleScores, type RegionScores } from './score.js';
export { aggregateScores, type EvaluationAggregate } from './aggregate.js';
export { loadBackbones, disposeBackbones, checkModelFolders, MissingModelError, type Backbones, type ModelFolders, type LoadedModel, type FolderCheck } from './backbones.js';
export { featureMoments, frechetDistance, fidFromFeatures, cheaperRoute, type GaussianMoments, type FidResult } from './fid.js';
export { applyImageRule, blackOut, cropImage, insideRule, maskAt, maskBox, resizedSize, scaleBox } from './images.js';
export * from '../../../shared/metrics/index.js';
