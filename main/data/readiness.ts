// A dataset feeds a job only when it is `ready`: one still importing (or whose import was killed)
// holds part of its samples, one whose import failed may hold any part (issue 10: training could be
// started on a dataset that was still importing). Checked where a job is queued (main/jobs), where
// the engine host starts it (the state may change in between), and by the Api calls that read a
// whole dataset outside the queue (mask export).
import type { Store } from '../store/index.js';
import { activeImportJob } from './import-runner.js';

export class DatasetNotReadyError extends Error {
  override name = 'DatasetNotReadyError';
}

/** What a job kind does with a dataset, in a sentence's words. */
export function useOf(kind: string): string {
  if (kind.startsWith('train-')) return `a ${kind.slice('train-'.length)} training job`;
  if (kind === 'caption') return 'a caption job';
  if (kind === 'export') return 'an export';
  if (kind === 'edit') return 'an edit job';
  if (kind === 'evaluate' || kind === 'eval') return 'an evaluation';
  return `a ${kind} job`;
}

/** Throws a DatasetNotReadyError naming the dataset, its state and what to do, unless it is ready. */
export function assertDatasetReady(store: Store, datasetId: number, use: string): void {
  const d = store.datasets.state(datasetId);
  if (d === undefined) throw new DatasetNotReadyError(`dataset ${datasetId} not found`);
  if (d.status === 'ready') return;
  if (d.status === 'importing') {
    const job = activeImportJob(store, datasetId, d.name);
    throw new DatasetNotReadyError(
      job !== null
        ? `dataset "${d.name}" is still importing (job ${job}): ${use} can start once the import has finished`
        : `dataset "${d.name}" is importing, but no import is running (it was stopped): import the same source again to finish it, then start ${use}`,
    );
  }
  throw new DatasetNotReadyError(`dataset "${d.name}" is ${d.status}: its import did not finish. Import the same source again to resume it, then start ${use}`);
}
