// The editor's training (issue 15): the Region-in-Context step (Eq. 5–10), the loop, presets.
export { ablations, activeTerms, editorTrainingSchema, parseEditorConfig, type Ablation, type EditorTrainingConfig } from './config.js';
export { editorPreset, tinyBasePreset, tinyPipelineConfig, TINY_RESOLUTION } from './presets.js';
export { trainEditor, type EditorCallbacks, type EditorTrainingResult, type TrainEditorOptions } from './trainer.js';
export { type EditorPair, type GrayImage, type MaskSource, tightBox, conditioningDropout, drawStep, stepPairs } from './data.js';
export { editorLoss, encodePair, predictNoise, decodePrediction, towerPixels, regionTerms, globalTerms, type StepBatch, type EditorTowers, type LossWeights } from './step.js';
export { exportPipeline, loadEditorModels, writeTinyPipeline, modelIndexJson } from './models.js';
export { latestCheckpoint, readEditorState, checkpointDir, type EditorTrainerState } from './checkpoint.js';
export { editSamples, editMetrics, psnr, type EditedSample } from './validation.js';
export { EditorDataParallel, planEditorWorkers, editorUnetParams } from './parallel.js';
