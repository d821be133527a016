// Pure mask operations shared by the editor (renderer), the store side (main) and the tests.
export * from './types.js';
export * from './ops.js';
export * from './raster.js';
export * from './convert.js';
export * from './rle.js';
export * from './base64.js';
export * from './history.js';
