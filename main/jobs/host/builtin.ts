// The job kinds the host runs today: import (main/data), caption (main/captions) and evaluate
// (main/evals). Training
// kinds (Region-CLIP, BLIP) run the trainers of main/engine/training (host/training.ts).
import { EventHub } from '../../events/index.js';
import { appVersion } from '../../paths.js';
import { readCaptionsConfig, readSettings, vlmApiKeyFor } from '../../settings/index.js';
import { captionGenerateArgsSchema } from '../../../shared/api/captions.js';
import { importParamsSchema } from '../kinds.js';
import { JobFailedError, registerRunner, type JobRunContext } from './runners.js';

/** An EventHub whose events go to main (the runners of main/data and main/captions take a hub). */
function forwardingHub(ctx: JobRunContext): EventHub {
  const hub = new EventHub();
  hub.subscribe((event, payload) => ctx.emit(event, payload as never));
  return hub;
}

/**
 * An import that ends failed (or could not begin: the store refused its first write) leaves its
 * dataset `failed`, resumable, never `importing` — which would read as work in progress.
 */
function leaveImporting(ctx: JobRunContext, name: string): void {
  try {
    const d = ctx.store.datasets.findByName(name);
    if (d?.status === 'importing') ctx.store.critical(() => ctx.store.datasets.setStatus(d.id, 'failed'));
    if (d) ctx.emit('dataset.changed', { datasetId: d.id });
  } catch {
    // The store cannot be written even from the reserve: the job's own error says why.
  }
}

registerRunner('import', async () => {
  const { startImport, defaultDatasetName, ImportConflictError } = await import('../../data/import-runner.js');
  return {
    pausable: false,
    async run(ctx) {
      const spec = importParamsSchema.parse(ctx.params['spec'] ?? ctx.params);
      try {
        const running = startImport(ctx.store, forwardingHub(ctx), spec, ctx.signal, ctx.jobId);
        const report = await running.done;
        ctx.log('info', `${report.state}: ${report.imported} imported, ${report.skipped} skipped, ${report.errors.length} errors`);
        if (report.state === 'failed') throw new JobFailedError(report.error ?? 'import failed');
        return report;
      } catch (err) {
        // Another import writes that dataset: its state is that import's business.
        if (!(err instanceof ImportConflictError)) leaveImporting(ctx, defaultDatasetName(spec));
        throw err;
      }
    },
  };
});

registerRunner('caption', async () => {
  const { runCaptionJob } = await import('../../captions/index.js');
  return {
    pausable: false,
    async run(ctx) {
      const { image, ...params } = captionGenerateArgsSchema.parse(ctx.params);
      const report = await runCaptionJob(ctx.store, ctx.jobId, params, {
        // Only for the endpoint the key was saved for (settings/index.ts); the host inherits the
        // environment of the process that started it (`ric caption`, `ric serve`) for $RIC_VLM_API_KEY.
        apiKey: vlmApiKeyFor(ctx.store.settings, params.endpoint),
        image: image ?? readCaptionsConfig(ctx.store.settings).image,
        signal: ctx.signal,
        onProgress: (p) => ctx.emit('job.progress', p),
        onWritten: () => ctx.emit('captions.changed', { datasetId: params.datasetId, kind: params.kind, reason: 'job' }),
      });
      ctx.log('info', `${report.written} written, ${report.fromCache} from cache, ${report.failed.length} failed, ${report.skipped} skipped`);
      return report;
    },
  };
});

registerRunner('edit', async () => (await import('./edit.js')).editRunner(appVersion()));
registerRunner('import-results', async () => (await import('./results-import.js')).resultsImportRunner(appVersion()));
registerRunner('train-regionclip', async () => (await import('./training.js')).trainingRunner('regionclip'));
registerRunner('train-blip', async () => (await import('./training.js')).trainingRunner('blip'));

registerRunner('evaluate', async () => {
  const { runEvaluation, evaluateJobParamsSchema } = await import('../../evals/job.js');
  return {
    pausable: false,
    async run(ctx) {
      const params = evaluateJobParamsSchema.parse(ctx.params);
      const changed = () => ctx.emit('evals.changed', { evaluationId: params.evaluationId, resultSetId: params.resultSetId });
      return runEvaluation(ctx.store, params, {
        signal: ctx.signal,
        boundary: (step) => ctx.boundary(step),
        progress: (done, total, message) => ctx.progress(done, total, message),
        log: (level, message) => ctx.log(level, message),
        changed,
        modelFolders: readSettings(ctx.store.settings).modelFolders,
        workers: readSettings(ctx.store.settings).tensorWorkers,
        async initEngine() {
          const { initBackend, backendOptionsFromEnv } = await import('../../engine/backend.js');
          const tf = await import('@tensorflow/tfjs');
          const report = await initBackend(backendOptionsFromEnv(process.env, readSettings(ctx.store.settings).tensorBackend));
          ctx.setEngine({ backend: report.active, memory: () => ({ ...tf.memory(), gpuBytes: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? null }) });
          return report.active;
        },
      });
    },
  };
});

registerRunner('train-editor', async () => (await import('./editor.js')).editorTrainingRunner());
