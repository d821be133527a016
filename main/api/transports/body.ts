// Reading a request body within bounds (issue 10): refused by its declared Content-Length before a
// byte is read; a body without one (chunked) is counted while it streams, and every chunk is
// scanned for nesting and number of values as it arrives (shared/api/bounds.ts), so the read
// stops — the rest never read, nothing buffered past the bound — at the first chunk that crosses
// one. Only then is it decoded (UTF-8 only, as JSON is: RFC 8259 §8.1) and parsed.
import type { IncomingMessage } from 'node:http';
import { formatBytes, JsonScanner, type Bounds, type BoundsViolation } from '../../../shared/api/index.js';

export type BodyResult =
  | { kind: 'ok'; json: unknown }
  | { kind: 'refused'; status: 400 | 413 | 415; violation: BoundsViolation }
  | { kind: 'aborted' };

const refuse = (status: 400 | 413 | 415, code: BoundsViolation['code'], message: string): BodyResult => ({ kind: 'refused', status, violation: { code, message } });

/** What the headers say before the body is read: a refusal, or null to go on reading. */
export function refuseByHeaders(req: IncomingMessage, limit: number): BodyResult | null {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (!/^\d{1,16}$/.test(length) || !Number.isSafeInteger(n)) return refuse(400, 'invalid_args', 'Content-Length is not a number');
    if (n > limit) return refuse(413, 'too_large', `the request body is ${formatBytes(n)}, over the limit of ${formatBytes(limit)}`);
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return refuse(415, 'invalid_args', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not accepted: send plain JSON`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(String(req.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return refuse(415, 'invalid_args', `charset ${JSON.stringify(charset.slice(0, 40))} is not accepted: JSON is UTF-8`);
  }
  return null;
}

/** Decodes and parses bytes already scanned: strict UTF-8, then JSON. */
export function decodeJson(bytes: Uint8Array, what: string): { ok: true; json: unknown } | { ok: false; violation: BoundsViolation } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, violation: { code: 'invalid_args', message: `${what} is not valid UTF-8` } };
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, violation: { code: 'invalid_args', message: `${what} is not JSON` } };
  }
}

export function readBoundedJson(req: IncomingMessage, bounds: Bounds): Promise<BodyResult> {
  const refused = refuseByHeaders(req, bounds.maxBytes);
  if (refused) return Promise.resolve(refused);
  const scanner = new JsonScanner(bounds, 'the request body');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (r: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      chunks.length = 0;
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      const violation = scanner.feed(chunk);
      if (violation) {
        // Stop here: the rest is never read (the caller answers and closes the connection).
        req.pause();
        settle({ kind: 'refused', status: violation.code === 'too_large' ? 413 : 400, violation });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      const decoded = decodeJson(Buffer.concat(chunks, scanner.bytes), 'the request body');
      settle(decoded.ok ? { kind: 'ok', json: decoded.json } : { kind: 'refused', status: 400, violation: decoded.violation });
    });
    req.once('error', () => settle({ kind: 'aborted' }));
    req.once('close', () => settle({ kind: 'aborted' }));
  });
}
