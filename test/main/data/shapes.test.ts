import { describe, expect, test } from 'vitest';
import { describeScene, fnv1a, generateShapesSample, mulberry32, renderScene, splitOf, type SceneGraph } from '../../../main/data/shapes.js';

describe('ShapesEdit generator', () => {
  test('is deterministic given the seed, and different seeds give different worlds', () => {
    const a = generateShapesSample(7, 12, 64);
    const b = generateShapesSample(7, 12, 64);
    expect(Buffer.from(a.source).equals(Buffer.from(b.source))).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
    expect(a.instruction).toBe(b.instruction);
    expect(a.after).toEqual(b.after);
    const other = Array.from({ length: 8 }, (_, i) => generateShapesSample(8, i, 64).instruction);
    const same = Array.from({ length: 8 }, (_, i) => generateShapesSample(7, i, 64).instruction);
    expect(other).not.toEqual(same);
  });

  test('the mask covers every pixel the edit changed (exact masks), and is not empty', () => {
    for (let i = 0; i < 200; i++) {
      const s = generateShapesSample(1, i, 48);
      let changedOutside = 0;
      let area = 0;
      for (let p = 0; p < 48 * 48; p++) {
        const diff = s.source[p * 3] !== s.target[p * 3] || s.source[p * 3 + 1] !== s.target[p * 3 + 1] || s.source[p * 3 + 2] !== s.target[p * 3 + 2];
        if (s.mask[p] === 255) area++;
        else if (diff) changedOutside++;
      }
      expect(changedOutside, `sample ${i} (${s.editType}) changed pixels outside its mask`).toBe(0);
      expect(area, `sample ${i} (${s.editType})`).toBeGreaterThan(0);
    }
  });

  test('every edit kind occurs, with instructions and region descriptions from the scene graph', () => {
    const samples = Array.from({ length: 300 }, (_, i) => generateShapesSample(3, i, 64));
    const kinds = new Set(samples.map((s) => s.editType));
    expect([...kinds].sort()).toEqual(['add', 'move', 'recolour', 'remove', 'resize']);
    const recolour = samples.find((s) => s.editType === 'recolour')!;
    const edited = recolour.after.shapes[recolour.edit.shapeIndex]!;
    expect(recolour.regionDescription).toBe(`a ${edited.colour} ${edited.kind}`);
    expect(recolour.instruction).toMatch(new RegExp(`^make the \\w+ ${edited.kind} ${edited.colour}$`));
    const removed = samples.find((s) => s.editType === 'remove')!;
    expect(removed.after.shapes.length).toBe(removed.before.shapes.length - 1);
    expect(removed.instruction).toMatch(/^remove the \w+ (circle|square|triangle)$/);
    const added = samples.find((s) => s.editType === 'add')!;
    expect(added.after.shapes.length).toBe(added.before.shapes.length + 1);
    for (const s of samples) expect(s.sceneDescription).toBe(describeScene(s.after, 64));
  });

  test('scene descriptions name every shape and the background', () => {
    const scene: SceneGraph = {
      background: { colour: 'grey', texture: 'striped' },
      shapes: [
        { kind: 'circle', colour: 'blue', cx: 10, cy: 10, r: 6 },
        { kind: 'square', colour: 'red', cx: 50, cy: 50, r: 12 },
      ],
    };
    expect(describeScene(scene, 64)).toBe('a large red square at the bottom right and a small blue circle at the top left on a grey striped background');
    expect(describeScene({ ...scene, shapes: [] }, 64)).toBe('an empty grey striped background');
    const rgb = renderScene(scene, 64);
    expect([...rgb.slice((10 * 64 + 10) * 3, (10 * 64 + 10) * 3 + 3)]).toEqual([40, 80, 220]);
  });

  test('the train/val split is ~90/10 and stable', () => {
    let val = 0;
    for (let i = 0; i < 5000; i++) if (splitOf(`shapes-${i}`) === 'val') val++;
    expect(val / 5000).toBeGreaterThan(0.07);
    expect(val / 5000).toBeLessThan(0.13);
    expect(splitOf('shapes-0000042')).toBe(splitOf('shapes-0000042'));
  });

  test('the PRNG and hash are the published algorithms', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c; mulberry32(0)'s first value is 0x6d2b79f5-mixed 0.26642920868471265.
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(mulberry32(0)()).toBeCloseTo(0.26642920868471265, 12);
  });
});
