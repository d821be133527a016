// The job kinds the host runs today: import (main/data) and caption (main/captions). Training
// kinds (Region-CLIP, BLIP) run the trainers of main/engine/training (host/training.ts).
import { EventHub } from '../../events/index.js';
import { readCaptionsConfig, vlmApiKeyFor } from '../../settings/index.js';
import { captionGenerateArgsSchema } from '../../../shared/api/captions.js';
import { importParamsSchema } from '../kinds.js';
import { registerRunner, type JobRunContext } from './runners.js';

/** An EventHub whose events go to main (the runners of main/data and main/captions take a hub). */
function forwardingHub(ctx: JobRunContext): EventHub {
  const hub = new EventHub();
  hub.subscribe((event, payload) => ctx.emit(event, payload as never));
  return hub;
}

registerRunner('import', async () => {
  const { startImport } = await import('../../data/import-runner.js');
  return {
    pausable: false,
    async run(ctx) {
      const spec = importParamsSchema.parse(ctx.params['spec'] ?? ctx.params);
      const running = startImport(ctx.store, forwardingHub(ctx), spec, ctx.signal, ctx.jobId);
      const report = await running.done;
      ctx.log('info', `${report.state}: ${report.imported} imported, ${report.skipped} skipped, ${report.errors.length} errors`);
      if (report.state === 'failed') throw new Error(report.error ?? 'import failed');
      return report;
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
        onWritten: () => ctx.emit('captions.changed', { datasetId: params.datasetId, kind: params.kind }),
      });
      ctx.log('info', `${report.written} written, ${report.fromCache} from cache, ${report.failed.length} failed, ${report.skipped} skipped`);
      return report;
    },
  };
});

registerRunner('train-regionclip', async () => (await import('./training.js')).trainingRunner('regionclip'));
registerRunner('train-blip', async () => (await import('./training.js')).trainingRunner('blip'));
registerRunner('train-editor', async () => (await import('./editor.js')).editorTrainingRunner());
