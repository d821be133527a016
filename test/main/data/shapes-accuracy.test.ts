// Edit accuracy from the scene graph (main/data/shapes-accuracy.ts) on generated ShapesEdit samples:
// the classes it reads off the graphs are exactly those of the rendered images, the ground-truth
// target passes every edit kind, the unedited source passes none, and plausible wrong edits (the
// wrong colour, the wrong place, the wrong way, a shape not removed but recoloured) fail.
import { describe, expect, it } from 'vitest';
import { BACKGROUND, checkShapesEdit, classifyPixels, expectedClasses, parseShapesMeta, PALETTE_NAMES, type ShapesMeta } from '../../../main/data/shapes-accuracy.js';
import { editOps, generateShapesSample, palette, renderScene, type EditOp, type SceneGraph, type ShapesSample } from '../../../main/data/shapes.js';
import { resizeRgb } from '../../../shared/metrics/resample.js';

const OPTS = { minFraction: 0.5, filter: 'bilinear', antialias: true } as const;
const SIZE = 32;
const samples: ShapesSample[] = Array.from({ length: 160 }, (_, i) => generateShapesSample(11, i, SIZE));
const metaOf = (s: ShapesSample): ShapesMeta => parseShapesMeta({ seed: 11, index: 0, sceneGraph: { before: s.before, after: s.after }, edit: s.edit }, s.externalId);
const img = (data: Uint8Array, size = SIZE) => ({ width: size, height: size, data });
const check = (s: ShapesSample, data: Uint8Array, size = SIZE) => checkShapesEdit(img(data, size), metaOf(s), SIZE, OPTS);
const clone = (g: SceneGraph): SceneGraph => JSON.parse(JSON.stringify(g)) as SceneGraph;
/** A palette colour other than the given ones. */
const otherColour = (...not: string[]) => PALETTE_NAMES.find((c) => !not.includes(c))!;

describe('ShapesEdit edit accuracy', () => {
  it('reads off the graphs exactly the classes of the rendered source and target', () => {
    for (const s of samples.slice(0, 40)) {
      expect(classifyPixels(s.source, SIZE * SIZE, s.before.background.colour)).toEqual(expectedClasses(s.before, SIZE).classes);
      expect(classifyPixels(s.target, SIZE * SIZE, s.after.background.colour)).toEqual(expectedClasses(s.after, SIZE).classes);
    }
    // A slightly off colour still takes its palette class; the texture's lighter colour is background.
    expect([...classifyPixels([225, 45, 35, 163, 163, 163], 2, 'grey')]).toEqual([PALETTE_NAMES.indexOf('red'), BACKGROUND]);
  });

  it('the target passes every edit kind; the unedited source passes none and agrees on no changed pixel', () => {
    const perOp = new Map<EditOp, { n: number; target: number; source: number }>();
    let unscored = 0;
    for (const s of samples) {
      const t = check(s, s.target);
      const src = check(s, s.source);
      if (!t.scored) {
        unscored++;
        expect(src.scored).toBe(false);
        continue;
      }
      const row = perOp.get(s.edit.op) ?? { n: 0, target: 0, source: 0 };
      row.n++;
      expect(t.score).toBe(1);
      if (t.correct) row.target++;
      if (!src.scored) throw new Error('unreachable');
      expect(src.score).toBe(0);
      for (const p of [src.parts.present, src.parts.vacated]) if (p) expect(p.agree).toBe(0);
      if (src.correct) row.source++;
      perOp.set(s.edit.op, row);
    }
    expect(unscored).toBeLessThan(samples.length / 10);
    expect([...perOp.keys()].sort()).toEqual([...editOps].sort());
    for (const [op, r] of perOp) {
      expect(r.n, op).toBeGreaterThanOrEqual(10);
      expect(r.target, op).toBe(r.n);
      expect(r.source, op).toBe(0);
    }
  });

  it('wrong edits fail: wrong colour, wrong place, wrong direction, recoloured instead of removed', () => {
    const wrong = (s: ShapesSample): SceneGraph => {
      const g = clone(s.after);
      const i = s.edit.shapeIndex;
      if (s.edit.op === 'recolour' || s.edit.op === 'add') g.shapes[i]!.colour = otherColour(s.after.shapes[i]!.colour, s.before.shapes[i]?.colour ?? '');
      else if (s.edit.op === 'remove') g.shapes.splice(i, 0, { ...s.before.shapes[i]!, colour: otherColour(s.before.shapes[i]!.colour) });
      else if (s.edit.op === 'move') {
        // Moved the other way: mirrored through the old position.
        const b = s.before.shapes[i]!;
        g.shapes[i] = { ...b, cx: 2 * b.cx - s.after.shapes[i]!.cx, cy: 2 * b.cy - s.after.shapes[i]!.cy };
      } else {
        // Resized the other way.
        const b = s.before.shapes[i]!;
        g.shapes[i] = { ...b, r: Math.max(1, Math.round(b.r * (s.after.shapes[i]!.r > b.r ? 0.5 : 1.6))) };
      }
      return g;
    };
    const failed = new Map<EditOp, { n: number; failed: number }>();
    for (const s of samples) {
      const c = check(s, renderScene(wrong(s), SIZE));
      if (!c.scored || !check(s, s.target).scored) continue;
      const r = failed.get(s.edit.op) ?? { n: 0, failed: 0 };
      r.n++;
      if (!c.correct) r.failed++;
      failed.set(s.edit.op, r);
    }
    for (const op of editOps) {
      const r = failed.get(op)!;
      // Colour and removal errors fail always; a mirrored move or an opposite resize that happens to
      // overlap the right place heavily could pass one part, so those allow a few.
      if (op === 'recolour' || op === 'add' || op === 'remove') expect(r.failed, op).toBe(r.n);
      else expect(r.failed / r.n, op).toBeGreaterThan(0.85);
    }
  });

  it('an edited image at another resolution is resized to the scene first: a downsampled target still passes', () => {
    const big = samples.slice(0, 60).map((s, i) => generateShapesSample(11, i, 64));
    let scored = 0;
    let correct = 0;
    for (const s of big) {
      const half = resizeRgb(img(s.target, 64), 32, 32, 'bilinear', true);
      const c = checkShapesEdit({ width: 32, height: 32, data: Uint8Array.from(half.data, (v) => Math.round(v)) }, metaOf(s), 64, OPTS);
      if (!c.scored) continue;
      scored++;
      if (c.correct) correct++;
      expect(checkShapesEdit(img(s.source, 64), metaOf(s), 64, OPTS)).toMatchObject({ correct: false });
    }
    expect(scored).toBeGreaterThan(50);
    expect(correct / scored).toBeGreaterThan(0.9);
  });

  it('a sample without a scene graph, or with an edit naming no shape, is named with the field', () => {
    expect(() => parseShapesMeta({}, 's1')).toThrow(/sample s1: meta\.sceneGraph/);
    expect(() => parseShapesMeta(null, 's1')).toThrow(/sample s1: meta/);
    const s = samples[0]!;
    const bad = { sceneGraph: { before: s.before, after: s.after }, edit: { ...s.edit, op: 'recolour', shapeIndex: 9 } };
    expect(() => parseShapesMeta(bad, 's2')).toThrow(/sample s2: meta\.edit\.shapeIndex 9 names no shape/);
    const badColour = { sceneGraph: { before: { ...s.before, shapes: [{ ...s.before.shapes[0]!, colour: 'mauve' }] }, after: s.after }, edit: s.edit };
    expect(() => parseShapesMeta(badColour, 's3')).toThrow(/meta\.sceneGraph\.before\.shapes\.0\.colour.*palette colour/);
    // Names that every object answers to are no colours.
    const protoColour = { sceneGraph: { before: { ...s.before, shapes: [{ ...s.before.shapes[0]!, colour: 'toString' }] }, after: s.after }, edit: s.edit };
    expect(() => parseShapesMeta(protoColour, 's4')).toThrow(/palette colour/);
    expect(Object.keys(palette)).toEqual(PALETTE_NAMES);
  });
});
