// Words for people (issue 17). The Api's errors keep their codes and field paths for programs; what
// a person reads is said here, once, for the window and the command line alike: schema problems in
// plain words instead of the schema library's ("Invalid input: expected string, received number"),
// field paths as the labels the screens use, and no method names or internal class names.
import type { z } from 'zod';
import { ApiCallError } from './contract.js';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

const TYPE_WORDS: Record<string, string> = {
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be a set of fields',
  bigint: 'must be a whole number',
};

const listOf = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/**
 * A zod error map (pass it as `safeParse(x, { error: plainIssueMessage })`): each problem in plain
 * words. Messages a schema sets itself (refinements) are kept.
 */
export const plainIssueMessage: z.core.$ZodErrorMap = (iss: RawIssue) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return TYPE_WORDS[iss.expected] ?? 'has the wrong kind of value';
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      return iss.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'string') return `must be at most ${max} characters long`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at most ${max} item${max === 1 ? '' : 's'}`;
      return iss.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return iss.values.length === 1 ? `must be ${listOf(iss.values)}` : `must be one of: ${listOf(iss.values)}`;
    case 'unrecognized_keys':
      return `has ${iss.keys.length === 1 ? 'a field' : 'fields'} this version does not know: ${iss.keys.join(', ')}`;
    case 'invalid_format':
      return 'is not in the expected form';
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return 'is not valid here';
    default:
      return undefined;
  }
};

/** The labels the screens give fields, by their path in an Api call's arguments. */
const FIELD_LABELS: Record<string, string> = {
  'vlm.baseUrl': 'VLM endpoint URL',
  'vlm.model': 'VLM model',
  'vlm.apiKey': 'VLM API key',
  'modelFolders.clip': 'CLIP model folder',
  'modelFolders.blip': 'BLIP model folder',
  'modelFolders.editor': 'Editor model folder',
  'modelFolders.dino': 'DINO model folder',
  baseUrl: 'VLM endpoint URL',
  endpoint: 'VLM endpoint URL',
  model: 'Model',
  apiKey: 'API key',
  tensorBackend: 'Tensor backend',
  theme: 'Theme',
  name: 'Name',
  path: 'Path',
  count: 'Number of samples',
  seed: 'Seed',
  size: 'Image size',
  'options.maskThreshold': 'Mask threshold',
  'options.maskPolarity': 'Mask polarity',
  concurrency: 'Requests in flight',
  text: 'Text',
  datasetId: 'Dataset',
  kind: 'Kind',
};

/** "modelFolders.clip" → "CLIP model folder"; an unknown path → its words ("max tokens"). */
export function fieldLabel(path: readonly (string | number)[]): string {
  const key = path.join('.');
  const known = FIELD_LABELS[key];
  if (known) return known;
  const words = path.map((p) => (typeof p === 'number' ? `#${p + 1}` : p.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase()));
  return words.join(' › ') || 'The request';
}

/** One sentence for a refused argument: "VLM endpoint URL: must be an http:// or https:// URL". */
export function issueSentence(issue: { path: readonly (string | number)[]; message: string }): string {
  return issue.path.length === 0 ? `The request ${issue.message}` : `${fieldLabel(issue.path)}: ${issue.message}`;
}

/**
 * What to tell a person about a failed call or action: the Api's own message (handlers word theirs
 * for people, the dispatcher words a bug), a refused field by its label, never a class name or stack.
 */
export function describeError(err: unknown): string {
  if (err instanceof ApiCallError) {
    if (err.code === 'invalid_args' && err.issues && err.issues.length > 0) return err.issues.map(issueSentence).join('; ');
    // The main side words every other message for people (a bug included: main/api/dispatcher.ts).
    return err.message;
  }
  if (err instanceof Error) return err.message || 'Something went wrong.';
  return String(err);
}

/** The problems of a refused call by field path ("vlm.baseUrl"), for messages next to form fields. */
export function fieldProblems(err: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (err instanceof ApiCallError && err.issues) {
    for (const i of err.issues) if (!out.has(i.path.join('.'))) out.set(i.path.join('.'), i.message);
  }
  return out;
}
