// The results Api (issue 14): result sets per dataset — list, one with its provenance, its images
// page by page, one sample's images across sets, delete — and the import of a method's outputs
// (a job in the light lane, main/data/results).
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';
import { jobsApiError } from './jobs.js';

type ResultsMethods = Extract<keyof ApiHandlers, `results.${string}`>;

export function resultsHandlers(ctx: AppContext): Pick<ApiHandlers, ResultsMethods> {
  const repo = ctx.store.results;
  const requireSet = (id: number) => {
    const set = repo.get(id);
    if (!set) throw new ApiError('not_found', `result set ${id} not found`);
    return set;
  };
  return {
    'results.list': ({ datasetId }) => {
      if (!ctx.store.datasets.exists(datasetId)) throw new ApiError('not_found', `dataset ${datasetId} not found`);
      return repo.list(datasetId);
    },
    'results.get': ({ id }) => requireSet(id),
    'results.images': ({ id, status, offset, limit }) => {
      requireSet(id);
      return repo.images(id, { status, offset, limit });
    },
    'results.forSample': ({ sampleId }) => {
      if (!repo.editTarget(sampleId)) throw new ApiError('not_found', `sample ${sampleId} not found`);
      return repo.forSample(sampleId);
    },
    'results.delete': ({ id }) => {
      const set = requireSet(id);
      if (set.status === 'running' && set.jobId !== null && ctx.store.jobs.get(set.jobId)?.state === 'running') {
        throw new ApiError('conflict', `result set "${set.name}" is being filled by job ${set.jobId}; cancel the job first`);
      }
      const gone = repo.delete(id);
      if (!gone) throw new ApiError('not_found', `result set ${id} not found`);
      // The image blobs stay: blob collection that counts every reference arrives with dataset
      // deletion (issue 17); until then a deleted set's PNGs remain in blobs/ (content-addressed,
      // so an identical image kept elsewhere is never lost).
      ctx.events.emit('results.changed', { datasetId: gone.datasetId, resultSetId: id });
      return { id, name: gone.name, images: gone.images, blobsFreed: 0 };
    },
    'results.import': (args) => {
      if (!ctx.store.datasets.exists(args.datasetId)) throw new ApiError('not_found', `dataset ${args.datasetId} not found`);
      const dir = path.resolve(args.path);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(dir);
      } catch {
        throw new ApiError('not_found', `folder ${dir} does not exist`);
      }
      if (!stat.isDirectory()) throw new ApiError('invalid_args', `${dir} is not a folder`);
      const existing = repo.findByName(args.datasetId, args.name);
      if (existing && existing.origin !== 'import') {
        throw new ApiError('conflict', `result set "${args.name}" already holds ${existing.origin} results on this dataset; choose another name`);
      }
      try {
        return { jobId: ctx.jobs.start('import-results', { ...args, path: dir }).id };
      } catch (err) {
        return jobsApiError(err);
      }
    },
  };
}
