// The edit Api (issue 14): the pre-flight of a pipeline folder (parts and memory on the engine's
// backend), starting an edit job after that pre-flight — so a job that cannot fit, or a re-run
// with other settings into an existing result set, is refused before it is queued — and keeping an
// output of a finished Edit-view job into a result set.
import fs from 'node:fs';
import path from 'node:path';
import { editSingleResultSchema, type EditParams } from '../../../shared/api/edit.js';
import { runCheckpointOf, SEED_RULE, settingsDiffer, type PixelSettings } from '../../jobs/edit-settings.js';
import { readSettings } from '../../settings/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';
import { jobsApiError } from './jobs.js';

type EditMethods = Extract<keyof ApiHandlers, `edit.${string}`>;
const LIVE = ['queued', 'running', 'paused'];

export function editHandlers(ctx: AppContext): Pick<ApiHandlers, EditMethods> {
  /** The engine's backend once a job has started one; else the setting when it names one; else unknown (wasm assumed). */
  const backend = () => {
    const active = ctx.tensorBackend();
    if (active) return active;
    const chosen = readSettings(ctx.store.settings).tensorBackend;
    return chosen === 'auto' ? null : chosen;
  };
  const plan = async (model: string, resolution: number | undefined) => {
    // The engine's model code loads only when an edit is checked (the window never runs it).
    const { planEdit } = await import('../../engine/pipelines/preflight.js');
    return planEdit(path.resolve(model), { resolution, backend: backend() });
  };

  /** The settings an existing set must share for this dataset edit to fill it in. */
  const pixelSettings = async (p: Extract<EditParams, { mode: 'dataset' }>, resolution: number): Promise<PixelSettings> => {
    const { pipelineConfigHash } = await import('../../engine/pipelines/preflight.js');
    const { SCHEDULER_NAMES, readSchedulerConfig } = await import('../../engine/schedulers/index.js');
    const folder = path.resolve(p.model);
    return {
      modelFolder: folder,
      configSha256: pipelineConfigHash(folder).sha256,
      scheduler: p.scheduler ? SCHEDULER_NAMES[p.scheduler] : String(readSchedulerConfig(path.join(folder, 'scheduler')).raw['_class_name'] ?? 'unknown'),
      steps: p.steps,
      guidanceScale: p.guidanceScale,
      imageGuidanceScale: p.imageGuidanceScale,
      seed: p.seed,
      seedRule: SEED_RULE,
      resolution,
      instruction: 'sample',
    };
  };

  return {
    'edit.check': async ({ model, resolution }) => {
      const { editCheckOf } = await import('../../engine/pipelines/preflight.js');
      return editCheckOf(await plan(model, resolution));
    },

    'edit.start': async (params) => {
      const checked = await plan(params.model, params.resolution);
      if (checked.problems.length) throw new ApiError('failed_precondition', `${checked.folder}: cannot edit with this pipeline folder: ${checked.problems.join('; ')}`);
      // Memory is refused here only when the engine's backend is known: with none started yet the check
      // assumed wasm, and a GPU backend may well fit — the job's own pre-flight decides then.
      if (checked.memory?.layout === null && checked.backend.known) throw new ApiError('failed_precondition', `${checked.folder}: ${checked.memory.verdict}`);
      let resultSetId: number | null = null;
      if (params.mode === 'dataset') {
        const dataset = ctx.store.datasets.summary(params.datasetId);
        if (!dataset) throw new ApiError('not_found', `dataset ${params.datasetId} not found`);
        const existing = ctx.store.results.findByName(params.datasetId, params.name);
        if (existing) {
          if (existing.origin !== 'edit') throw new ApiError('conflict', `result set "${params.name}" on "${dataset.name}" holds imported results; choose another name`);
          const differ = settingsDiffer(existing.provenance, await pixelSettings(params, checked.resolution!));
          if (differ.length) throw new ApiError('conflict', `result set "${params.name}" on "${dataset.name}" was made with other settings (${differ.join(', ')}); choose another name or delete it`);
          if (existing.jobId !== null && existing.status === 'running' && LIVE.includes(ctx.store.jobs.get(existing.jobId)?.state ?? '')) {
            throw new ApiError('conflict', `result set "${params.name}" is being filled by job ${existing.jobId}`);
          }
          resultSetId = existing.id;
        }
      } else if (params.sampleId !== undefined) {
        if (!ctx.store.results.editTarget(params.sampleId)) throw new ApiError('not_found', `sample ${params.sampleId} not found`);
      } else {
        const file = path.resolve(params.imagePath!);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new ApiError('not_found', `${file}: no such image file`);
      }
      try {
        return { jobId: ctx.jobs.start('edit', params).id, resultSetId };
      } catch (err) {
        return jobsApiError(err);
      }
    },

    'edit.keep': ({ jobId, index, name, method, replace }) => {
      const job = ctx.store.jobs.get(jobId);
      if (!job) throw new ApiError('not_found', `job ${jobId} not found`);
      if (job.kind !== 'edit') throw new ApiError('invalid_args', `job ${jobId} is a ${job.kind} job, not an edit`);
      if (job.state !== 'completed') throw new ApiError('failed_precondition', `job ${jobId} is ${job.state}; only a finished edit's images can be kept`);
      const parsed = editSingleResultSchema.safeParse(job.result);
      if (!parsed.success) throw new ApiError('invalid_args', `job ${jobId} edited a dataset into a result set already; keep is for the Edit view's images`);
      const result = parsed.data;
      if (result.sampleId === null || result.datasetId === null) throw new ApiError('failed_precondition', 'this image was edited from a file, not a dataset sample: a result set holds the edits of a dataset\'s samples');
      const out = result.outputs.find((o) => o.index === index);
      if (!out) throw new ApiError('not_found', `job ${jobId} has no output ${index} (it has ${result.outputs.length})`);
      const image = ctx.store.results.imageRow(out.image.sha256);
      if (!image || !ctx.store.blobs.get(out.image.sha256)) throw new ApiError('failed_precondition', `the image of output ${index} is no longer stored (unkept outputs are collected after a while); run the edit again`);
      const existing = ctx.store.results.findByName(result.datasetId, name);
      if (existing && existing.origin !== 'edit') throw new ApiError('conflict', `result set "${name}" holds imported results; keep into another set`);
      const before = existing ? ctx.store.results.image(existing.id, result.sampleId) : undefined;
      if (before?.status === 'done' && !replace) throw new ApiError('conflict', `result set "${name}" already has an image for sample ${before.externalId}; keep with replace to swap it`);
      const params = { instruction: result.instruction, guidanceScale: out.guidanceScale, imageGuidanceScale: out.imageGuidanceScale, steps: result.steps, scheduler: result.scheduler, resolution: result.resolution, seed: out.seed, keptFromJob: jobId };
      const resultSetId = ctx.store.transaction(() => {
        const id =
          existing?.id ??
          ctx.store.results.create({
            datasetId: result.datasetId!,
            name,
            method: method ?? 'InstructPix2Pix',
            origin: 'edit',
            jobId,
            modelFolder: String(result.provenance['modelFolder'] ?? ''),
            ...runCheckpointOf(ctx.store, String(result.provenance['modelFolder'] ?? '')),
            configSha256: result.configSha256,
            provenance: { ...result.provenance, guidanceScale: out.guidanceScale, imageGuidanceScale: out.imageGuidanceScale, seed: out.seed },
            status: 'complete',
          });
        ctx.store.results.putImage(id, { sampleId: result.sampleId!, status: 'done', image, size: ctx.store.blobs.get(image.sha256)!.size, seconds: out.seconds, seed: out.seed, params, jobId });
        return id;
      });
      ctx.events.emit('results.changed', { datasetId: result.datasetId, resultSetId });
      return { resultSetId, sampleId: result.sampleId, created: existing === undefined, replaced: before?.status === 'done' };
    },
  };
}
