// The `import-results` job (light lane): main/data/results/import.ts with the job's progress, log,
// cancel and events.
import { resultsImportParamsSchema } from '../kinds.js';
import type { JobRunner } from './runners.js';

export function resultsImportRunner(codeVersion: string): JobRunner {
  return {
    pausable: false,
    async run(ctx) {
      const { importResults } = await import('../../data/results/import.js');
      const p = resultsImportParamsSchema.parse(ctx.params);
      const report = await importResults(ctx.store, {
        jobId: ctx.jobId,
        datasetId: p.datasetId,
        dir: p.path,
        name: p.name,
        method: p.method,
        codeVersion,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress(done, total),
        onChanged: (resultSetId) => ctx.emit('results.changed', { datasetId: p.datasetId, resultSetId }),
        log: (level, message) => ctx.log(level, message),
      });
      ctx.log('info', `${report.imported} imported, ${report.unchanged} unchanged, ${report.unmatched.length} unmatched, ${report.errors.length} refused`);
      return report;
    },
  };
}
