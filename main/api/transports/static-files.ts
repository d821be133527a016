// Serves the built renderer from a fixed index taken at start: a request path is only ever a key
// into that index, never joined onto a folder, so no client path reaches the disk.
import fs from 'node:fs';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

export interface StaticFile {
  file: string;
  type: string;
}

export function indexStaticFiles(root: string): Map<string, StaticFile> {
  const index = new Map<string, StaticFile>();
  if (!fs.existsSync(root)) return index;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const rel = '/' + path.relative(root, full).split(path.sep).join('/');
        index.set(rel, { file: full, type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream' });
      }
    }
  };
  walk(root);
  const indexHtml = index.get('/index.html');
  if (indexHtml) index.set('/', indexHtml);
  return index;
}

export type FileReadFailure = { status: 404 | 500; message: string };

/** A plain word for why a file could not be read, for the person looking at a broken image. */
export function describeReadError(err: unknown, what: string): FileReadFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 404, message: `${what} is missing from the data folder` };
  if (code === 'EACCES' || code === 'EPERM') return { status: 500, message: `${what} cannot be read: permission denied` };
  if (code === 'EISDIR') return { status: 500, message: `${what} is a folder, not a file` };
  return { status: 500, message: `${what} cannot be read (${code ?? 'I/O error'})` };
}

/**
 * Streams a file: headers are sent only once the file is open, so a file that vanished or cannot
 * be read is answered with a status and a plain word instead of a broken response; an error later
 * (or a client that goes away) ends the response and closes the file. Never throws.
 */
export function streamFile(
  res: ServerResponse,
  file: string,
  what: string,
  head: () => OutgoingHttpHeaders,
  fail: (failure: FileReadFailure, err: unknown) => void,
  bodyless = false,
): void {
  fs.open(file, 'r', (openErr, fd) => {
    if (openErr) {
      fail(describeReadError(openErr, what), openErr);
      return;
    }
    fs.fstat(fd, (statErr, stat) => {
      if (statErr || !stat.isFile()) {
        fs.close(fd, () => undefined);
        const err = statErr ?? Object.assign(new Error('not a file'), { code: 'EISDIR' });
        fail(describeReadError(err, what), err);
        return;
      }
      if (res.destroyed) {
        fs.close(fd, () => undefined);
        return;
      }
      res.writeHead(200, { ...head(), 'Content-Length': stat.size });
      if (bodyless || stat.size === 0) {
        fs.close(fd, () => undefined);
        res.end();
        return;
      }
      // The stream owns the descriptor from here (autoClose); pipeline ends both on any error.
      const stream = fs.createReadStream('', { fd, start: 0, end: stat.size - 1 });
      pipeline(stream, res, () => undefined);
    });
  });
}
