// `ric edit`: one edited image per sample of a dataset into a result set. Each finished image lands
// with its row in one transaction; a sample whose source cannot be edited gets an error row naming
// the file and the job goes on. A re-run (same name, same settings) or a resumed job edits only the
// samples without an image. Cancel stops between steps; what was finished stays.
import type { EditDatasetParams, EditDatasetResult } from '../../../shared/api/edit.js';
import type { EditTarget } from '../../store/index.js';
import type { Editor } from '../../engine/pipelines/editor.js';
import { runCheckpointOf, sampleSeed, settingsDiffer } from '../edit-settings.js';
import { encodeEdited, setUpEdit, sourcePixels, storeEdited } from './edit.js';
import type { JobRunContext } from './runners.js';

const LIVE = ['queued', 'running', 'paused'];
const MAX_REPORTED_ERRORS = 1000;

export async function runDatasetEdit(ctx: JobRunContext, params: EditDatasetParams, codeVersion: string): Promise<EditDatasetResult> {
  const { store } = ctx;
  const started = performance.now();
  const dataset = store.datasets.summary(params.datasetId);
  if (!dataset) throw new Error(`dataset ${params.datasetId} not found`);
  const targets = store.results.editTargets(params.datasetId, { split: params.split, limit: params.limit });
  if (targets.length === 0) throw new Error(`dataset "${dataset.name}" has no samples${params.split ? ` in split ${params.split}` : ''} to edit`);

  // The set: found by name (a re-run fills it in) or made now.
  const existing = store.results.findByName(params.datasetId, params.name);
  if (existing && existing.origin !== 'edit') throw new Error(`result set "${params.name}" on "${dataset.name}" holds imported results; choose another name`);
  if (existing && existing.jobId !== null && existing.jobId !== ctx.jobId && existing.status === 'running' && LIVE.includes(store.jobs.get(existing.jobId)?.state ?? '')) {
    throw new Error(`result set "${params.name}" is being filled by job ${existing.jobId}`);
  }
  const done = existing ? store.results.doneSampleIds(existing.id) : new Set<number>();
  const remaining = targets.filter((t) => !done.has(t.id));
  const setup = await setUpEdit(ctx, params, Math.max(1, remaining.length), codeVersion);
  const { provenance } = setup;
  let setId: number;
  if (existing) {
    const differ = settingsDiffer(existing.provenance, provenance);
    if (differ.length) {
      throw new Error(`result set "${params.name}" on "${dataset.name}" was made with other settings (${differ.join(', ')}); choose another name or delete it`);
    }
    setId = existing.id;
    store.results.attachJob(setId, ctx.jobId, 'running', Math.max(existing.expected ?? 0, targets.length));
    ctx.log('info', `result set "${params.name}" (${setId}): ${done.size} of ${targets.length} samples already edited; editing ${remaining.length}`);
  } else {
    const method = params.method ?? (/magic\s*brush/i.test(provenance.modelFolder) ? 'MagicBrush' : 'InstructPix2Pix');
    setId = store.results.create({ datasetId: params.datasetId, name: params.name, method, origin: 'edit', jobId: ctx.jobId, ...runCheckpointOf(store, provenance.modelFolder), modelFolder: provenance.modelFolder, configSha256: provenance.configSha256, provenance, expected: targets.length });
    ctx.log('info', `result set "${params.name}" (${setId}) created: ${targets.length} samples, method ${method}`);
  }
  ctx.emit('results.changed', { datasetId: params.datasetId, resultSetId: setId });
  // Images made on another backend or worker count than the set's record say so in their row.
  const differs = existing && (existing.provenance['backend'] !== provenance.backend || existing.provenance['workers'] !== provenance.workers);
  const rowParams = differs ? { backend: provenance.backend, workers: provenance.workers } : {};

  let editor: Editor | null = null;
  const errors: EditDatasetResult['errors'] = [];
  let edited = 0;
  let finished = done.size;
  const total = targets.length;
  ctx.progress(finished, total, `${finished} of ${total} edited`);
  const editSeconds: number[] = [];

  const one = async (t: EditTarget) => {
    const seed = sampleSeed(params.seed, t.externalId);
    let source;
    try {
      const blob = store.blobs.get(t.sourceSha256);
      if (!blob) throw new Error(`source image ${t.sourceSha256} is missing from the blob store`);
      source = await sourcePixels(blob.file, setup.resolution);
    } catch (err) {
      const reason = `sample ${t.externalId}: ${(err as Error).message}`;
      store.results.putImage(setId, { sampleId: t.id, status: 'error', error: reason, seed, params: rowParams, jobId: ctx.jobId });
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ sampleId: t.id, externalId: t.externalId, reason });
      ctx.log('warn', reason);
      return;
    }
    const out = await editor!.edit(
      { source, prompt: t.instruction, seed, steps: params.steps, guidanceScale: params.guidanceScale, imageGuidanceScale: params.imageGuidanceScale, previewEvery: 0 },
      { signal: ctx.signal, onProgress: (step, n) => ctx.progress(finished, total, `sample ${t.externalId}: step ${step}/${n}`) },
    );
    const encoded = await encodeEdited(out.image);
    store.transaction(() => {
      const image = storeEdited(store, encoded);
      store.results.putImage(setId, { sampleId: t.id, status: 'done', image, size: image.size, seconds: out.seconds, seed, params: rowParams, jobId: ctx.jobId });
    });
    editSeconds.push(out.seconds);
    edited++;
    finished++;
    ctx.progress(finished, total, `${finished} of ${total} edited`);
    ctx.emit('results.changed', { datasetId: params.datasetId, resultSetId: setId });
  };

  // Up to `concurrency` samples in flight (one per tensor worker); the first failure stops new ones.
  let failure: unknown = null;
  try {
    editor = await setup.open();
    const queue = [...remaining];
    const lane = async () => {
      for (let t = queue.shift(); t && failure === null && !ctx.signal.aborted; t = queue.shift()) {
        try {
          await one(t);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: editor.concurrency }, lane));
  } catch (err) {
    failure ??= err;
  } finally {
    await editor?.dispose();
    const complete = failure === null && !ctx.signal.aborted;
    store.results.setStatus(setId, complete ? 'complete' : 'incomplete');
    ctx.emit('results.changed', { datasetId: params.datasetId, resultSetId: setId });
  }
  if (failure !== null) throw failure;
  if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  const seconds = (performance.now() - started) / 1000;
  const editTime = editSeconds.reduce((a, b) => a + b, 0);
  ctx.log('info', `${edited} edited, ${done.size} already there, ${errors.length} errors in ${seconds.toFixed(1)} s${edited ? ` (${(editTime / edited).toFixed(2)} s per edit)` : ''}`);
  return {
    mode: 'dataset',
    resultSetId: setId,
    name: params.name,
    total,
    edited,
    skipped: done.size,
    errors,
    seconds,
    imagesPerSecond: edited > 0 ? edited / seconds : null,
    backend: setup.backend,
    workers: setup.workers,
    layout: setup.layout,
  };
}
