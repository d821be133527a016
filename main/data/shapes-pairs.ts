// ShapesEdit as the editor's training pairs straight from the generator (no store): sample i of a
// seed is the same bytes everywhere, so the base editor's training data is its seed and a count, and
// a pair's images are drawn when the trainer asks for them. The descriptions are the scene graph's.
import type { EditorPair } from '../engine/training/editor/index.js';
import { generateShapesSample } from './shapes.js';

export function shapesEditorPairs(opts: { seed: number; count: number; size: number; first?: number }): EditorPair[] {
  const pairs: EditorPair[] = [];
  const first = opts.first ?? 0;
  for (let i = first; i < first + opts.count; i++) {
    // Instruction and split are needed up front (tokenizer vocabulary, split); images on demand.
    const head = generateShapesSample(opts.seed, i, opts.size);
    const image = (which: 'source' | 'target') => async () => ({ width: opts.size, height: opts.size, data: generateShapesSample(opts.seed, i, opts.size)[which] });
    pairs.push({
      id: head.externalId,
      split: head.split,
      source: image('source'),
      target: image('target'),
      mask: async () => ({ width: opts.size, height: opts.size, data: generateShapesSample(opts.seed, i, opts.size).mask }),
      instruction: head.instruction,
      regionText: head.regionDescription,
      sceneText: head.sceneDescription,
    });
  }
  return pairs;
}
