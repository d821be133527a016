// The engine's building blocks: every model composes these so its training ops stay on each
// backend's fast path (see README.md in this folder).
export { linear, batchMatMul, type LinearParams } from './linear.js';
export { layerNorm, type LayerNormParams } from './norm.js';
export { groupNorm } from './group-norm.js';
export { embedding } from './embedding.js';
export { gelu, quickGelu, geluTanh, silu, activation, type ActivationName } from './activations.js';
export { multiHeadAttention, scaledDotProductAttention, paddingMask, causalMask, MASKED, type AttentionParams } from './attention.js';
export { headwiseAttention } from './attention-heads.js';
export { patchEmbedding, conv1d, conv2d, conv2dWeightT, type Conv2dOptions } from './conv.js';
export { upsampleNearest2x, upsampleNearest } from './upsample.js';
export { timestepEmbedding, type TimestepEmbeddingOptions } from './timestep.js';
export { checkpoint } from './checkpoint.js';
export { fastWasmSlices } from './wasm-slice.js';
export { maxPool2d, avgPool2d, batchNorm, foldBatchNorm, type PoolOptions, type BatchNormParams } from './pool.js';
export { cropResizeBilinear, bilinearMatrix, type InclusiveBox } from './crop-resize.js';
