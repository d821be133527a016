// The captions Api: review queue, versions, review actions, templates, jobs and the token budget.
import os from 'node:os';
import { captionGenerateArgsSchema, captionJobReportSchema, type CaptionKind } from '../../../shared/api/captions.js';
import {
  captionSample,
  CAPTION_JOB_KIND,
  jobArgs,
  markStaleJobsInterrupted,
  PromptTemplates,
  tokenBudget,
  unknownPlaceholders,
  type CaptionJobParams,
} from '../../captions/index.js';
import { JobNotFoundError, JobParamsError, JobStartError, JobStateError } from '../../jobs/index.js';
import type { JobRecord } from '../../store/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError, notFound } from '../errors.js';
import { readCaptionsConfig, readSettings, writeCaptionsConfig } from '../../settings/index.js';

type CaptionMethods = Extract<keyof ApiHandlers, `captions.${string}`>;

/**
 * Caption jobs run in the job queue's light lane (main/jobs: an engine host process), like imports;
 * `ric caption` queues one the same way (in its own app, on the same data folder).
 */
function start(ctx: AppContext, params: CaptionJobParams): { jobId: number } {
  if (!ctx.store.datasets.exists(params.datasetId)) throw notFound(`dataset ${params.datasetId}`);
  try {
    return { jobId: ctx.jobs.start('caption', params as unknown as Record<string, unknown>).id };
  } catch (err) {
    if (err instanceof JobParamsError) throw new ApiError('invalid_args', err.message);
    if (err instanceof JobStartError) throw new ApiError('failed_precondition', err.message);
    throw err;
  }
}

function captionJob(ctx: AppContext, jobId: number): JobRecord {
  const job = ctx.store.jobs.get(jobId);
  if (!job || job.kind !== CAPTION_JOB_KIND) throw notFound(`caption job ${jobId}`);
  return job;
}

function withDefaults(ctx: AppContext, args: CaptionJobParams): CaptionJobParams {
  if (args.captioner !== 'vlm') return args;
  const vlm = readSettings(ctx.store.settings).vlm;
  const endpoint = args.endpoint ?? vlm.baseUrl ?? undefined;
  const model = args.model ?? vlm.model ?? undefined;
  if (!endpoint || !model) {
    throw new ApiError('failed_precondition', 'no VLM endpoint or model: set them in Settings (VLM endpoint) or pass endpoint and model');
  }
  return { ...args, endpoint, model };
}

function datasetOfCaption(ctx: AppContext, sampleId: number): number {
  return ctx.store.samples.datasetOf(sampleId) ?? 0;
}

export function captionsHandlers(ctx: AppContext): Pick<ApiHandlers, CaptionMethods> {
  const repo = ctx.store.captions;
  const templates = new PromptTemplates(ctx.store.captionTemplates);
  const changed = (datasetId: number | undefined, kind: CaptionKind) => {
    if (datasetId !== undefined) ctx.events.emit('captions.changed', { datasetId, kind, reason: 'review' });
  };
  return {
    'captions.queue': (args) => repo.queue(args),
    'captions.get': (args) => {
      const sample = captionSample(ctx.store, args.sampleId, readCaptionsConfig(ctx.store.settings).image);
      if (!sample) throw notFound(`sample ${args.sampleId}`);
      return { sample, versions: repo.versions(args.sampleId, args.kind) };
    },
    'captions.review': (args) => {
      const caption = repo.byId(args.captionId);
      if (!caption) throw notFound(`caption ${args.captionId}`);
      let result;
      if (args.action === 'edit') {
        const text = args.text?.trim() ?? '';
        if (text === '') throw new ApiError('invalid_args', 'edit needs the corrected text (an empty caption cannot be approved)', [{ path: ['text'], message: 'required' }]);
        result = repo.insert({
          sampleId: caption.sampleId,
          kind: caption.kind,
          text,
          source: 'human',
          status: 'approved',
          parentId: caption.id,
          imageSha256: caption.imageSha256,
          author: args.author ?? os.userInfo().username,
        });
      } else {
        repo.setStatus([caption.id], args.action === 'approve' ? 'approved' : 'rejected');
        result = repo.byId(caption.id)!;
      }
      changed(datasetOfCaption(ctx, caption.sampleId), caption.kind);
      return result;
    },
    'captions.bulkCount': (args) => ({ count: repo.unapprovedIds(args.datasetId, args.kind, args.filter).length }),
    'captions.bulkApprove': (args) => {
      const ids = repo.unapprovedIds(args.datasetId, args.kind, args.filter);
      if (ids.length !== args.expectedCount) {
        throw new ApiError('conflict', `the filtered set changed: ${ids.length} captions would be approved, not ${args.expectedCount}; check the count and confirm again`);
      }
      repo.setStatus(ids, 'approved');
      changed(args.datasetId, args.kind);
      return { approved: ids.length };
    },
    'captions.templates': (args) => templates.list(args.kind),
    'captions.updateTemplate': (args) => {
      const unknown = unknownPlaceholders(args.text);
      if (unknown.length > 0) {
        throw new ApiError('invalid_args', `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; the only one is {edit_prompt}`, [
          { path: ['text'], message: 'unknown placeholder' },
        ]);
      }
      return templates.update(args.kind, args.text);
    },
    'captions.generate': (args) => start(ctx, withDefaults(ctx, args)),
    'captions.resume': (args) => {
      const row = captionJob(ctx, args.jobId);
      if (row.state === 'running' || row.state === 'queued' || row.state === 'paused') throw new ApiError('conflict', `job ${args.jobId} is still ${row.state}`);
      // A new queue job with the same arguments: samples finished by the old one are skipped, so it
      // picks up where that stopped, whether the queue or `ric caption` (maybe killed) ran it.
      markStaleJobsInterrupted(ctx.store);
      const params = captionGenerateArgsSchema.safeParse(jobArgs(row.params));
      if (!params.success) throw new ApiError('failed_precondition', `job ${args.jobId} has unreadable parameters`);
      return start(ctx, params.data);
    },
    'captions.cancel': (args) => {
      captionJob(ctx, args.jobId);
      if (ctx.store.jobs.queueMeta(args.jobId) === null) return { cancelled: false }; // an old `ric caption` run outside the queue: Ctrl-C there
      try {
        const state = ctx.jobs.cancel(args.jobId);
        return { cancelled: state !== 'completed' && state !== 'failed' };
      } catch (err) {
        if (err instanceof JobNotFoundError || err instanceof JobStateError) return { cancelled: false };
        throw err;
      }
    },
    'captions.job': (args) => {
      const r = captionJob(ctx, args.jobId);
      const job = { id: r.id, kind: r.kind, state: r.state, title: r.title, done: r.done, total: r.total, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt, error: r.error, message: r.message };
      const parsed = captionJobReportSchema.safeParse(r.result);
      return { job, params: (jobArgs(r.params) ?? {}) as Record<string, unknown>, report: parsed.success ? parsed.data : null };
    },
    'captions.tokens': (args) => {
      const folders = readSettings(ctx.store.settings).modelFolders;
      return args.readers.map((reader) => tokenBudget(args.text, reader, folders[reader]));
    },
    'captions.config': () => readCaptionsConfig(ctx.store.settings),
    'captions.setConfig': (args) => writeCaptionsConfig(ctx.store.settings, args),
  };
}
