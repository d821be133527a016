// Who may talk to web mode, decided from the request line and headers alone (issue 10). Three
// checks, each a different attack:
// - Host allow-list (every request and socket): DNS rebinding. A name the attacker owns that
//   resolves to 127.0.0.1 reaches us with `Host: attacker.name`; only loopback names, the address we
//   listen on and names given with `--allow-host` pass. IP literals cannot be rebound, so when we
//   listen on every interface (0.0.0.0, ::) any IP literal passes too.
// - Origin (every state-changing request and socket): a browser names the page that sent a POST or
//   opened a socket. A page on another port of 127.0.0.1 is "same site" — cookies ignore ports, so
//   SameSite does not stop it — but its Origin differs from ours in the port.
// - A request a cross-origin page cannot send (POST /api/call with the cookie): `X-RIC-Call: 1`
//   and `Content-Type: application/json`. Either makes a cross-origin fetch a CORS request with a
//   preflight, which we never approve; a form or a `no-cors` text/plain POST cannot carry them. A
//   call authorised by `Authorization: Bearer` needs neither: that header is itself one no other
//   origin can send, and it is never ambient.
// Sec-Fetch-Site, where a browser sends it, must say same-origin (or none: typed by the user).
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

export const CALL_HEADER = 'x-ric-call';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export interface HostPolicy {
  /** Lower-case host names (no port, IPv6 without brackets). */
  readonly names: ReadonlySet<string>;
  /** Listening on every interface: any IP literal is fine. */
  readonly anyIpLiteral: boolean;
}

export function hostPolicy(boundHost: string, allowHosts: readonly string[] = []): HostPolicy {
  const names = new Set(LOOPBACK_NAMES);
  const bound = stripBrackets(boundHost.toLowerCase());
  const wildcard = bound === '0.0.0.0' || bound === '::';
  if (!wildcard) names.add(bound);
  for (const h of allowHosts) names.add(stripBrackets(h.trim().toLowerCase()));
  return { names, anyIpLiteral: wildcard };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), or undefined if malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > 300) return undefined;
  const h = header.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1];
}

export function hostAllowed(req: IncomingMessage, policy: HostPolicy): boolean {
  const raw = req.headers.host;
  const name = hostName(typeof raw === 'string' ? raw : undefined);
  if (name === undefined) return false;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (policy.names.has(bare)) return true;
  return policy.anyIpLiteral && net.isIP(bare) !== 0;
}

/**
 * Whether the request comes from our own page (or from no page at all). A browser always sends
 * Origin on a POST and a socket; no Origin means a non-browser client (the CLI, curl, a test), which
 * still needs the token. Origin must name the same host and port the request was sent to; `null`
 * (sandboxed frames, file: pages) never passes.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  const host = req.headers.host;
  if (typeof host !== 'string') return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** POST /api/call must carry what no cross-origin page can send without our (never given) CORS approval. */
export function isApiCallRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  const mediaType = typeof type === 'string' ? type.split(';')[0]!.trim().toLowerCase() : '';
  return req.headers[CALL_HEADER] === '1' && mediaType === 'application/json';
}

/** Parses a request target; undefined where `new URL()` cannot (it throws on some request lines). */
export function parseTarget(target: string | undefined): URL | undefined {
  if (typeof target !== 'string' || target.length === 0 || target.length > 8192) return undefined;
  // Only origin-form targets ("/path?query"): an absolute-form target names another host.
  if (!target.startsWith('/')) return undefined;
  try {
    // Appended, not resolved: "//name/x" stays a path here instead of becoming a host.
    return new URL(`http://placeholder${target}`);
  } catch {
    return undefined;
  }
}

/** A Location for a redirect inside this server: never `//host/` (protocol-relative) or `/\host`. */
export function localLocation(url: URL): string {
  const path = '/' + url.pathname.replace(/^[/\\]+/, '');
  return path + (url.search.length > 1 ? url.search : '');
}
