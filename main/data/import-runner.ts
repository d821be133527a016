// Runs an import as a job (the engine host runs it for the job queue: the Api and `ric import`): a `jobs` row that goes
// running -> completed | failed | cancelled (for a queue row the queue records and announces the end
// once the host reports it), `job.progress` events with rate and ETA, cancellation by
// AbortSignal, and batches that each land in ONE transaction after their blobs are durable. Re-running
// the same import skips every sample whose (dataset, external id) is already stored, so an import
// killed at any instant and run again ends with exactly the rows of an uninterrupted one.
import path from 'node:path';
import type { DatasetFormat, DatasetSummary, ImportReport } from '../../shared/api/index.js';

export type { ImportReport } from '../../shared/api/index.js';
import type { EventHub } from '../events/index.js';
import type { NewSample, NewSampleError, Store } from '../store/index.js';
import { folderSource } from './folder.js';
import { humanEditSource } from './humanedit.js';
import { SampleFieldError } from './images.js';
import { magicBrushSource } from './magicbrush.js';
import { prepareSample, writeBlobs, type PreparedSample, type WrittenBlobs } from './prepare.js';
import { shapesSource, type ShapesOptions } from './shapes-source.js';
import { maskOptionsFor, messageOf, type DatasetSource, type ImportOptions, type SourceItem } from './source.js';

export type FileImportSpec = { format: 'humanedit' | 'magicbrush' | 'folder'; path: string; name?: string; options?: ImportOptions };
export type ShapesImportSpec = { format: 'shapes'; name?: string } & ShapesOptions;
export type ImportSpec = FileImportSpec | ShapesImportSpec;

export interface RunningImport {
  jobId: number;
  datasetId: number;
  done: Promise<ImportReport>;
  cancel(): void;
}

export class ImportConflictError extends Error {
  override name = 'ImportConflictError';
}

const BATCH = 32;
const CONCURRENCY = 4;
const MAX_IN_FLIGHT = 3;
const active = new Map<number, RunningImport>();

export function runningImport(jobId: number): RunningImport | undefined {
  return active.get(jobId);
}

export function defaultDatasetName(spec: ImportSpec): string {
  if (spec.name) return spec.name;
  if (spec.format === 'shapes') return `shapes-seed${spec.seed}-n${spec.count}-${spec.size}px`;
  const base = path.basename(path.resolve(spec.path)).replace(/\.(parquet|json)$/i, '');
  return `${spec.format}-${base}`;
}

export function openSource(spec: ImportSpec): Promise<DatasetSource> | DatasetSource {
  if (spec.format === 'shapes') return shapesSource(spec);
  if (spec.format === 'humanedit') return humanEditSource(spec.path);
  if (spec.format === 'magicbrush') return magicBrushSource(spec.path);
  return folderSource(spec.path);
}

/**
 * The dataset an import writes: a new one, or the one of the same name when it comes from the same
 * source with the same options (re-running resumes it). Another source under that name is a conflict.
 * The Api calls this in main before queueing the job, so it can answer with the dataset's id at once.
 */
export function importDataset(store: Store, spec: ImportSpec): { datasetId: number; name: string; existed: boolean } {
  const name = defaultDatasetName(spec);
  const format: DatasetFormat = spec.format;
  const sourcePath = spec.format === 'shapes' ? null : path.resolve(spec.path);
  const options = storedOptions(spec);
  const existing = store.datasets.findByName(name);
  if (!existing) return { datasetId: store.datasets.create({ name, format, sourcePath, options }), name, existed: false };
  if (existing.format !== format || existing.sourcePath !== sourcePath || JSON.stringify(existing.options) !== JSON.stringify(options)) {
    throw new ImportConflictError(`a dataset named "${name}" already exists from ${existing.sourcePath ?? existing.format} with other options; choose another name`);
  }
  return { datasetId: existing.id, name, existed: true };
}

/**
 * The import that made a dataset, rebuilt from what its row stores (format, source, options, name):
 * running it again resumes into the same dataset. `sourcePath` replaces the stored source.
 */
export function specOfDataset(d: Pick<DatasetSummary, 'name' | 'format' | 'sourcePath' | 'options'>, sourcePath?: string): ImportSpec {
  const o = d.options;
  const int = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);
  if (d.format === 'shapes') return { format: 'shapes', name: d.name, count: int(o['count'], 1), seed: int(o['seed'], 0), size: int(o['size'], 64) };
  const where = sourcePath ?? d.sourcePath;
  if (where === null) throw new ImportConflictError(`dataset "${d.name}" has no source path to import from`);
  const options: ImportOptions = {};
  if (o['polarity'] === 'white' || o['polarity'] === 'black') options.maskPolarity = o['polarity'];
  if (typeof o['alphaMarksEdit'] === 'boolean') options.alphaMarksEdit = o['alphaMarksEdit'];
  if (typeof o['threshold'] === 'number') options.maskThreshold = o['threshold'];
  return { format: d.format, path: where, name: d.name, options };
}

function storedOptions(spec: ImportSpec): Record<string, unknown> {
  return spec.format === 'shapes' ? { count: spec.count, seed: spec.seed, size: spec.size } : { ...maskOptionsFor(spec.format, spec.options ?? {}) };
}

/**
 * The queued or running import job (of the job queue) that writes this dataset, if any: queued jobs
 * carry only their spec, running ones also the dataset id.
 */
export function activeImportJob(store: Store, datasetId: number, name: string, exceptJobId?: number): number | null {
  for (const r of store.jobs.active('import')) {
    if (r.id === exceptJobId) continue;
    const p = r.params as { datasetId?: unknown; spec?: ImportSpec };
    try {
      if (p.datasetId === datasetId || (p.spec !== undefined && defaultDatasetName(p.spec) === name)) return r.id;
    } catch {
      // unreadable params: not ours to judge
    }
  }
  return null;
}

/** Creates (or resumes) the dataset and the job row, then imports in the background. */
export function startImport(store: Store, events: EventHub | null, spec: ImportSpec, parentSignal?: AbortSignal, queuedJobId?: number): RunningImport {
  const format: DatasetFormat = spec.format;
  const sourcePath = spec.format === 'shapes' ? null : path.resolve(spec.path);
  const options = storedOptions(spec);
  const { datasetId, name, existed } = importDataset(store, spec);
  if (existed) {
    for (const r of active.values()) {
      if (r.datasetId === datasetId) throw new ImportConflictError(`"${name}" is already being imported (job ${r.jobId})`);
    }
    // A job left 'running' by a killed process is not running any more.
    store.jobs.interruptImports(datasetId, queuedJobId ?? null);
    store.datasets.setStatus(datasetId, 'importing');
  }
  const now = new Date().toISOString();
  const jobParams = { datasetId, format, path: sourcePath, options };
  // A job queued by main/jobs (run in the engine host) already has its row: take it over.
  const jobId = queuedJobId ?? store.jobs.create({ kind: 'import', state: 'running', title: `Import ${name}`, params: jobParams, createdAt: now, startedAt: now, heartbeatAt: now });
  if (queuedJobId !== undefined) {
    store.jobs.update(queuedJobId, { state: 'running', paramsPatch: jobParams, startedAt: now, heartbeatAt: now, finishedAt: null, error: null });
  }
  const controller = new AbortController();
  const onParentAbort = () => controller.abort();
  // Cancelled before it began (a cancel that reached the host while the runner loaded): stop at once.
  if (parentSignal?.aborted) controller.abort();
  else parentSignal?.addEventListener('abort', onParentAbort);
  const done = runImport(store, events, { jobId, datasetId, name, spec, format, options, queued: queuedJobId !== undefined }, controller.signal).finally(() => {
    active.delete(jobId);
    parentSignal?.removeEventListener('abort', onParentAbort);
  });
  const running: RunningImport = { jobId, datasetId, done, cancel: () => controller.abort() };
  active.set(jobId, running);
  return running;
}

interface RunContext {
  jobId: number;
  datasetId: number;
  name: string;
  spec: ImportSpec;
  format: DatasetFormat;
  options: Record<string, unknown>;
  /** The job queue owns the row's state: it records the end when the host reports it. */
  queued: boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function runImport(store: Store, events: EventHub | null, c: RunContext, signal: AbortSignal): Promise<ImportReport> {
  const started = Date.now();
  const report: ImportReport = { jobId: c.jobId, datasetId: c.datasetId, dataset: c.name, state: 'completed', imported: 0, skipped: 0, errors: [], total: null, seconds: 0 };
  const maskOptions = maskOptionsFor(c.format, c.spec.format === 'shapes' ? {} : (c.spec.options ?? {}));
  let done = 0;
  const progress = (state: 'running' | 'completed' | 'failed' | 'cancelled', message?: string) => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 && done > 0 ? done / elapsed : null;
    const total = report.total === null ? null : Math.max(report.total, done);
    const etaSeconds = rate && total !== null ? Math.max(0, (total - done) / rate) : null;
    events?.emit('job.progress', { jobId: c.jobId, state, done, total, rate, etaSeconds, ...(message ? { message } : {}) });
  };
  const seen = new Set<string>();
  try {
    const source = await openSource(c.spec);
    report.total = source.total;
    store.datasets.clearErrors(c.datasetId, 'import');
    progress('running');
    let batch: SourceItem[] = [];
    // Pipeline: batch k+1 is decoded and checked (CPU) while the blobs of earlier batches are
    // written and fsynced (I/O wait); each batch's rows commit only after its own blobs are
    // durable and after the batch before it, so commits stay in order. At most MAX_IN_FLIGHT
    // batches are held in memory.
    const inFlight: Promise<void>[] = [];
    let lastCommit: Promise<void> = Promise.resolve();
    const flush = async () => {
      const items = batch;
      batch = [];
      const staged = await prepareBatch(store, c, items, maskOptions, report, seen);
      const written = writeBlobs(store, staged.prepared);
      const previous = lastCommit;
      lastCommit = (async () => {
        const { rows, blobs } = await written;
        await previous;
        commitRows(store, c, rows, blobs, staged.errors, report);
        done += items.length;
        store.jobs.update(c.jobId, { done, total: report.total === null ? null : Math.max(report.total, done), heartbeatAt: new Date().toISOString() });
        progress('running');
        events?.emit('dataset.changed', { datasetId: c.datasetId });
      })();
      // Awaited below or in `finally`; this only keeps Node from calling a rejection that is still
      // in flight "unhandled".
      lastCommit.catch(() => {});
      inFlight.push(lastCommit);
      while (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
      // Let the server answer requests between batches (the engine host process comes later).
      await yieldToEventLoop();
    };
    try {
      for await (const item of source.items(signal)) {
        if (signal.aborted) break;
        batch.push(item);
        if (batch.length >= BATCH) await flush();
      }
      if (!signal.aborted && batch.length > 0) await flush();
    } finally {
      await Promise.allSettled(inFlight);
    }
    await lastCommit;
    report.state = signal.aborted ? 'cancelled' : 'completed';
  } catch (err) {
    report.state = 'failed';
    // A full disk or an I/O error in the plain words of store/faults.ts; anything else as it was.
    report.error = store.fault(err, 'job')?.message ?? messageOf(err);
  }
  report.seconds = (Date.now() - started) / 1000;
  const finished = new Date().toISOString();
  const stored = { ...report, errors: report.errors.slice(0, 1000), errorCount: report.errors.length };
  // The end is recorded even on a full disk (Store.critical): the dataset never stays `importing`.
  store.critical(() => store.jobs.update(c.jobId, {
    // A queue row's end is the queue's to record (from the host's report), so nobody sees it final
    // while the queue still counts it as running.
    ...(c.queued ? {} : { state: report.state, finishedAt: finished }),
    done,
    total: report.total,
    error: report.error ?? null,
    message:
      report.state === 'cancelled'
        ? 'cancelled by the user'
        : report.errors.length > 0
          ? `${report.errors.length} ${report.errors.length === 1 ? 'sample was' : 'samples were'} skipped (the dataset's import report says why)`
          : null,
    result: stored,
  }));
  store.critical(() => store.datasets.setStatus(c.datasetId, report.state === 'completed' ? 'ready' : 'failed'));
  // The queue announces a queue row's end itself, once it has recorded it.
  if (!c.queued) progress(report.state, report.error);
  events?.emit('dataset.changed', { datasetId: c.datasetId });
  return report;
}

interface StagedBatch {
  prepared: PreparedSample[];
  errors: NewSampleError[];
}

/** Skips what is stored and prepares the rest, a few at a time (decoding, checks, thumbnails). */
async function prepareBatch(
  store: Store,
  c: RunContext,
  items: SourceItem[],
  maskOptions: ReturnType<typeof maskOptionsFor>,
  report: ImportReport,
  seen: Set<string>,
): Promise<StagedBatch> {
  const errors: NewSampleError[] = [];
  const toPrepare: Extract<SourceItem, { kind: 'sample' }>[] = [];
  for (const item of items) {
    if (item.kind === 'error') errors.push({ sampleRef: item.ref, field: item.field, reason: item.reason });
    else if (seen.has(item.ref)) errors.push({ sampleRef: item.ref, field: 'id', reason: 'duplicate sample id: an earlier record has the same id' });
    else {
      seen.add(item.ref);
      if (store.samples.has(c.datasetId, item.ref)) report.skipped++;
      else toPrepare.push(item);
    }
  }
  const prepared: (PreparedSample | null)[] = new Array(toPrepare.length).fill(null);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < toPrepare.length; i = next++) {
      const item = toPrepare[i] as Extract<SourceItem, { kind: 'sample' }>;
      try {
        prepared[i] = await prepareSample(item.ref, await item.load(), maskOptions);
      } catch (err) {
        errors.push({ sampleRef: item.ref, field: err instanceof SampleFieldError ? err.field : null, reason: messageOf(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, toPrepare.length) }, worker));
  return { prepared: prepared.filter((p): p is PreparedSample => p !== null), errors };
}

/** The rows with their blobs' rows (the files are durable by now) and the batch's errors, in one transaction. */
function commitRows(store: Store, c: RunContext, rows: NewSample[], blobs: WrittenBlobs, errors: NewSampleError[], report: ImportReport): void {
  // Counted once the commit has landed: a transaction that fails (a full disk) counts nothing.
  const inserted = store.transaction(() => {
    store.blobs.record(blobs.refs, blobs.bytes);
    const n = store.samples.insertMany(c.datasetId, rows);
    store.datasets.addErrors(c.datasetId, c.jobId, 'import', errors);
    return n;
  });
  report.imported += inserted;
  report.skipped += rows.length - inserted;
  report.errors.push(...errors);
}
