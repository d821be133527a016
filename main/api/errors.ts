import type { ApiErrorCode, ApiIssue } from '../../shared/api/index.js';

/** Thrown by handlers for an expected failure; becomes `{ ok: false, error }` for the caller. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError('not_found', `${what} not found`);
