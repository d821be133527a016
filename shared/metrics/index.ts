// Evaluation math and presets shared by the engine, the app and the renderer (no Node, no DOM).
export * from './presets.js';
export * from './stats.js';
export * from './inception-score.js';
export * from './pixels.js';
export * from './resample.js';
