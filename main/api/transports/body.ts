// Reading a request body within a bound (issue 10): refused by its declared Content-Length before
// a byte is read, and a body without one (chunked) is counted while it streams and left unread
// past the bound, never buffered beyond it. UTF-8 only, as JSON is (RFC 8259 §8.1).
import type { IncomingMessage } from 'node:http';
import { formatBytes } from '../../../shared/api/index.js';

export type BodyResult =
  | { kind: 'ok'; text: string; bytes: number }
  | { kind: 'too_large'; message: string }
  | { kind: 'bad_encoding'; message: string }
  | { kind: 'aborted' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the headers say before the body is read: a refusal, or null to go on reading. */
export function refuseByHeaders(req: IncomingMessage, limit: number): BodyResult | null {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (!/^\d{1,16}$/.test(length) || !Number.isSafeInteger(n)) return { kind: 'bad_encoding', message: 'Content-Length is not a number' };
    if (n > limit) return { kind: 'too_large', message: `the request body is ${formatBytes(n)}, over the limit of ${formatBytes(limit)}` };
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return { kind: 'bad_encoding', message: `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not accepted: send plain JSON` };
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(String(req.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { kind: 'bad_encoding', message: `charset ${JSON.stringify(charset.slice(0, 40))} is not accepted: JSON is UTF-8` };
  }
  return null;
}

export function readBoundedBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const refused = refuseByHeaders(req, limit);
  if (refused) return Promise.resolve(refused);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (r: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop here: the rest is never read (the caller answers 413 and closes the connection).
        req.pause();
        chunks.length = 0;
        settle({ kind: 'too_large', message: `the request body is over the limit of ${formatBytes(limit)}` });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      const buffer = Buffer.concat(chunks, size);
      try {
        settle({ kind: 'ok', text: utf8.decode(buffer), bytes: size });
      } catch {
        settle({ kind: 'bad_encoding', message: 'the request body is not valid UTF-8' });
      }
    });
    req.once('error', () => settle({ kind: 'aborted' }));
    req.once('close', () => settle({ kind: 'aborted' }));
  });
}
