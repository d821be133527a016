// The `edit` job in the engine host (issue 14): an InstructPix2Pix pipeline folder applied to a
// dataset's samples into a result set (edit-dataset.ts), or to one image with one instruction — one
// output or a guidance grid — for the Edit view (edit-single.ts). Both start here: the backend, the
// pre-flight (the folder part by part, then memory: resident, else the stages on demand, else refuse
// saying what fits), the tensor workers, and the images in and out.
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { editParamsSchema, type EditParams } from '../../../shared/api/edit.js';
import type { EditProvenance } from '../../../shared/api/results.js';
import { decodeImage } from '../../data/images.js';
import { readSettings } from '../../settings/index.js';
import type { NewImage, Store } from '../../store/index.js';
import type { Editor } from '../../engine/pipelines/editor.js';
import type { RgbPixels } from '../../engine/pipelines/edit-rgb.js';
import { SEED_RULE } from '../edit-settings.js';
import type { JobRunContext, JobRunner } from './runners.js';

/** Bytes a tensor worker needs besides the edit's own peak (its JS heap, tfjs, the wasm module). */
const WORKER_OVERHEAD = 400e6;

export interface EditSetup {
  /** Loads the pipeline (in-process) or starts the tensor workers. */
  open(): Promise<Editor>;
  provenance: EditProvenance;
  resolution: number;
  layout: 'resident' | 'on-demand';
  backend: string;
  workers: number;
}

/** Backend, pre-flight and editor for a job that will run `items` edits. Throws with every problem named. */
export async function setUpEdit(ctx: JobRunContext, params: EditParams, items: number, codeVersion: string): Promise<EditSetup> {
  const { initBackend, backendOptionsFromEnv } = await import('../../engine/backend.js');
  const tf = await import('@tensorflow/tfjs');
  const { planEdit, pipelineConfigHash } = await import('../../engine/pipelines/preflight.js');
  const { openEditor } = await import('../../engine/pipelines/editor.js');
  const { planWorkers } = await import('../../engine/parallel/index.js');
  const { SCHEDULER_NAMES, readSchedulerConfig } = await import('../../engine/schedulers/index.js');

  const report = await initBackend(backendOptionsFromEnv(process.env, readSettings(ctx.store.settings).tensorBackend));
  ctx.setEngine({ backend: report.active, memory: () => ({ ...tf.memory(), gpuBytes: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? null }) });
  const folder = path.resolve(params.model);
  const plan = planEdit(folder, { resolution: params.resolution, backend: report.active });
  if (plan.problems.length) throw new Error(`${folder}: cannot edit with this pipeline folder: ${plan.problems.join('; ')}`);
  const memory = plan.memory!;
  if (memory.layout === null) throw new Error(`${folder}: ${memory.verdict}`);
  const layout = memory.layout;
  ctx.log('info', `pre-flight: ${memory.verdict}`);
  const peak = (layout === 'resident' ? memory.resident : memory.onDemand).peak;
  const wp = planWorkers(params.workers ?? 'auto', tf.getBackend(), { memory: { perWorkerBytes: peak + WORKER_OVERHEAD, sharedBytes: 0 }, fallback: readSettings(ctx.store.settings).tensorWorkers });
  const workers = Math.max(1, Math.min(wp.workers, items));
  const why = workers < wp.workers ? `${wp.reason}; ${items} edit${items === 1 ? '' : 's'} to run` : wp.reason;
  const schedulerClass = params.scheduler ? SCHEDULER_NAMES[params.scheduler] : String(readSchedulerConfig(path.join(folder, 'scheduler')).raw['_class_name'] ?? 'unknown');
  const hash = pipelineConfigHash(folder);
  const open = () => openEditor({ folder, scheduler: params.scheduler ?? null, layout, workers, backend: workers > 1 ? wp.backend : null });
  const engine = workers > 1 ? `${report.active} × ${workers} workers` : report.active;
  ctx.log('info', `backend ${engine} (${why}); ${layout === 'resident' ? 'all parts resident' : 'stages on demand (one model at a time)'}; ${schedulerClass}, ${params.steps} steps, s_T ${params.guidanceScale}, s_I ${params.imageGuidanceScale}, ${plan.resolution}px`);
  const provenance: EditProvenance = {
    kind: 'edit',
    modelFolder: folder,
    configSha256: hash.sha256,
    configFiles: hash.files,
    weightFiles: hash.weights,
    scheduler: schedulerClass,
    schedulerName: params.scheduler ?? null,
    steps: params.steps,
    guidanceScale: params.guidanceScale,
    imageGuidanceScale: params.imageGuidanceScale,
    seed: params.seed,
    seedRule: params.mode === 'dataset' ? SEED_RULE : 'as given',
    resolution: plan.resolution!,
    instruction: params.mode === 'dataset' ? 'sample' : 'given',
    split: params.mode === 'dataset' ? (params.split ?? null) : null,
    limit: params.mode === 'dataset' ? (params.limit ?? null) : null,
    backend: report.active,
    workers,
    layout,
    codeVersion,
  };
  return { open, provenance, resolution: plan.resolution!, layout, backend: report.active, workers };
}

/** An image file as the edit's source: decoded, checked (RGB only — errors name the file), resized to `resolution` on its longer side. */
export async function sourcePixels(file: string, resolution: number): Promise<RgbPixels> {
  const { loadEditImage, imageTensorToRgb } = await import('../../engine/pipelines/image.js');
  const { editSize } = await import('../../engine/pipelines/preflight.js');
  let meta: Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (err) {
    throw new Error(`${file}: not a readable image (${(err as Error).message})`);
  }
  if (!meta.width || !meta.height) throw new Error(`${file}: the image has no size`);
  const t = await loadEditImage(file, { size: editSize(meta.width, meta.height, resolution) });
  try {
    return await imageTensorToRgb(t);
  } finally {
    t.dispose();
  }
}

/** An edited image stored as a PNG blob with its thumbnail (call inside the transaction of the row that refers to it). */
export async function encodeEdited(image: RgbPixels): Promise<{ png: Buffer; thumb: Uint8Array; image: Omit<NewImage, 'sha256' | 'thumbSha256'> }> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  const decoded = await decodeImage(png, 'edited image');
  return { png, thumb: decoded.thumb, image: { width: decoded.width, height: decoded.height, channels: 3, format: 'png' } };
}

export function storeEdited(store: Store, e: Awaited<ReturnType<typeof encodeEdited>>): NewImage & { size: number } {
  const blob = store.blobs.put(e.png, 'image/png');
  const thumb = store.blobs.put(e.thumb, 'image/webp');
  return { ...e.image, sha256: blob.sha256, thumbSha256: thumb.sha256, size: blob.size };
}

/** An x̂0 preview as a PNG data URI at most 256 px a side (the edit.preview event). */
export async function previewUri(image: RgbPixels): Promise<string> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export function editRunner(codeVersion: string): JobRunner {
  return {
    pausable: false,
    async run(ctx) {
      const params = editParamsSchema.parse(ctx.params);
      if (params.mode === 'dataset') return (await import('./edit-dataset.js')).runDatasetEdit(ctx, params, codeVersion);
      return (await import('./edit-single.js')).runSingleEdit(ctx, params, codeVersion);
    },
  };
}
