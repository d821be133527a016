// Web mode's access token: random per start, required on every request and socket.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'ric_token';

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison: both sides are hashed first so lengths never leak either. */
export function tokensEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface PresentedToken {
  token: string;
  via: 'header' | 'cookie' | 'query';
}

/** The token a request presents, by header, then cookie, then `?token=`. */
export function presentedToken(req: IncomingMessage, url: URL): PresentedToken | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'header' };
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined) return { token: cookie, via: 'cookie' };
  const query = url.searchParams.get('token');
  if (query !== null) return { token: query, via: 'query' };
  return undefined;
}
