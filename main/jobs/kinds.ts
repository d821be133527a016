// Job kinds as the queue sees them: which lane (GPU-bound or light), how their parameters are
// checked when queued, and their titles. The code that runs a kind lives in host/runners.ts.
import path from 'node:path';
import { z } from 'zod';
import { apiMethods, gpuJobKinds, type JobKind } from '../../shared/api/index.js';
import { captionGenerateArgsSchema } from '../../shared/api/captions.js';
import { issueSentence, plainIssueMessage } from '../../shared/api/wording.js';
import { defaultDatasetName } from '../data/import-runner.js';

export type Lane = 'gpu' | 'light';
export const laneOf = (kind: string): Lane => ((gpuJobKinds as readonly string[]).includes(kind) ? 'gpu' : 'light');
/** Light jobs that may run beside each other (and beside the one GPU-bound job). */
export const LIGHT_CONCURRENCY = 2;

export const importParamsSchema = z.union([
  apiMethods['datasets.import'].args,
  apiMethods['datasets.importShapes'].args.extend({ format: z.literal('shapes') }),
]);
export type ImportParams = z.output<typeof importParamsSchema>;


/** Training parameters the queue needs before the trainer sees them (the trainer checks the rest). */
export const trainParamsSchema = z
  .object({
    datasetId: z.number().int().positive(),
    name: z.string().min(1).max(200).optional(),
    seed: z.number().int().min(0).default(0),
    /** 'tiny': the trainers' small preset (ShapesEdit in minutes); config fields override it. */
    preset: z.enum(['tiny']).optional(),
    config: z.record(z.string(), z.unknown()).default({}),
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
  if (kind === 'import' && typeof value['path'] === 'string') value['path'] = path.resolve(value['path']);
  return value;
}

function schemaOf(kind: JobKind): z.ZodType {
  switch (kind) {
    case 'import':
      return importParamsSchema;
    case 'caption':
      // The Api's arguments; without `image` the host reads the captions setting.
      return captionGenerateArgsSchema;
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
  if (kind === 'caption') return `Captions (${String(params['kind'])})${on}`;
  if (kind.startsWith('train-')) return `Train ${kind.slice('train-'.length)}${on}`;
  return `${kind}${on}`;
}

export const isTrainingKind = (kind: string) => kind.startsWith('train-');
