// The template captioner: for ShapesEdit the scene graph is known exactly, so the descriptions are
// rendered from it rather than asked of a VLM (the demo world needs no server). Its captions have
// source 'template' and model TEMPLATE_CAPTIONER_MODEL, and the UI labels them as such.
import { z } from 'zod';
import type { CaptionKind } from '../../shared/api/captions.js';
import { describeScene, regionPhrase, type SceneGraph, type Shape } from '../data/shapes.js';
import type { SampleRecord, Store } from '../store/index.js';
import { SampleProblem } from './images.js';

export const TEMPLATE_CAPTIONER_MODEL = 'template:shapes-scene-graph-v1';

const shapeSchema = z.object({
  kind: z.enum(['circle', 'square', 'triangle']),
  colour: z.string(),
  cx: z.number(),
  cy: z.number(),
  r: z.number(),
});
const graphSchema = z.object({
  background: z.object({ colour: z.string(), texture: z.enum(['plain', 'striped', 'checkered', 'dotted']) }),
  shapes: z.array(shapeSchema),
});
const editSchema = z.object({
  op: z.enum(['recolour', 'remove', 'add', 'move', 'resize']),
  shapeIndex: z.number().int().min(0),
  detail: z.record(z.string(), z.union([z.string(), z.number()])),
});
const sceneMetaSchema = z.object({ before: graphSchema, after: graphSchema, edit: editSchema, size: z.number().int().positive() });
export type ShapesSceneMeta = z.infer<typeof sceneMetaSchema>;

/**
 * The scene graph in a sample's meta. The ShapesEdit importer writes
 * `{ seed, index, sceneGraph: { before, after }, edit }`; the image size is the sample's width.
 * A flat `{ before, after, edit, size }` is read too.
 */
export function sceneMetaOf(sample: Pick<SampleRecord, 'meta' | 'externalId' | 'width'>): ShapesSceneMeta {
  const meta = sample.meta;
  if (meta === null) throw new SampleProblem(`sample ${sample.externalId}: meta is not JSON`);
  const graph = (typeof meta.sceneGraph === 'object' && meta.sceneGraph !== null ? meta.sceneGraph : {}) as Record<string, unknown>;
  const candidate = {
    before: meta.before ?? graph.before,
    after: meta.after ?? graph.after,
    edit: meta.edit ?? graph.edit,
    size: meta.size ?? graph.size ?? sample.width,
  };
  const parsed = sceneMetaSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SampleProblem(
    `sample ${sample.externalId} has no ShapesEdit scene graph in meta (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable'}); the template captioner only describes ShapesEdit samples`,
  );
}

/** What the edit changed, as the paper's short region description names it (Eq. 6's crop). */
export function regionFromGraph(g: ShapesSceneMeta): string {
  const { before, after, edit } = g;
  const shape = (graph: SceneGraph, i: number): Shape => {
    const s = graph.shapes[i];
    if (!s) throw new SampleProblem(`scene graph: edit.shapeIndex ${i} is outside the ${graph.shapes.length} shapes`);
    return s;
  };
  switch (edit.op) {
    case 'add':
      return regionPhrase(shape(after, edit.shapeIndex));
    case 'remove':
      return `the ${before.background.colour} background where ${regionPhrase(shape(before, edit.shapeIndex))} was`;
    case 'resize': {
      const old = shape(before, edit.shapeIndex);
      const now = shape(after, edit.shapeIndex);
      return `a ${now.r >= old.r ? 'larger' : 'smaller'} ${old.colour} ${old.kind}`;
    }
    default:
      return regionPhrase(shape(after, edit.shapeIndex));
  }
}

/** The exact description of the target scene (kind scene) or of the edited region (kind region). */
export function templateCaption(sample: Pick<SampleRecord, 'meta' | 'externalId' | 'width'>, kind: CaptionKind): string {
  const g = sceneMetaOf(sample);
  return kind === 'scene' ? describeScene(g.after, g.size) : regionFromGraph(g);
}

const FORMAT_WORDS: Record<string, string> = { humanedit: 'a HumanEdit dataset', magicbrush: 'a MagicBrush dataset', folder: 'a folder dataset', shapes: 'a ShapesEdit dataset' };

/**
 * Why the template captioner cannot describe a dataset, or null when it can: it renders ShapesEdit
 * scene graphs, so a dataset without them is refused when the job is queued, not sample by sample.
 */
export function templateCaptionerRefusal(store: Pick<Store, 'datasets' | 'samples'>, datasetId: number): string | null {
  const d = store.datasets.summary(datasetId);
  if (d === undefined) return null; // "not found" is said where the dataset is looked up
  const sample = store.samples.first(datasetId);
  if (sample === undefined) return `"${d.name}" has no samples yet, so there is nothing to describe.`;
  try {
    sceneMetaOf(sample);
    return null;
  } catch {
    return (
      `The template captioner writes descriptions from ShapesEdit scene graphs, and "${d.name}" is ${FORMAT_WORDS[d.format] ?? 'a dataset'} without them. ` +
      'Describe it with a VLM instead: set the VLM endpoint in Settings and choose the VLM captioner.'
    );
  }
}
