// PLACEHOLDER until the store/importers land in this file (issue 3 helper replaces it wholesale).
import { ApiError } from '../errors.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';

type DatasetMethods = 'datasets.list' | 'datasets.get' | 'datasets.errors' | 'datasets.import' | 'datasets.importShapes' | 'datasets.previewMasks' | 'samples.query' | 'samples.get' | 'samples.setFlag' | 'files.browse';

export function datasetsHandlers(_ctx: AppContext): Pick<ApiHandlers, DatasetMethods> {
  const unavailable = () => {
    throw new ApiError('unavailable', 'datasets are being built');
  };
  return {
    'datasets.list': () => [],
    'datasets.get': unavailable,
    'datasets.errors': unavailable,
    'datasets.import': unavailable,
    'datasets.importShapes': unavailable,
    'datasets.previewMasks': unavailable,
    'samples.query': unavailable,
    'samples.get': unavailable,
    'samples.setFlag': unavailable,
    'files.browse': unavailable,
  };
}
