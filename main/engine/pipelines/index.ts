// Editing pipelines (diffusers-style: an explicit loop per pipeline), the pipeline-folder loader, the
// memory estimator. See README.md in this folder for the API the app and the trainers use.
export { InstructPix2PixPipeline, EditCancelled, IP2P_DEFAULTS, checkImage, type EditOptions, type EditResult, type EditProgress, type Ip2pParts, type OnDemand } from './instruct-pix2pix.js';
export { loadInstructPix2Pix, type LoadPipelineOptions, type LoadedPipeline } from './load.js';
export { checkPipelineFolder, assertPipelineFolder, readModelIndex, PipelineFolderError, PIPELINE_PARTS, type ModelIndex, type PartCheck, type PipelinePart } from './folder.js';
export { estimateEditorMemory, WASM_HEAP_BYTES, type EditorMemoryQuery, type EditorMemoryEstimate } from './memory.js';
export { loadEditImage, saveEditImage, imageTensorToRgb, EditImageError, type EditImageOptions } from './image.js';
