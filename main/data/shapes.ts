// ShapesEdit, the demo world (DESIGN.md §3): shapes on textured backgrounds, one edit per sample
// (recolour / remove / add / move / resize), an exact mask, and region and scene descriptions read
// off the scene graph. Pure and deterministic: sample i of seed s is the same bytes on every machine.

export const shapeKinds = ['circle', 'square', 'triangle'] as const;
export type ShapeKind = (typeof shapeKinds)[number];
export const textures = ['plain', 'striped', 'checkered', 'dotted'] as const;
export type Texture = (typeof textures)[number];
export const editOps = ['recolour', 'remove', 'add', 'move', 'resize'] as const;
export type EditOp = (typeof editOps)[number];

/** Named colours, far enough apart that a region description names exactly one. */
export const palette: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 40],
  purple: [140, 50, 180],
  orange: [245, 130, 20],
  white: [245, 245, 245],
  black: [20, 20, 20],
};
const colourNames = Object.keys(palette);
export const backgrounds: Readonly<Record<string, readonly [number, number, number]>> = {
  grey: [128, 128, 128],
  beige: [205, 190, 160],
  teal: [70, 130, 130],
  brown: [120, 85, 60],
};
const backgroundNames = Object.keys(backgrounds);

export interface Shape {
  kind: ShapeKind;
  colour: string;
  /** Centre and half-size in pixels. */
  cx: number;
  cy: number;
  r: number;
}

export interface SceneGraph {
  background: { colour: string; texture: Texture };
  /** Back to front: later shapes are drawn over earlier ones. */
  shapes: Shape[];
}

export interface ShapesEdit {
  op: EditOp;
  /** Index of the edited shape in `before.shapes` (for add: in `after.shapes`). */
  shapeIndex: number;
  detail: Record<string, string | number>;
}

export interface ShapesSample {
  externalId: string;
  split: 'train' | 'val';
  editType: EditOp;
  instruction: string;
  regionDescription: string;
  sceneDescription: string;
  inputCaption: string;
  before: SceneGraph;
  after: SceneGraph;
  edit: ShapesEdit;
  size: number;
  /** Interleaved RGB, size×size×3. */
  source: Uint8Array;
  target: Uint8Array;
  /** Single channel, 255 = edit (the union of the edited shape's pixels before and after). */
  mask: Uint8Array;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for scene layout. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string: a stable hash for seeding and for the train/val split. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic ~90/10 train/val split by hash of the sample's id. */
export function splitOf(externalId: string): 'train' | 'val' {
  return fnv1a(`split:${externalId}`) % 10 === 0 ? 'val' : 'train';
}

export function shapesExternalId(index: number): string {
  return `shapes-${String(index).padStart(7, '0')}`;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length) % items.length] as T;
}

function randomShape(rand: () => number, size: number, avoidColour?: string): Shape {
  const r = Math.max(3, Math.round(size * (0.1 + rand() * 0.1)));
  const colours = avoidColour === undefined ? colourNames : colourNames.filter((c) => c !== avoidColour);
  return {
    kind: pick(rand, shapeKinds),
    colour: pick(rand, colours),
    cx: r + Math.floor(rand() * Math.max(1, size - 2 * r)),
    cy: r + Math.floor(rand() * Math.max(1, size - 2 * r)),
    r,
  };
}

/** Whether shape `s` covers pixel (x, y) (its centre x + 0.5, y + 0.5): the rasteriser's one rule. */
export function covers(s: Shape, x: number, y: number): boolean {
  const px = x + 0.5 - s.cx;
  const py = y + 0.5 - s.cy;
  if (s.kind === 'circle') return px * px + py * py <= s.r * s.r;
  if (s.kind === 'square') return Math.abs(px) <= s.r && Math.abs(py) <= s.r;
  // Upright triangle inscribed in the square: apex at the top centre.
  if (py < -s.r || py > s.r) return false;
  const halfWidth = ((py + s.r) / (2 * s.r)) * s.r;
  return Math.abs(px) <= halfWidth;
}

function textureOn(t: Texture, x: number, y: number, size: number): boolean {
  const cell = Math.max(2, Math.round(size / 8));
  if (t === 'striped') return Math.floor((x + y) / cell) % 2 === 0;
  if (t === 'checkered') return (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0;
  if (t === 'dotted') return x % cell === Math.floor(cell / 2) && y % cell === Math.floor(cell / 2);
  return false;
}

/** A background's two colours: its own and the lighter one its texture is drawn in. */
export function backgroundColours(name: string): [readonly [number, number, number], readonly [number, number, number]] {
  const bg = backgrounds[name] ?? [128, 128, 128];
  return [bg, [Math.min(255, bg[0] + 35), Math.min(255, bg[1] + 35), Math.min(255, bg[2] + 35)]];
}

/** Rasterises a scene graph to interleaved RGB. */
export function renderScene(scene: SceneGraph, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const [bg, lighter] = backgroundColours(scene.background.colour);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let c: readonly [number, number, number] = bg;
      if (textureOn(scene.background.texture, x, y, size)) c = lighter;
      for (const s of scene.shapes) if (covers(s, x, y)) c = palette[s.colour] ?? c;
      const o = (y * size + x) * 3;
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
    }
  }
  return out;
}

function shapeMask(shapes: readonly (Shape | undefined)[], size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (shapes.some((s) => s !== undefined && covers(s, x, y))) out[y * size + x] = 255;
    }
  }
  return out;
}

const sizeWord = (s: Shape, size: number) => (s.r >= size * 0.16 ? 'large ' : s.r <= size * 0.12 ? 'small ' : '');
const where = (s: Shape, size: number) => {
  const v = s.cy < size / 3 ? 'top' : s.cy > (2 * size) / 3 ? 'bottom' : 'middle';
  const h = s.cx < size / 3 ? 'left' : s.cx > (2 * size) / 3 ? 'right' : 'centre';
  return v === 'middle' && h === 'centre' ? 'in the centre' : v === 'middle' ? `on the ${h}` : h === 'centre' ? `at the ${v}` : `at the ${v} ${h}`;
};

/** "a blue circle": what the paper's region description names (Eq. 6's crop). */
export function regionPhrase(s: Shape): string {
  return `a ${s.colour} ${s.kind}`;
}

/** The scene description: every shape, front-most first, with size and place, then the background. */
export function describeScene(scene: SceneGraph, size: number): string {
  const bg = `a ${scene.background.colour} ${scene.background.texture === 'plain' ? '' : `${scene.background.texture} `}background`;
  if (scene.shapes.length === 0) return `an empty ${bg.slice(2)}`;
  const parts = [...scene.shapes].reverse().map((s) => `a ${sizeWord(s, size)}${s.colour} ${s.kind} ${where(s, size)}`);
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return `${list} on ${bg}`;
}

/** Sample `index` of the ShapesEdit world with this seed, at size×size pixels. */
export function generateShapesSample(seed: number, index: number, size = 64): ShapesSample {
  const externalId = shapesExternalId(index);
  const rand = mulberry32(fnv1a(`${seed}:${index}`));
  const count = 1 + Math.floor(rand() * 3);
  const before: SceneGraph = {
    background: { colour: pick(rand, backgroundNames), texture: pick(rand, textures) },
    shapes: Array.from({ length: count }, () => randomShape(rand, size)),
  };
  const after: SceneGraph = { background: { ...before.background }, shapes: before.shapes.map((s) => ({ ...s })) };
  const op = pick(rand, editOps);
  let edit: ShapesEdit;
  let instruction: string;
  let regionDescription: string;
  let changed: (Shape | undefined)[];

  if (op === 'add') {
    const added = randomShape(rand, size);
    after.shapes.push(added);
    edit = { op, shapeIndex: after.shapes.length - 1, detail: { kind: added.kind, colour: added.colour } };
    instruction = `add ${regionPhrase(added)} ${where(added, size)}`;
    regionDescription = regionPhrase(added);
    changed = [added];
  } else {
    const i = Math.floor(rand() * before.shapes.length) % before.shapes.length;
    const old = before.shapes[i] as Shape;
    const target = after.shapes[i] as Shape;
    if (op === 'recolour') {
      const colour = pick(rand, colourNames.filter((c) => c !== old.colour));
      target.colour = colour;
      edit = { op, shapeIndex: i, detail: { from: old.colour, to: colour } };
      instruction = `make the ${old.colour} ${old.kind} ${colour}`;
      regionDescription = regionPhrase(target);
      changed = [old];
    } else if (op === 'remove') {
      after.shapes.splice(i, 1);
      edit = { op, shapeIndex: i, detail: { kind: old.kind, colour: old.colour } };
      instruction = `remove the ${old.colour} ${old.kind}`;
      regionDescription = `the ${before.background.colour} background where ${regionPhrase(old)} was`;
      changed = [old];
    } else if (op === 'move') {
      const moved = randomShape(rand, size);
      target.cx = moved.cx;
      target.cy = moved.cy;
      edit = { op, shapeIndex: i, detail: { fromX: old.cx, fromY: old.cy, toX: target.cx, toY: target.cy } };
      instruction = `move the ${old.colour} ${old.kind} ${where(target, size).replace(/^(at|on|in) the /, 'to the ')}`;
      regionDescription = regionPhrase(target);
      changed = [old, target];
    } else {
      const grow = rand() < 0.5 || old.r < 5;
      target.r = Math.max(3, Math.round(old.r * (grow ? 1.5 : 0.6)));
      edit = { op, shapeIndex: i, detail: { fromR: old.r, toR: target.r } };
      instruction = `make the ${old.colour} ${old.kind} ${grow ? 'bigger' : 'smaller'}`;
      regionDescription = `a ${grow ? 'larger' : 'smaller'} ${old.colour} ${old.kind}`;
      changed = [old, target];
    }
  }
  return {
    externalId,
    split: splitOf(externalId),
    editType: op,
    instruction,
    regionDescription,
    sceneDescription: describeScene(after, size),
    inputCaption: describeScene(before, size),
    before,
    after,
    edit,
    size,
    source: renderScene(before, size),
    target: renderScene(after, size),
    mask: shapeMask(changed, size),
  };
}
