// ShapesEdit samples as trainer pairs, straight from the generator (the same bytes the importer
// stores): target image, tight mask box (Eq. 6), region and scene descriptions, split.
import { generateShapesSample } from '../../../../main/data/shapes.js';
import type { RegionPair, ScenePair } from '../../../../main/engine/training/index.js';
import { tightBox } from '../../../../shared/mask/ops.js';

export function shapesPairs(count: number, seed = 1, size = 64): { region: RegionPair[]; scene: ScenePair[] } {
  const region: RegionPair[] = [];
  const scene: ScenePair[] = [];
  for (let i = 0; i < count; i++) {
    const s = generateShapesSample(seed, i, size);
    const target = { width: size, height: size, data: s.target };
    const box = tightBox({ width: size, height: size, data: s.mask });
    scene.push({ id: s.externalId, split: s.split, target, text: s.sceneDescription });
    if (box) region.push({ id: s.externalId, split: s.split, target, box: { x: box.x, y: box.y, w: box.width, h: box.height }, text: s.regionDescription });
  }
  return { region, scene };
}
