// Edit accuracy on ShapesEdit, read off the scene graph (issue 18): did the editor make the edit the
// instruction asked for — the instructed colour (recolour, add), the shape gone (remove), at its new
// position (move), at its new size (resize)? Pixel errors against the target (PSNR, L1) say how close
// the edit is; this says whether it is the right edit, per sample, as a yes/no a table can average.
//
// The test, exactly (one rule for every edit kind, so that no kind is judged more kindly):
// 1. Classes. Each pixel of the edited image gets the class of its nearest colour (squared Euclidean
//    distance in 8-bit RGB; ties to the earlier class) among the 8 palette colours and the sample's
//    background colour and its lighter texture colour — both background colours are the one class
//    `background`. The edited image is first resized to the scene graph's frame (the source image's
//    size) with the preset's filter. The `before` and `after` graphs give each pixel its expected class
//    directly: the colour of the front-most shape covering it (shapes.ts' `covers`), else background.
//    (Classifying the rendered source and target gives exactly these maps; the tests check it.)
// 2. Parts. D = the pixels whose class differs between `before` and `after` — what the edit changes.
//    With V = the pixels where the edited shape is the front-most one in `after`:
//    - present = D ∩ V: where the shape must now be seen in its instructed colour (recolour: the whole
//      visible shape; add: the new shape; move: the new place; resize bigger: the grown ring);
//    - vacated = D \ V: where the shape must no longer be seen, and what `after` has there (background
//      or a shape behind) must show instead (remove: where it was; move: the old place; resize
//      smaller: the lost ring);
//    - kept = V \ D: the shape's pixels the edit does not change (the overlap of a move, the core of a
//      resize) — the shape must still be there.
// 3. A part passes when at least `minFraction` (0.5 in the `shapes` preset) of its pixels have the
//    class `after` gives them. The edit is **correct** when every non-empty part passes and present ∪
//    vacated is not empty; `score` is the mean over the non-empty changing parts (present, vacated) of
//    their agreeing share — a graded view of the same test.
// 4. A sample whose edit changes no pixel at this size (a shape hidden behind others, an added shape
//    over one of the same colour) has no score: nothing could tell a right edit from doing nothing.
//
// So the ground-truth target is correct with score 1 on every sample, and the unedited source scores 0
// on every changing part (its classes are `before`'s, which differ from `after`'s on all of D). What
// this test does not see — the rest of the scene kept intact — is the outside-the-mask PSNR / L1.
import { z } from 'zod';
import { resizeRgb, type ResampleFilter } from '../../shared/metrics/resample.js';
import { backgroundColours, backgrounds, covers, editOps, palette, shapeKinds, textures, type EditOp, type SceneGraph } from './shapes.js';

/** The palette's colour names in class order; class index `BACKGROUND` is the background. */
export const PALETTE_NAMES = Object.keys(palette);
export const BACKGROUND = PALETTE_NAMES.length;

const coord = z.number().finite().min(-4096).max(8192);
const shapeSchema = z.object({
  kind: z.enum(shapeKinds),
  colour: z.string().refine((c) => Object.hasOwn(palette, c), { message: `a palette colour (${PALETTE_NAMES.join(', ')})` }),
  cx: coord,
  cy: coord,
  r: z.number().finite().positive().max(4096),
});
const sceneSchema = z.object({
  background: z.object({ colour: z.string().refine((c) => Object.hasOwn(backgrounds, c), { message: `a background colour (${Object.keys(backgrounds).join(', ')})` }), texture: z.enum(textures) }),
  shapes: z.array(shapeSchema).max(256),
});
/** The part of a ShapesEdit sample's `meta` the test reads (shapes-source.ts writes it). */
export const shapesMetaSchema = z.object({
  sceneGraph: z.object({ before: sceneSchema, after: sceneSchema }),
  edit: z.object({ op: z.enum(editOps), shapeIndex: z.number().int().min(0).max(255) }),
});
export type ShapesMeta = z.infer<typeof shapesMetaSchema>;

/** The sample's meta as a ShapesEdit scene graph and edit, or an error naming the sample and the field. */
export function parseShapesMeta(meta: unknown, sampleId: string): ShapesMeta {
  const r = shapesMetaSchema.safeParse(meta);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`sample ${sampleId}: meta.${issue?.path.join('.') || ''} — ${issue?.message ?? 'invalid'} (edit accuracy needs a ShapesEdit scene graph: meta.sceneGraph {before, after} and meta.edit {op, shapeIndex})`);
  }
  const { before, after } = r.data.sceneGraph;
  const { op, shapeIndex: i } = r.data.edit;
  const inAfter = op !== 'remove';
  const inBefore = op !== 'add';
  if ((inBefore && i >= before.shapes.length) || (inAfter && i >= after.shapes.length)) {
    throw new Error(`sample ${sampleId}: meta.edit.shapeIndex ${i} names no shape of the ${inBefore && i >= before.shapes.length ? 'before' : 'after'} graph (${inBefore && i >= before.shapes.length ? before.shapes.length : after.shapes.length} shapes)`);
  }
  return r.data;
}

/** Each pixel's expected class under a graph (front-most covering shape's colour, else background), and which shape that is (−1: none). */
export function expectedClasses(g: SceneGraph, size: number): { classes: Uint8Array; front: Int16Array } {
  const classes = new Uint8Array(size * size).fill(BACKGROUND);
  const front = new Int16Array(size * size).fill(-1);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let k = g.shapes.length - 1; k >= 0; k--) {
        const s = g.shapes[k]!;
        if (covers(s, x, y)) {
          classes[y * size + x] = PALETTE_NAMES.indexOf(s.colour);
          front[y * size + x] = k;
          break;
        }
      }
  return { classes, front };
}

/** Each pixel's class: the nearest of the palette colours and the background's two colours. */
export function classifyPixels(data: ArrayLike<number>, pixels: number, background: string): Uint8Array {
  const [bg, lighter] = backgroundColours(background);
  const refs: { rgb: readonly number[]; cls: number }[] = [...PALETTE_NAMES.map((n, cls) => ({ rgb: palette[n]!, cls })), { rgb: bg, cls: BACKGROUND }, { rgb: lighter, cls: BACKGROUND }];
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let best = Infinity;
    for (const r of refs) {
      const d = (data[3 * p]! - r.rgb[0]!) ** 2 + (data[3 * p + 1]! - r.rgb[1]!) ** 2 + (data[3 * p + 2]! - r.rgb[2]!) ** 2;
      if (d < best) {
        best = d;
        out[p] = r.cls;
      }
    }
  }
  return out;
}

export interface EditPart {
  pixels: number;
  /** pixels whose class is the one `after` gives them */
  agree: number;
  fraction: number;
  pass: boolean;
}

export type ShapesEditCheck =
  | { op: EditOp; scored: true; correct: boolean; score: number; parts: Partial<Record<'present' | 'vacated' | 'kept', EditPart>> }
  | { op: EditOp; scored: false; reason: string };

export interface EditAccuracyOptions {
  minFraction: number;
  filter: ResampleFilter;
  antialias: boolean;
}

/**
 * The test of this file's header on one edited image (8-bit RGB, any size: resized to the scene's
 * `size` × `size` first). `meta` as parseShapesMeta returns it.
 */
export function checkShapesEdit(edited: { width: number; height: number; data: ArrayLike<number> }, meta: ShapesMeta, size: number, opts: EditAccuracyOptions): ShapesEditCheck {
  const { before, after } = meta.sceneGraph;
  const { op, shapeIndex } = meta.edit;
  const img = edited.width === size && edited.height === size ? edited : resizeRgb({ width: edited.width, height: edited.height, data: Float32Array.from(edited.data) }, size, size, opts.filter, opts.antialias);
  const got = classifyPixels(img.data, size * size, after.background.colour);
  const b = expectedClasses(before, size).classes;
  const a = expectedClasses(after, size);
  const parts = { present: { pixels: 0, agree: 0 }, vacated: { pixels: 0, agree: 0 }, kept: { pixels: 0, agree: 0 } };
  for (let p = 0; p < size * size; p++) {
    const changed = b[p] !== a.classes[p];
    const shape = op !== 'remove' && a.front[p] === shapeIndex;
    const part = changed ? (shape ? parts.present : parts.vacated) : shape ? parts.kept : null;
    if (!part) continue;
    part.pixels++;
    if (got[p] === a.classes[p]) part.agree++;
  }
  if (parts.present.pixels + parts.vacated.pixels === 0) return { op, scored: false, reason: `edit accuracy: the ${op} changes no pixel at ${size}×${size} (the shape is hidden, or lands on its own colour)` };
  const out: Partial<Record<keyof typeof parts, EditPart>> = {};
  for (const [k, v] of Object.entries(parts) as [keyof typeof parts, { pixels: number; agree: number }][]) {
    if (v.pixels === 0) continue;
    const fraction = v.agree / v.pixels;
    out[k] = { ...v, fraction, pass: fraction >= opts.minFraction };
  }
  const changing = [out.present, out.vacated].filter((x): x is EditPart => !!x);
  return { op, scored: true, correct: Object.values(out).every((x) => x.pass), score: changing.reduce((s, x) => s + x.fraction, 0) / changing.length, parts: out };
}
