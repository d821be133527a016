// `ric://app/...` serves the built renderer and `ric://blob/<sha256>` stored images. Like web
// mode, a request path is a key into a fixed index or a hash lookup, never a path on disk. Every
// response carries the CSP and nosniff (errors too), and a file that cannot be read is answered
// with a status and a plain word, never a rejected promise.
import fs from 'node:fs';
import type { Protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../api/transports/http.js';
import { describeReadError, indexStaticFiles } from '../api/transports/static-files.js';
import type { BlobStore } from '../store/index.js';
import { APP_SCHEME } from './security.js';

export const privilegedSchemes = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
];

const BASE_HEADERS = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' };

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

async function fileResponse(file: string, what: string, type: string, log: (line: string) => void): Promise<Response> {
  try {
    return new Response(await fs.promises.readFile(file), { headers: { ...BASE_HEADERS, 'Content-Type': type } });
  } catch (err) {
    const f = describeReadError(err, what);
    log(`[ric://] ${f.message} (${(err as Error).message})`);
    return plain(f.status, f.message);
  }
}

export function registerAppProtocol(protocol: Protocol, rendererDir: string, blobs: BlobStore, log: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): void {
  const files = indexStaticFiles(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'bad request');
    }
    const method = (request.method as string | undefined) ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'method not allowed');
    if (url.host === 'blob') {
      const sha = url.pathname.replace(/^\//, '');
      const blob = blobs.get(sha);
      if (!blob) return plain(404, 'no such image in the blob store');
      return fileResponse(blob.file, `stored image ${sha.slice(0, 12)}`, blob.mediaType, log);
    }
    const file = url.host === 'app' ? files.get(url.pathname) : undefined;
    if (!file) return plain(404, 'not found');
    return fileResponse(file.file, `the app file ${url.pathname}`, file.type, log);
  });
}
