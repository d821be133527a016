// The tiny editor's pixel-space pipeline folder (issue 15's `tiny` preset: `"vae": [null, null]`, a
// UNet of 6 in / 3 out channels at 32 px, a word tokenizer, a random frozen CLIP text tower), written
// by the trainer's own writeTinyPipeline with seeded random weights — the same layout
// `node scripts/train-base-editor.mjs --export` ships (exportPipeline copies this folder and swaps in
// the trained UNet), without the minute of training. Runs tfjs in the calling process (cpu backend).
import { editorPreset, parseEditorConfig, writeTinyPipeline } from '../../main/engine/training/editor/index.js';
import { generateShapesSample } from '../../main/data/shapes.js';

export async function makePixelPipeline(dir: string, seed = 0): Promise<string> {
  const tiny = parseEditorConfig(editorPreset('tiny'), 'tiny preset').tiny_pipeline!;
  // The trainer builds the word tokenizer over its pairs' instructions; ShapesEdit's are these words.
  const texts = Array.from({ length: 200 }, (_, i) => generateShapesSample(101, i, 32).instruction);
  return writeTinyPipeline(dir, tiny, texts, seed);
}
