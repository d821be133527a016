// The masks Api (shared/api/masks.ts) over MaskService; MaskError kinds become Api error codes.
import { MaskError, MaskService } from '../../data/masks/index.js';
import { assertDatasetReady, DatasetNotReadyError } from '../../data/readiness.js';
import { ProgressMeter } from '../../jobs/progress.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type MaskMethods = 'masks.sample' | 'masks.navigate' | 'masks.get' | 'masks.versions' | 'masks.save' | 'masks.restore' | 'masks.diff' | 'masks.previewImport' | 'masks.importFiles' | 'masks.export';

const CODES = { not_found: 'not_found', invalid: 'failed_precondition', conflict: 'conflict' } as const;

async function mapped<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MaskError) throw new ApiError(CODES[err.kind], err.message);
    if (err instanceof DatasetNotReadyError) throw new ApiError('failed_precondition', err.message);
    throw err;
  }
}

export function masksHandlers(ctx: AppContext): Pick<ApiHandlers, MaskMethods> {
  const masks = new MaskService(ctx.store);
  /** Throttled `masks.progress` events (at most 4 a second, and the last one). */
  const progress = (operation: 'import' | 'export', datasetId: number) => {
    const meter = new ProgressMeter(10_000);
    let last = 0;
    return (done: number, total: number) => {
      const now = Date.now();
      const { rate, etaSeconds } = meter.update(done, total, now);
      if (done < total && now - last < 250) return;
      last = now;
      ctx.events.emit('masks.progress', { operation, datasetId, done, total, rate, etaSeconds });
    };
  };
  const saved = (sampleId: number, version: number) => {
    const s = masks.repo.sample(sampleId);
    if (s) ctx.events.emit('mask.saved', { sampleId, datasetId: s.datasetId, version });
  };
  return {
    'masks.sample': (args) =>
      mapped(() => {
        const s = masks.repo.editorSample(args.sampleId);
        if (!s) throw new MaskError('not_found', `sample ${args.sampleId} not found`);
        return s;
      }),
    'masks.navigate': (args) =>
      mapped(() => {
        if (!ctx.store.datasets.exists(args.datasetId)) throw new MaskError('not_found', `dataset ${args.datasetId} not found`);
        return masks.repo.navigate(args.datasetId, args.fromSampleId, args.direction, args.filter);
      }),
    'masks.get': (args) => mapped(() => masks.get(args.sampleId, args.version)),
    'masks.versions': (args) =>
      mapped(() => {
        if (!masks.repo.sample(args.sampleId)) throw new MaskError('not_found', `sample ${args.sampleId} not found`);
        return masks.repo.versions(args.sampleId);
      }),
    'masks.save': (args) =>
      mapped(async () => {
        const v = await masks.save(args);
        saved(args.sampleId, v.version);
        return v;
      }),
    'masks.restore': (args) =>
      mapped(() => {
        const v = masks.restore(args);
        saved(args.sampleId, v.version);
        return v;
      }),
    'masks.diff': (args) => mapped(() => masks.diff(args.sampleId, args.from, args.to)),
    'masks.previewImport': (args) => mapped(() => masks.previewImport(args.datasetId, args.path, args.options, args.count)),
    'masks.importFiles': (args) =>
      mapped(async () => {
        const report = await masks.importFiles(args, progress('import', args.datasetId));
        ctx.events.emit('dataset.changed', { datasetId: args.datasetId });
        return report;
      }),
    'masks.export': (args) =>
      mapped(() => {
        // An export of a dataset still importing (or failed) would write a part as if it were all.
        if (ctx.store.datasets.exists(args.datasetId)) assertDatasetReady(ctx.store, args.datasetId, 'an export');
        return masks.exportMasks(args.datasetId, args.path, args.polarity, progress('export', args.datasetId));
      }),
  };
}
