// `ric import results DIR --dataset D --name NAME`: a method's outputs made elsewhere (ZONE, CDS, DDPM
// inversion — the paper's other baselines) stored as a result set, each file matched to a sample by
// its name the way the mask import matches (`<id>.png`, with a method suffix such as `_edited`,
// `-output`, `.result` dropped, any case), names compared in Unicode NFC (a folder copied from macOS
// spells "é" as e + combining accent). Every file that does not end in a stored image is reported
// with its reason: no such sample, two files for one sample (neither is taken: which is the method's
// output is the user's call), unreadable or too large, a link (not followed), not an image.
import fs from 'node:fs';
import path from 'node:path';
import type { ResultsImportReport } from '../../../shared/api/results.js';
import type { MaskSample, Store } from '../../store/index.js';
import { decodeImage } from '../images.js';

export const RESULT_FILE_EXTENSIONS = ['.png', '.webp', '.jpg', '.jpeg', '.tif', '.tiff'] as const;
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** An edited image's longest side: far above any editor's output (SD's 512–1024), below a decompression bomb. */
const MAX_SIDE = 8192;
const MAX_DEPTH = 4;
const MAX_FILES = 1_000_000;
const MAX_REPORTED = 2000;

export interface ResultFiles {
  /** Image files (relative paths, sorted). */
  images: string[];
  /** Everything else seen, with why it is not read. */
  skipped: { file: string; reason: string }[];
}

/** Image files under `root` (sub-folders up to 4 deep, hidden ones skipped; links are reported, not followed). */
export function listResultFiles(root: string): ResultFiles {
  const images: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const walk = (rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if (rel === '') throw new Error(`${root}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      skipped.push({ file: rel, reason: `a folder that cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return;
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : path.join(rel, e.name);
      if (e.name.startsWith('.')) continue;
      if (images.length + skipped.length >= MAX_FILES) throw new Error(`${root}: more than ${MAX_FILES} files; import a smaller folder`);
      if (e.isSymbolicLink()) skipped.push({ file: child, reason: 'a symbolic link (not followed)' });
      else if (e.isDirectory()) {
        if (depth < MAX_DEPTH) walk(child, depth + 1);
        else skipped.push({ file: child, reason: `a folder more than ${MAX_DEPTH} levels deep (not read)` });
      } else if (!e.isFile()) skipped.push({ file: child, reason: 'not a regular file' });
      else if ((RESULT_FILE_EXTENSIONS as readonly string[]).includes(path.extname(e.name).toLowerCase())) images.push(child);
      else skipped.push({ file: child, reason: `not an image file (expected ${RESULT_FILE_EXTENSIONS.join(', ')})` });
    }
  };
  walk('', 0);
  images.sort();
  return { images, skipped };
}

const nfc = (s: string) => s.normalize('NFC');
const SUFFIX = /[_\-. ]?(edited|edit|output|out|result|pred|prediction|gen|generated)$/i;

/** The sample a file name names, if any: exact stem, stem without a method suffix, then the same ignoring case. */
export function matchResultFile(fileName: string, exact: Map<string, MaskSample>, lower: Map<string, MaskSample>): MaskSample | undefined {
  const base = nfc(path.basename(fileName));
  const stem = base.slice(0, base.length - path.extname(base).length);
  const stripped = stem.replace(SUFFIX, '');
  return exact.get(stem) ?? exact.get(stripped) ?? lower.get(stem.toLowerCase()) ?? lower.get(stripped.toLowerCase());
}

export interface ResultsImportOptions {
  jobId: number | null;
  datasetId: number;
  dir: string;
  name: string;
  method?: string | undefined;
  codeVersion: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onChanged?: (resultSetId: number) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export async function importResults(store: Store, o: ResultsImportOptions): Promise<ResultsImportReport> {
  const started = performance.now();
  const dataset = store.datasets.summary(o.datasetId);
  if (!dataset) throw new Error(`dataset ${o.datasetId} not found`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(o.dir);
  } catch {
    throw new Error(`${o.dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new Error(`${o.dir}: not a folder`);
  const { images, skipped } = listResultFiles(o.dir);

  const samples = new Map([...store.masks.samplesByExternalId(o.datasetId)].map(([k, v]) => [nfc(k), v]));
  const lower = new Map([...samples.values()].map((s) => [nfc(s.externalId).toLowerCase(), s]));
  const bySample = new Map<number, { sample: MaskSample; files: string[] }>();
  const unmatched: string[] = [];
  for (const file of images) {
    const sample = matchResultFile(file, samples, lower);
    if (!sample) unmatched.push(file);
    else {
      const entry = bySample.get(sample.id) ?? { sample, files: [] };
      entry.files.push(file);
      bySample.set(sample.id, entry);
    }
  }
  const errors: ResultsImportReport['errors'] = skipped.map((s) => ({ file: s.file, externalId: null, reason: s.reason }));
  const toRead: { file: string; sample: MaskSample }[] = [];
  for (const { sample, files } of bySample.values()) {
    if (files.length === 1) toRead.push({ file: files[0]!, sample });
    else for (const f of files) errors.push({ file: f, externalId: sample.externalId, reason: `${files.length} files name sample ${sample.externalId} (${files.join(', ')}); none is imported — keep one` });
  }

  const existing = store.results.findByName(o.datasetId, o.name);
  if (existing && existing.origin !== 'import') throw new Error(`result set "${o.name}" on "${dataset.name}" holds ${existing.origin} results; choose another name`);
  const provenance = { kind: 'import' as const, folder: path.resolve(o.dir), files: images.length + skipped.length, matched: toRead.length, unmatched: unmatched.length, unreadable: 0, codeVersion: o.codeVersion };
  const setId =
    existing?.id ??
    store.results.create({ datasetId: o.datasetId, name: o.name, method: o.method ?? o.name, origin: 'import', jobId: o.jobId, provenance, expected: dataset.sampleCount });
  if (existing) store.results.attachJob(setId, o.jobId, 'running', dataset.sampleCount);
  o.onChanged?.(setId);
  o.log?.('info', `${images.length} image files: ${toRead.length} to read, ${unmatched.length} match no sample, ${errors.length} refused`);

  let imported = 0;
  let unchanged = 0;
  let unreadable = 0;
  let done = 0;
  const queue = [...toRead];
  const worker = async () => {
    for (let job = queue.shift(); job && !o.signal?.aborted; job = queue.shift()) {
      const { file, sample } = job;
      const full = path.join(o.dir, file);
      try {
        const size = fs.statSync(full).size;
        if (size > MAX_FILE_BYTES) throw new Error(`${(size / 1e6).toFixed(0)} MB is larger than the ${MAX_FILE_BYTES / 1024 / 1024} MiB an edited image may be`);
        const bytes = fs.readFileSync(full);
        const decoded = await decodeImage(bytes, 'image');
        if (Math.max(decoded.width, decoded.height) > MAX_SIDE) throw new Error(`${decoded.width}×${decoded.height} is larger than the ${MAX_SIDE} px a side an edited image may be`);
        const before = store.results.image(setId, sample.id);
        store.transaction(() => {
          const blob = store.blobs.put(bytes);
          const thumb = store.blobs.put(decoded.thumb, 'image/webp');
          if (before?.image?.sha256 === blob.sha256) unchanged++;
          else imported++;
          store.results.putImage(setId, {
            sampleId: sample.id,
            status: 'done',
            image: { sha256: blob.sha256, width: decoded.width, height: decoded.height, channels: decoded.channels, format: decoded.format, thumbSha256: thumb.sha256 },
            size: blob.size,
            seconds: null,
            seed: null,
            sourceFile: file,
            jobId: o.jobId,
          });
        });
      } catch (err) {
        unreadable++;
        const reason = `${file}: ${(err as Error).message}`;
        errors.push({ file, externalId: sample.externalId, reason });
        // The sample keeps an earlier good image; it gets an error row only when it has none.
        if (store.results.image(setId, sample.id)?.status !== 'done') store.results.putImage(setId, { sampleId: sample.id, status: 'error', error: reason, sourceFile: file, jobId: o.jobId });
      }
      o.onProgress?.(++done, toRead.length);
    }
  };
  try {
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    store.results.setProvenance(setId, { ...provenance, unreadable });
    store.results.setStatus(setId, o.signal?.aborted ? 'incomplete' : 'complete');
    o.onChanged?.(setId);
  }
  return {
    jobId: o.jobId ?? 0,
    resultSetId: setId,
    name: o.name,
    datasetId: o.datasetId,
    state: o.signal?.aborted ? 'cancelled' : 'completed',
    files: images.length + skipped.length,
    imported,
    unchanged,
    unmatched: unmatched.slice(0, MAX_REPORTED),
    errors: errors.slice(0, MAX_REPORTED),
    seconds: (performance.now() - started) / 1000,
    ...(unmatched.length > MAX_REPORTED || errors.length > MAX_REPORTED ? { unmatchedCount: unmatched.length, errorCount: errors.length } : {}),
  };
}
