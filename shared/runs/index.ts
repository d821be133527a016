// What runs are called (shared by the CLI, the app and the renderer; no Node, no DOM).
export * from './label.js';
export * from './edits.js';
