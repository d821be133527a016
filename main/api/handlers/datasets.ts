// Datasets and samples (issue 3): listing, facets, import jobs, mask-polarity preview, the browser's
// windowed queries, flags, and the engine-side folder browser for web mode's import picker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseMask, previewDataUri } from '../../data/images.js';
import { ImportConflictError, openSource, runningImport, startImport, type ImportSpec } from '../../data/import-runner.js';
import { maskOptionsFor, messageOf } from '../../data/source.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError, notFound } from '../errors.js';

type DatasetMethods =
  | 'datasets.list'
  | 'datasets.get'
  | 'datasets.errors'
  | 'datasets.import'
  | 'datasets.importShapes'
  | 'datasets.cancelImport'
  | 'datasets.previewMasks'
  | 'samples.query'
  | 'samples.get'
  | 'samples.setFlag'
  | 'files.browse';

/** Extensions the import picker shows besides folders. */
const IMPORTABLE = /\.(parquet|json|jsonl|csv)$/i;
/** How far the polarity preview looks for samples that have masks. */
const PREVIEW_SCAN_LIMIT = 64;

function requirePath(p: string): string {
  const resolved = path.resolve(p);
  if (!fs.existsSync(resolved)) throw new ApiError('not_found', `no such file or folder on the engine machine: ${resolved}`);
  return resolved;
}

export function datasetsHandlers(ctx: AppContext): Pick<ApiHandlers, DatasetMethods> {
  const { store, events } = ctx;
  const requireDataset = (id: number) => {
    const d = store.datasets.summary(id);
    if (d === undefined) throw notFound(`dataset ${id}`);
    return d;
  };
  const start = (spec: ImportSpec) => {
    try {
      const running = startImport(store, events, spec);
      // The job row carries the outcome; a bug in the runner is still logged rather than lost.
      running.done.catch((err: unknown) => process.stderr.write(`[import] job ${running.jobId}: ${messageOf(err)}\n`));
      events.emit('dataset.changed', { datasetId: running.datasetId });
      return { jobId: running.jobId, datasetId: running.datasetId };
    } catch (err) {
      if (err instanceof ImportConflictError) throw new ApiError('conflict', err.message);
      throw err;
    }
  };

  return {
    'datasets.list': () => store.datasets.list(),

    'datasets.get': ({ id }) => {
      const d = store.datasets.detail(id);
      if (d === undefined) throw notFound(`dataset ${id}`);
      return d;
    },

    'datasets.errors': ({ id, limit }) => {
      requireDataset(id);
      return store.datasets.errors(id, limit);
    },

    'datasets.import': ({ format, path: p, name, options }) =>
      start({ format, path: requirePath(p), ...(name ? { name } : {}), options }),

    'datasets.importShapes': ({ name, count, seed, size }) => start({ format: 'shapes', count, seed, size, ...(name ? { name } : {}) }),

    'datasets.cancelImport': ({ jobId }) => {
      const running = runningImport(jobId);
      if (running === undefined) {
        const known = store.db.prepare("SELECT 1 FROM jobs WHERE id = ? AND kind = 'import'").get(jobId);
        if (known === undefined) throw notFound(`import job ${jobId}`);
        return { jobId, cancelled: false };
      }
      running.cancel();
      return { jobId, cancelled: true };
    },

    'datasets.previewMasks': async ({ format, path: p, options, count }) => {
      const maskOptions = maskOptionsFor(format, options);
      let source;
      try {
        source = await openSource({ format, path: requirePath(p), options });
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError('failed_precondition', messageOf(err));
      }
      const out = [];
      const controller = new AbortController();
      let scanned = 0;
      for await (const item of source.items(controller.signal)) {
        if (out.length >= count || ++scanned > PREVIEW_SCAN_LIMIT) break;
        if (item.kind !== 'sample') continue;
        try {
          const s = await item.load();
          if (!s.source || !(s.mask instanceof Uint8Array)) continue;
          const mask = await normaliseMask(s.mask, maskOptions);
          out.push({
            sampleRef: item.ref,
            sourcePng: await previewDataUri(s.source),
            maskPng: await previewDataUri(mask.png),
            editFraction: mask.area / (mask.width * mask.height),
          });
        } catch {
          // A broken sample is the import report's business; the preview shows the next one.
        }
      }
      controller.abort();
      return out;
    },

    'samples.query': (q) => {
      requireDataset(q.datasetId);
      return store.samples.query(q);
    },

    'samples.get': ({ id }) => {
      const s = store.samples.get(id);
      if (s === undefined) throw notFound(`sample ${id}`);
      return s;
    },

    'samples.setFlag': ({ id, flagged }) => {
      const s = store.db.prepare<[number], { dataset_id: number }>('SELECT dataset_id FROM samples WHERE id = ?').get(id);
      if (s === undefined) throw notFound(`sample ${id}`);
      store.samples.setFlag(id, flagged);
      events.emit('dataset.changed', { datasetId: s.dataset_id });
      return { id, flagged };
    },

    'files.browse': ({ path: p }) => {
      const dir = path.resolve(p ?? os.homedir());
      let entries: fs.Dirent[];
      try {
        if (!fs.statSync(dir).isDirectory()) throw new ApiError('failed_precondition', `${dir} is not a folder`);
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new ApiError('not_found', `no such folder: ${dir}`);
        throw new ApiError('failed_precondition', `cannot list ${dir}: ${messageOf(err)}`);
      }
      const listed = entries
        .filter((e) => !e.name.startsWith('.'))
        .flatMap((e): { name: string; kind: 'dir' | 'file'; size: number | null }[] => {
          const full = path.join(dir, e.name);
          let isDir = e.isDirectory();
          let isFile = e.isFile();
          if (e.isSymbolicLink()) {
            try {
              const st = fs.statSync(full);
              isDir = st.isDirectory();
              isFile = st.isFile();
            } catch {
              return [];
            }
          }
          if (isDir) return [{ name: e.name, kind: 'dir', size: null }];
          if (isFile && IMPORTABLE.test(e.name)) {
            let size: number | null = null;
            try {
              size = fs.statSync(full).size;
            } catch {
              // Vanished between readdir and stat: still list it.
            }
            return [{ name: e.name, kind: 'file', size }];
          }
          return [];
        })
        .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const parent = path.dirname(dir);
      return { path: dir, parent: parent === dir ? null : parent, entries: listed };
    },
  };
}
