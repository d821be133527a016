// `ric://app/...` serves the built renderer and `ric://blob/<sha256>` stored images. Like web
// mode, a request path is a key into a fixed index or a hash lookup, never a path on disk.
import fs from 'node:fs';
import type { Protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../api/transports/http.js';
import { indexStaticFiles } from '../api/transports/static-files.js';
import type { BlobStore } from '../store/index.js';
import { APP_SCHEME } from './security.js';

export const privilegedSchemes = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
];

export function registerAppProtocol(protocol: Protocol, rendererDir: string, blobs: BlobStore): void {
  const files = indexStaticFiles(rendererDir);
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    if (url.host === 'blob') {
      const blob = blobs.get(url.pathname.replace(/^\//, ''));
      if (!blob) return new Response('no such blob', { status: 404 });
      return new Response(fs.readFileSync(blob.file), { headers: { 'Content-Type': blob.mediaType } });
    }
    const file = url.host === 'app' ? files.get(url.pathname) : undefined;
    if (!file) return new Response('not found', { status: 404 });
    const headers: Record<string, string> = { 'Content-Type': file.type, 'X-Content-Type-Options': 'nosniff' };
    if (file.type.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
    return new Response(fs.readFileSync(file.file), { headers });
  });
}
