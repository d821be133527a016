// The captions Api: review queue, versions, review actions, templates, jobs and the token budget.
import os from 'node:os';
import {
  captionGenerateArgsSchema,
  captionsConfigSchema,
  captionJobReportSchema,
  describedImageSchema,
  type CaptionKind,
  type CaptionsConfig,
  type DescribedImage,
} from '../../../shared/api/captions.js';
import {
  captionSample,
  CaptionsRepo,
  CAPTION_JOB_KIND,
  createCaptionJob,
  jobArgs,
  markStaleJobsInterrupted,
  runCaptionJob,
  SampleProblem,
  TemplatesRepo,
  tokenBudget,
  unknownPlaceholders,
  type CaptionJobParams,
} from '../../captions/index.js';
import type { Store } from '../../store/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError, notFound } from '../errors.js';
import { readSettings, readVlmApiKey } from './settings.js';

type CaptionMethods = Extract<keyof ApiHandlers, `captions.${string}`>;

const IMAGE_KEY = 'captions.image';

export function readCaptionsConfig(store: Store): CaptionsConfig {
  const image = describedImageSchema.safeParse(store.settings.get(IMAGE_KEY));
  return { image: image.success ? image.data : 'target' };
}

/** Jobs this process runs, so `captions.cancel` can reach them. */
const running = new WeakMap<AppContext, Map<number, AbortController>>();

function jobsOf(ctx: AppContext): Map<number, AbortController> {
  let jobs = running.get(ctx);
  if (!jobs) running.set(ctx, (jobs = new Map()));
  return jobs;
}

function start(ctx: AppContext, params: CaptionJobParams): { jobId: number } {
  let jobId: number;
  try {
    jobId = createCaptionJob(ctx.store, params);
  } catch (err) {
    if (err instanceof SampleProblem) throw new ApiError('failed_precondition', err.message);
    throw err;
  }
  const controller = new AbortController();
  const jobs = jobsOf(ctx);
  jobs.set(jobId, controller);
  const changed = () => ctx.events.emit('captions.changed', { datasetId: params.datasetId, kind: params.kind });
  void runCaptionJob(ctx.store, jobId, params, {
    apiKey: readVlmApiKey(ctx.store.settings),
    image: readCaptionsConfig(ctx.store).image,
    signal: controller.signal,
    onProgress: (p) => ctx.events.emit('job.progress', p),
    onWritten: changed,
  })
    .catch(() => undefined) // recorded on the job row as 'failed' with its message
    .finally(() => jobs.delete(jobId));
  return { jobId };
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
  return (ctx.store.db.prepare<[number], { dataset_id: number }>('SELECT dataset_id FROM samples WHERE id = ?').get(sampleId)?.dataset_id ?? 0);
}

export function captionsHandlers(ctx: AppContext): Pick<ApiHandlers, CaptionMethods> {
  const repo = new CaptionsRepo(ctx.store.db);
  const templates = new TemplatesRepo(ctx.store.db);
  const changed = (datasetId: number | undefined, kind: CaptionKind) => {
    if (datasetId !== undefined) ctx.events.emit('captions.changed', { datasetId, kind });
  };
  return {
    'captions.queue': (args) => repo.queue(args),
    'captions.get': (args) => {
      const sample = captionSample(ctx.store, args.sampleId, readCaptionsConfig(ctx.store).image);
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
      markStaleJobsInterrupted(ctx.store);
      const row = ctx.store.db.prepare<[number], { kind: string; state: string; params: string }>('SELECT kind, state, params FROM jobs WHERE id = ?').get(args.jobId);
      if (!row || row.kind !== CAPTION_JOB_KIND) throw notFound(`caption job ${args.jobId}`);
      if (row.state === 'running' || row.state === 'queued') throw new ApiError('conflict', `job ${args.jobId} is still ${row.state}`);
      const params = captionGenerateArgsSchema.safeParse(jobArgs(row.params));
      if (!params.success) throw new ApiError('failed_precondition', `job ${args.jobId} has unreadable parameters`);
      return start(ctx, params.data);
    },
    'captions.cancel': (args) => {
      const controller = jobsOf(ctx).get(args.jobId);
      if (!controller) return { cancelled: false };
      controller.abort(new Error('cancelled by the user'));
      return { cancelled: true };
    },
    'captions.job': (args) => {
      const job = ctx.store.jobs.list().find((j) => j.id === args.jobId && j.kind === CAPTION_JOB_KIND);
      if (!job) throw notFound(`caption job ${args.jobId}`);
      const row = ctx.store.db.prepare<[number], { params: string; result: string | null }>('SELECT params, result FROM jobs WHERE id = ?').get(args.jobId)!;
      const report = row.result ? captionJobReportSchema.safeParse(JSON.parse(row.result)) : null;
      return { job, params: (jobArgs(row.params) ?? {}) as Record<string, unknown>, report: report?.success ? report.data : null };
    },
    'captions.tokens': (args) => {
      const folders = readSettings(ctx.store.settings).modelFolders;
      return args.readers.map((reader) => tokenBudget(args.text, reader, folders[reader]));
    },
    'captions.config': () => readCaptionsConfig(ctx.store),
    'captions.setConfig': (args) => {
      const next = captionsConfigSchema.parse({ ...readCaptionsConfig(ctx.store), ...args });
      ctx.store.settings.putMany({ [IMAGE_KEY]: next.image satisfies DescribedImage });
      return next;
    },
  };
}
