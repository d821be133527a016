// The Edit view's job: one source (a dataset sample or an image file), one instruction, one image or
// the guidance grid of the InstructPix2Pix paper (every text scale × every image scale, one seed),
// with x̂0 previews as it goes. Outputs are stored as image blobs and listed in the job's result;
// keeping one into a result set is the Api's edit.keep.
import fs from 'node:fs';
import type { EditOutput, EditSingleParams, EditSingleResult } from '../../../shared/api/edit.js';
import type { Editor } from '../../engine/pipelines/editor.js';
import { encodeEdited, previewUri, setUpEdit, sourcePixels, storeEdited } from './edit.js';
import type { JobRunContext } from './runners.js';

export async function runSingleEdit(ctx: JobRunContext, params: EditSingleParams, codeVersion: string): Promise<EditSingleResult> {
  const { store } = ctx;
  let file: string;
  let sampleId: number | null = null;
  let datasetId: number | null = null;
  if (params.sampleId !== undefined) {
    const t = store.results.editTarget(params.sampleId);
    if (!t) throw new Error(`sample ${params.sampleId} not found`);
    const blob = store.blobs.get(t.sourceSha256);
    if (!blob) throw new Error(`sample ${t.externalId}: source image ${t.sourceSha256} is missing from the blob store`);
    file = blob.file;
    sampleId = t.id;
    datasetId = t.datasetId;
  } else {
    file = params.imagePath!;
    if (!fs.existsSync(file)) throw new Error(`${file}: not found`);
  }
  const cells = params.grid ? params.grid.text.flatMap((g) => params.grid!.image.map((gi) => [g, gi] as const)) : [[params.guidanceScale, params.imageGuidanceScale] as const];
  const setup = await setUpEdit(ctx, params, cells.length, codeVersion);
  const source = await sourcePixels(file, setup.resolution).catch((err: unknown) => {
    throw new Error(sampleId !== null ? `sample ${sampleId}: ${(err as Error).message}` : (err as Error).message);
  });
  const previewEvery = setup.layout === 'on-demand' ? 0 : params.previewEvery;
  if (setup.layout === 'on-demand' && params.previewEvery > 0) ctx.log('info', 'no live preview: the stages run on demand, and x̂0 decodes need the VAE beside the UNet');
  const total = cells.length * params.steps;
  const stepsDone = new Array<number>(cells.length).fill(0);
  const report = () => ctx.progress(stepsDone.reduce((a, b) => a + b, 0), total, cells.length > 1 ? `grid: ${stepsDone.filter((s) => s === params.steps).length} of ${cells.length} done` : undefined);
  report();
  let editor: Editor | null = null;
  const outputs: EditOutput[] = [];
  try {
    editor = await setup.open();
    const ed = editor;
    const settled = await Promise.allSettled(
      cells.map(async ([g, gi], index) => {
        const out = await ed.edit(
          { source, prompt: params.instruction, seed: params.seed, steps: params.steps, guidanceScale: g, imageGuidanceScale: gi, previewEvery },
          {
            signal: ctx.signal,
            onProgress: (step) => {
              stepsDone[index] = step;
              report();
            },
            onPreview: async (step, n, image) => ctx.emit('edit.preview', { jobId: ctx.jobId, index, step, total: n, png: await previewUri(image) }),
          },
        );
        const encoded = await encodeEdited(out.image);
        // An image row with nothing referring to it yet: edit.keep refers to it, or the blob sweep (issue 17) collects it.
        const image = store.transaction(() => {
          const stored = storeEdited(store, encoded);
          store.results.recordImage(stored);
          return stored;
        });
        const output: EditOutput = {
          index,
          image: { sha256: image.sha256, width: image.width, height: image.height, thumbSha256: image.thumbSha256 },
          guidanceScale: g,
          imageGuidanceScale: gi,
          seed: params.seed,
          seconds: out.seconds,
        };
        outputs.push(output);
        ctx.emit('edit.output', { jobId: ctx.jobId, ...output });
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await editor?.dispose();
  }
  outputs.sort((a, b) => a.index - b.index);
  ctx.log('info', `${outputs.length} image${outputs.length === 1 ? '' : 's'} in ${outputs.reduce((a, o) => a + o.seconds, 0).toFixed(1)} s of editing`);
  return {
    mode: 'single',
    sampleId,
    datasetId,
    instruction: params.instruction,
    steps: params.steps,
    scheduler: setup.provenance.scheduler,
    resolution: setup.resolution,
    outputs,
    grid: params.grid ?? null,
    configSha256: setup.provenance.configSha256,
    backend: setup.backend,
    workers: setup.workers,
    provenance: setup.provenance,
  };
}
