// Serves the built renderer from a fixed index taken at start: a request path is only ever a key
// into that index, never joined onto a folder, so no client path reaches the disk.
import fs from 'node:fs';
import path from 'node:path';

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
