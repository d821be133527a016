// Job kinds as the queue sees them: which lane (GPU-bound or light), how their parameters are
// checked when queued, and their titles. The code that runs a kind lives in host/runners.ts.
import path from 'node:path';
import { z } from 'zod';
import { apiMethods, gpuJobKinds, textFallbacks, trainingPresets, type JobKind } from '../../shared/api/index.js';
import { captionGenerateArgsSchema } from '../../shared/api/captions.js';
import { editParamsSchema } from '../../shared/api/edit.js';
import { issueSentence, plainIssueMessage } from '../../shared/api/wording.js';
import { defaultDatasetName } from '../data/import-runner.js';
import { evaluateJobParamsSchema } from '../evals/job.js';

export type Lane = 'gpu' | 'light';
export const laneOf = (kind: string): Lane => ((gpuJobKinds as readonly string[]).includes(kind) ? 'gpu' : 'light');
/** Light jobs that may run beside each other (and beside the one GPU-bound job). */
export const LIGHT_CONCURRENCY = 2;

export const importParamsSchema = z.union([
  apiMethods['datasets.import'].args,
  apiMethods['datasets.importShapes'].args.extend({ format: z.literal('shapes') }),
]);
export type ImportParams = z.output<typeof importParamsSchema>;

/** `ric import results`: a folder of a method's outputs into a result set (light lane). */
export const resultsImportParamsSchema = apiMethods['results.import'].args;
export type ResultsImportParams = z.output<typeof resultsImportParamsSchema>;


/** Training parameters the queue needs before the trainer sees them (the trainer checks the rest). */
export const trainParamsSchema = z
  .object({
    datasetId: z.number().int().positive(),
    name: z.string().min(1).max(200).optional(),
    seed: z.number().int().min(0).default(0),
    /** 'tiny': the trainers' small preset (ShapesEdit in minutes); 'paper': the paper's settings (the default); config fields override it. */
    preset: z.enum(trainingPresets).optional(),
    /** Approved captions only, or else the dataset's own descriptions (preflight.ts picks by format when absent). */
    textFallback: z.enum(textFallbacks).optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    /** The run's identity across stores: a cluster task's run takes its placeholder's (issue 19). */
    runUid: z.string().regex(/^[0-9a-f]{32}$/, 'must be a run uid (32 hex digits)').optional(),
  })
  .passthrough();
export type TrainParams = z.output<typeof trainParamsSchema>;

export class JobParamsError extends Error {
  override name = 'JobParamsError';
}

/** Checks and normalises parameters when a job is queued, so a bad one fails at once, not in the host. */
export function checkParams(kind: JobKind, params: Record<string, unknown>): Record<string, unknown> {
  const parsed = schemaOf(kind).safeParse(params, { error: plainIssueMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JobParamsError(`The ${kind} job was refused: ${issue ? issueSentence({ path: issue.path.map(String), message: issue.message }) : 'its settings are not valid'}`);
  }
  const value = parsed.data as Record<string, unknown>;
  if ((kind === 'import' || kind === 'import-results') && typeof value['path'] === 'string') value['path'] = path.resolve(value['path']);
  if (kind === 'edit') {
    if (typeof value['model'] === 'string') value['model'] = path.resolve(value['model']);
    if (typeof value['imagePath'] === 'string') value['imagePath'] = path.resolve(value['imagePath']);
  }
  return value;
}

function schemaOf(kind: JobKind): z.ZodType {
  switch (kind) {
    case 'import':
      return importParamsSchema;
    case 'import-results':
      return resultsImportParamsSchema;
    case 'edit':
      return editParamsSchema;
    case 'caption':
      // The Api's arguments; without `image` the host reads the captions setting.
      return captionGenerateArgsSchema;
    case 'evaluate':
      return evaluateJobParamsSchema;
    case 'train-regionclip':
    case 'train-blip':
    case 'train-editor':
      return trainParamsSchema;
    default:
      return z.record(z.string(), z.unknown());
  }
}

export function titleOf(kind: JobKind, params: Record<string, unknown>, datasetName: string | null): string {
  const on = datasetName ? ` on ${datasetName}` : '';
  if (kind === 'import') return `Import ${defaultDatasetName(params as ImportParams)}`;
  if (kind === 'edit') {
    if (params['mode'] === 'dataset') return `Edit "${String(params['name'])}"${on}`;
    const text = String(params['instruction'] ?? '');
    return `Edit: ${text.length > 60 ? `${text.slice(0, 57)}…` : text}${params['grid'] ? ' (guidance grid)' : ''}`;
  }
  if (kind === 'import-results') return `Import results "${String(params['name'])}"${on}`;
  if (kind === 'caption') return `Captions (${String(params['kind'])})${on}`;
  if (kind.startsWith('train-')) return `Train ${kind.slice('train-'.length)}${on}`;
  return `${kind}${on}`;
}

export const isTrainingKind = (kind: string) => kind.startsWith('train-');
