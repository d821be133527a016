// Datasets and samples (issue 3): listing, facets, import jobs, mask-polarity preview, the browser's
// windowed queries, flags, and the engine-side folder browser for web mode's import picker. Imports
// run in the job queue's light engine host (main/jobs, issue 6), like `ric import`: main only creates
// the dataset row (so the answer carries its id) and queues the job.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseMask, previewDataUri } from '../../data/images.js';
import { activeImportJob, defaultDatasetName, ImportConflictError, importDataset, openSource, specOfDataset, type ImportSpec } from '../../data/import-runner.js';
import { maskOptionsFor, messageOf } from '../../data/source.js';
import type { AppContext } from '../context.js';
import { jobsApiError } from './jobs.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError, notFound } from '../errors.js';

type DatasetMethods =
  | 'datasets.list'
  | 'datasets.get'
  | 'datasets.resolve'
  | 'datasets.errors'
  | 'datasets.rename'
  | 'datasets.delete'
  | 'datasets.retryImport'
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
    // First use starts the queue, which marks jobs of processes that died as interrupted.
    const jobs = ctx.jobs;
    let datasetId: number;
    try {
      const target = importDataset(store, spec);
      datasetId = target.datasetId;
      const busy = target.existed ? activeImportJob(store, datasetId, target.name) : null;
      if (busy !== null) throw new ImportConflictError(`"${target.name}" is already being imported (job ${busy})`);
    } catch (err) {
      if (err instanceof ImportConflictError) throw new ApiError('conflict', err.message);
      throw err;
    }
    const before = store.datasets.state(datasetId)?.status;
    store.datasets.setStatus(datasetId, 'importing');
    let jobId: number;
    try {
      jobId = jobs.start('import', spec as unknown as Record<string, unknown>).id;
    } catch (err) {
      // Nothing was queued (a full disk, bad parameters): the dataset is not being imported.
      try {
        store.critical(() => store.datasets.setStatus(datasetId, before === 'ready' ? 'ready' : 'failed'));
      } catch {
        // The store cannot be written at all: the error below says why.
      }
      return jobsApiError(err);
    }
    // The dataset is known now, so its page can find this job (and its outcome) by id.
    store.jobs.update(jobId, { paramsPatch: { datasetId } });
    events.emit('dataset.changed', { datasetId });
    return { jobId, datasetId };
  };

  return {
    'datasets.list': () => store.datasets.list(),

    'datasets.get': ({ id }) => {
      const d = store.datasets.detail(id);
      if (d === undefined) throw notFound(`dataset ${id}`);
      return { ...d, lastImport: store.jobs.latestImport(id) ?? null };
    },

    'datasets.resolve': ({ ref }) => {
      const d = store.datasets.findByName(ref) ?? (/^\d+$/.test(ref) ? store.datasets.summary(Number(ref)) : undefined);
      if (d !== undefined) return d;
      const names = store.datasets.names();
      throw new ApiError('not_found', `no dataset "${ref}"${names.length ? `; datasets: ${names.slice(0, 20).join(', ')}` : ' (there are no datasets yet)'}`);
    },

    'datasets.errors': ({ id, limit, stage }) => {
      requireDataset(id);
      return store.datasets.errors(id, limit, stage);
    },

    'datasets.rename': ({ id, name }) => {
      const d = requireDataset(id);
      if (d.name === name) return d;
      if (d.status === 'importing') throw new ApiError('conflict', `"${d.name}" is being imported; rename it once the import has finished`);
      if (!store.datasets.rename(id, name)) throw new ApiError('conflict', `another dataset is already called "${name}"; choose another name`);
      events.emit('dataset.changed', { datasetId: id });
      return requireDataset(id);
    },

    'datasets.delete': ({ id, name }) => {
      const d = requireDataset(id);
      if (d.name !== name) throw new ApiError('conflict', `dataset ${id} is called "${d.name}", not "${name}": nothing was deleted`);
      const busy = store.jobs.activeOnDataset(id);
      if (busy.length > 0) {
        const list = busy.map((j) => `"${j.title}" (${j.state})`).join(', ');
        throw new ApiError('conflict', `"${d.name}" is in use by ${list}; cancel ${busy.length === 1 ? 'that job' : 'those jobs'} or wait for ${busy.length === 1 ? 'it' : 'them'} to finish, then delete it`);
      }
      const deleted = store.datasets.delete(id);
      if (deleted === undefined) throw notFound(`dataset ${id}`);
      // The rows are committed: only now do the freed blobs' files go (a crash here is finished by the sweep at start).
      const removedFiles = store.blobs.emptyTrash();
      events.emit('dataset.changed', { datasetId: id });
      return { name: deleted.name, samples: deleted.samples, freedBlobs: deleted.freedBlobs.length, removedFiles };
    },

    'datasets.retryImport': ({ id, path: newPath }) => {
      const d = requireDataset(id);
      if (d.status === 'ready' && newPath === undefined) throw new ApiError('failed_precondition', `"${d.name}" was imported completely; there is nothing to retry`);
      if (d.format === 'shapes' && newPath !== undefined) throw new ApiError('invalid_args', 'a generated ShapesEdit dataset has no path', [{ path: ['path'], message: 'not for ShapesEdit' }]);
      let source: string | undefined;
      if (newPath !== undefined) {
        source = requirePath(newPath);
        if (source !== d.sourcePath) {
          if (d.sampleCount > 0) {
            throw new ApiError('failed_precondition', `"${d.name}" already holds ${d.sampleCount} samples from ${d.sourcePath ?? 'its source'}; import the other path as a new dataset instead`);
          }
          store.datasets.setSource(id, source);
        }
      }
      let spec: ImportSpec;
      try {
        spec = specOfDataset(requireDataset(id), source);
      } catch (err) {
        if (err instanceof ImportConflictError) throw new ApiError('failed_precondition', err.message);
        throw err;
      }
      if (spec.format !== 'shapes') requirePath(spec.path);
      return start(spec);
    },

    'datasets.import': ({ format, path: p, name, options }) =>
      start({ format, path: requirePath(p), ...(name ? { name } : {}), options }),

    'datasets.importShapes': ({ name, count, seed, size }) => start({ format: 'shapes', count, seed, size, ...(name ? { name } : {}) }),

    'datasets.cancelImport': ({ jobId }) => {
      const row = store.jobs.get(jobId);
      if (row === undefined || row.kind !== 'import') throw notFound(`import job ${jobId}`);
      // Finished (the queue records the end when the host reports it), or not a queue job.
      if (store.jobs.queueMeta(jobId) === null || !['queued', 'running', 'paused'].includes(row.state)) return { jobId, cancelled: false };
      let state: string;
      try {
        state = ctx.jobs.cancel(jobId);
      } catch (err) {
        return jobsApiError(err);
      }
      if (state === 'cancelled') {
        // Cancelled while still queued: the host never ran it, so its dataset is not importing any more.
        const spec = (row.params as { spec?: ImportSpec }).spec;
        const d = spec ? store.datasets.findByName(defaultDatasetName(spec)) : undefined;
        if (d && d.status === 'importing') {
          store.datasets.setStatus(d.id, 'failed');
          events.emit('dataset.changed', { datasetId: d.id });
        }
      }
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
      const datasetId = store.samples.datasetOf(id);
      if (datasetId === undefined) throw notFound(`sample ${id}`);
      store.samples.setFlag(id, flagged);
      events.emit('dataset.changed', { datasetId });
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
