// A caption job over a dataset (or a selection): bounded concurrency, a per-sample outcome
// (written / from cache / failed with its reason), cancellation, and resume by skipping samples that
// already have a caption from this template and model. A bad answer costs only its sample.
import type { CaptionFailure, CaptionJobReport, DescribedImage } from '../../shared/api/captions.js';
import { captionGenerateArgsSchema } from '../../shared/api/captions.js';
import type { CaptionsRepo, SampleRecord, Store } from '../store/index.js';
import { imageForCaption, SampleProblem } from './images.js';
import { createJobRow, JobTracker, markStaleJobsInterrupted, type JobProgress } from './progress.js';
import { TEMPLATE_CAPTIONER_MODEL, templateCaption } from './scene-graph.js';
import { fillTemplate, PromptTemplates, sha256Hex } from './templates.js';
import { DEFAULT_MAX_TOKENS, VlmAborted, VlmClient } from './vlm-client.js';
import type { z } from 'zod';

export type CaptionJobParams = z.output<typeof captionGenerateArgsSchema>;

/** Region descriptions are short: CLIP reads 77 tokens (DESIGN.md §1). */
export const DEFAULT_REGION_MAX_TOKENS = 77;

export interface CaptionJobOptions {
  apiKey?: string | undefined;
  image: DescribedImage;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** A batch of captions was written (the queue may refresh). */
  onWritten?: () => void;
  /** For tests: the backoff base of the client. */
  backoffBaseMs?: number;
}

export function jobTitle(p: CaptionJobParams, datasetName: string): string {
  const by = p.captioner === 'template' ? 'scene-graph template' : (p.model ?? '?');
  return `${p.kind} descriptions of ${datasetName} by ${by}`;
}

/** Validates the parameters, resolves the endpoint and model, and creates the `jobs` row. */
export function createCaptionJob(store: Store, params: CaptionJobParams): number {
  const datasetName = store.datasets.name(params.datasetId);
  if (datasetName === undefined) throw new SampleProblem(`dataset ${params.datasetId} not found`);
  if (params.captioner === 'vlm' && (!params.endpoint || !params.model)) {
    throw new SampleProblem('a VLM caption job needs an endpoint URL and a model name (Settings, VLM endpoint)');
  }
  markStaleJobsInterrupted(store);
  return createJobRow(store, jobTitle(params, datasetName), params as unknown as Record<string, unknown>);
}

export async function runCaptionJob(store: Store, jobId: number, params: CaptionJobParams, options: CaptionJobOptions): Promise<CaptionJobReport> {
  const started = performance.now();
  const repo = store.captions;
  const templates = new PromptTemplates(store.captionTemplates);
  const tracker = new JobTracker(store, jobId, options.onProgress ?? (() => undefined));
  const template = params.captioner === 'vlm' ? templates.current(params.kind) : null;
  const model = params.captioner === 'vlm' ? params.model! : TEMPLATE_CAPTIONER_MODEL;
  const report: CaptionJobReport = {
    jobId,
    datasetId: params.datasetId,
    kind: params.kind,
    captioner: params.captioner,
    model,
    templateVersion: template?.version ?? null,
    selected: 0,
    skipped: 0,
    written: 0,
    fromCache: 0,
    failed: [],
    cancelled: false,
    durationMs: 0,
  };
  try {
    const toCaption = selectSamples(store, repo, params, template?.id ?? null, model, report);
    tracker.start(toCaption.length, `${report.skipped} of ${report.selected} already done`);
    const client =
      params.captioner === 'vlm'
        ? new VlmClient({
            baseUrl: params.endpoint!,
            model,
            apiKey: options.apiKey,
            imageUrlForm: params.imageUrlForm,
            timeoutMs: params.timeoutMs,
            maxRetries: params.maxRetries,
            ...(options.backoffBaseMs !== undefined ? { backoffBaseMs: options.backoffBaseMs } : {}),
          })
        : null;
    const maxTokens = params.maxTokens ?? (params.kind === 'region' ? DEFAULT_REGION_MAX_TOKENS : DEFAULT_MAX_TOKENS);
    let next = 0;
    let lastWritten = 0;
    let faulted = false;
    const worker = async () => {
      while (next < toCaption.length && !options.signal?.aborted && !faulted) {
        const sample = toCaption[next++]!;
        try {
          if (client && template) {
            const cached = await captionWithVlm(store, repo, client, sample, params, template, options, maxTokens);
            if (cached) report.fromCache++;
            else report.written++;
          } else {
            const text = templateCaption(sample, params.kind);
            repo.insert({ sampleId: sample.id, kind: params.kind, text, source: 'template', model, author: 'ShapesEdit scene graph' });
            report.written++;
          }
        } catch (err) {
          if (err instanceof VlmAborted) break;
          // A full disk or a failing one is the job's failure, not this sample's (nor every next one's).
          if (store.fault(err) !== null) {
            faulted = true;
            throw err;
          }
          const failure: CaptionFailure = { sampleId: sample.id, externalId: sample.externalId, reason: err instanceof Error ? err.message : String(err) };
          report.failed.push(failure);
          store.datasets.addErrors(params.datasetId, jobId, 'caption', [{ sampleRef: sample.externalId, field: `caption.${params.kind}`, reason: failure.reason }]);
        }
        tracker.tick();
        if (Date.now() - lastWritten > 1000) {
          lastWritten = Date.now();
          options.onWritten?.();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(params.concurrency, Math.max(1, toCaption.length)) }, worker));
    report.cancelled = options.signal?.aborted === true;
    report.durationMs = performance.now() - started;
    // A job that described nothing did not work, whatever its count says: it fails, with the reason
    // of the first sample (usually the endpoint's, the same for every one) and what to do about it.
    if (!report.cancelled && report.failed.length > 0 && report.written + report.fromCache === 0) throw new CaptionJobFailed(report);
    const failedNote = report.failed.length > 0 ? `${report.failed.length} of ${toCaption.length} samples failed` : null;
    tracker.finish(report.cancelled ? 'cancelled' : 'completed', report, failedNote);
    options.onWritten?.();
    return report;
  } catch (err) {
    report.durationMs = performance.now() - started;
    const message = store.fault(err, 'job')?.message ?? (err instanceof Error ? err.message : String(err));
    try {
      store.critical(() => tracker.finish('failed', report, message));
    } catch {
      // The store cannot record it even from the reserve: the error below says why.
    }
    throw err;
  }
}

/** Every selected sample failed; the report (kept on the job) lists each one's reason. */
export class CaptionJobFailed extends Error {
  override name = 'CaptionJobFailed';
  constructor(readonly report: CaptionJobReport) {
    const first = report.failed[0]?.reason ?? 'unknown';
    const n = report.failed.length;
    // The endpoint's problems (the same for every sample) get the way to check it.
    const endpoint = /^(connection|HTTP \d|no answer within|the server answered|the answer is not)/.test(first);
    const hint = report.captioner === 'vlm' && endpoint ? ' Check the VLM endpoint (Settings, Test connection), then resume the job.' : '';
    super(`${n === 1 ? 'The one sample' : `All ${n} samples`} failed, so nothing was written. The first reason: ${first.replace(/[.\s]+$/, '')}.${hint}`);
  }
}

/** The dataset's samples in this job's selection, minus those resume (or onlyMissing) skips. */
function selectSamples(
  store: Store,
  repo: CaptionsRepo,
  params: CaptionJobParams,
  templateId: number | null,
  model: string,
  report: CaptionJobReport,
): SampleRecord[] {
  const rows = store.samples.records(params.datasetId, { split: params.split, editType: params.editType });
  const only = params.sampleIds ? new Set(params.sampleIds) : null;
  const selected = only ? rows.filter((r) => only.has(r.id)) : rows;
  const state = repo.captionState(params.datasetId, params.kind, {
    templateId,
    model,
    source: params.captioner === 'vlm' ? 'vlm' : 'template',
  });
  report.selected = selected.length;
  const toCaption = selected.filter((s) => {
    const current = state.current.get(s.id);
    if (state.done.has(s.id)) return false;
    if (params.onlyMissing && current) return false;
    // A person's work is never buried under a fresh machine version unless asked for.
    if (!params.includeReviewed && current && (current.status === 'approved' || current.source === 'human')) return false;
    return true;
  });
  report.skipped = selected.length - toCaption.length;
  return toCaption;
}

/** Returns true when the answer came from the cache. */
async function captionWithVlm(
  store: Store,
  repo: CaptionsRepo,
  client: VlmClient,
  sample: SampleRecord,
  params: CaptionJobParams,
  template: { id: number; text: string },
  options: CaptionJobOptions,
  maxTokens: number,
): Promise<boolean> {
  const image = await imageForCaption(store, sample, params.kind, options.image);
  const prompt = fillTemplate(template.text, { edit_prompt: sample.instruction });
  const promptSha256 = sha256Hex(prompt);
  const model = params.model!;
  const base = { sampleId: sample.id, kind: params.kind, source: 'vlm' as const, templateId: template.id, promptSha256, imageSha256: image.sha256, model };
  // The image the VLM saw (a crop, for region captions) is stored with the caption that names it.
  const storeImage = () => {
    if (!image.stored) store.blobs.put(image.bytes, image.mediaType);
  };
  const cached = repo.cacheGet(image.sha256, promptSha256, model);
  if (cached) {
    store.transaction(() => {
      storeImage();
      repo.insert({ ...base, text: cached.text, endpointModel: cached.endpointModel, sampling: { temperature: 0, max_tokens: maxTokens, cached: true }, durationMs: null });
    });
    return true;
  }
  const answer = await client.describe({ image: image.bytes, mediaType: image.mediaType, prompt, maxTokens, temperature: 0, signal: options.signal });
  store.transaction(() => {
    storeImage();
    repo.cacheAndInsert(
      { imageSha256: image.sha256, promptSha256, model, text: answer.text, endpointModel: answer.endpointModel },
      {
        ...base,
        text: answer.text,
        endpointModel: answer.endpointModel,
        sampling: { ...answer.sampling, image_url_form: answer.imageUrlForm, attempts: answer.attempts, finish_reason: answer.finishReason },
        durationMs: answer.durationMs,
      },
    );
  });
  return false;
}
