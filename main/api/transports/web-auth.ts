// Web mode's access token: random per start, required on every request and socket. Everything
// here reads attacker-controlled headers, so nothing here throws: a malformed cookie or header is
// simply not a token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The cookie's name carries the port. Cookies ignore ports, so two `ric serve` on one machine
 * would otherwise overwrite each other's token (the first then refuses its own page). The name is
 * not a defence against other local ports — any page on 127.0.0.1 can set or see the name of a
 * cookie; the Origin check and the required header in request-guard.ts are.
 */
export function tokenCookieName(port: number): string {
  return `ric_token_${port}`;
}

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison: both sides are hashed first so lengths never leak either. */
export function tokensEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Tokens are base64url; a cookie value is only ever compared, so percent-decoding is not needed. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,512}$/;

/**
 * Every value of the named cookie. A page on another local port can plant cookies for this host
 * (one with a longer Path is sent first), so the request is accepted if any of them is the token:
 * a planted cookie can neither crash the parse nor shadow the real one.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (typeof header !== 'string' || header.length === 0) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (TOKEN_SHAPE.test(value)) out.push(value);
    if (out.length >= 16) break;
  }
  return out;
}

export interface PresentedToken {
  via: 'header' | 'cookie' | 'query';
}

/**
 * Which way a request presents the right token — `Authorization: Bearer`, then the cookie, then
 * `?token=` — or undefined when none does. Every candidate is compared; none is trusted for shape.
 */
export function presentedToken(req: IncomingMessage, url: URL, token: string, cookieName: string): PresentedToken | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ') && tokensEqual(token, auth.slice(7).trim())) return { via: 'header' };
  for (const value of cookieValues(req.headers.cookie, cookieName)) {
    if (tokensEqual(token, value)) return { via: 'cookie' };
  }
  for (const value of url.searchParams.getAll('token').slice(0, 4)) {
    if (tokensEqual(token, value)) return { via: 'query' };
  }
  return undefined;
}
