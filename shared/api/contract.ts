// The shape every feature area's part of the Api takes, and the envelope that crosses every
// transport. Transports move `{ method, args }` in and an `ApiResult` out; they know no feature.
import { z } from 'zod';

export interface MethodSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly args: A;
  readonly result: R;
  /** One line for `--help`-style listings and the docs. */
  readonly summary: string;
}

export function method<A extends z.ZodType, R extends z.ZodType>(
  args: A,
  result: R,
  summary: string,
): MethodSpec<A, R> {
  return { args, result, summary };
}

export type MethodTable = Record<string, MethodSpec>;
export type EventTable = Record<string, z.ZodType>;

/**
 * Error codes a caller can branch on. `internal` means a bug on the main side, never bad input;
 * `too_large` is input over a size bound (shared/api/bounds.ts), `invalid_args` any other bad input.
 */
export const apiErrorCodes = [
  'unknown_method',
  'invalid_args',
  'too_large',
  'not_found',
  'conflict',
  'failed_precondition',
  'unauthorized',
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export const apiIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ApiIssue = z.infer<typeof apiIssueSchema>;

export const apiErrorSchema = z.object({
  code: z.enum(apiErrorCodes),
  message: z.string(),
  issues: z.array(apiIssueSchema).optional(),
});
export type ApiErrorPayload = z.infer<typeof apiErrorSchema>;

export const apiResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
]);
export type ApiResult = z.infer<typeof apiResultSchema>;

export const apiCallSchema = z.object({
  method: z.string().min(1).max(200),
  args: z.unknown(),
});

/** Thrown by clients when a call came back with `ok: false`, so callers can `catch` by code. */
export class ApiCallError extends Error {
  readonly code: ApiErrorCode;
  readonly issues: ApiIssue[] | undefined;
  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiCallError';
    this.code = payload.code;
    this.issues = payload.issues;
  }
}

/** An event as it crosses a transport. */
export const apiEventEnvelopeSchema = z.object({
  event: z.string(),
  payload: z.unknown(),
});
export type ApiEventEnvelope = z.infer<typeof apiEventEnvelopeSchema>;
