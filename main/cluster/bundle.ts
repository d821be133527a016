// Run bundles on disk (shared/api/bundles.ts has the format): written from a store, read back into
// another. Reading treats the folder as hostile — it may come from a cluster task — so the manifest's
// versions are checked before anything else, every path is a plain relative one, every file is a
// regular file whose size and sha256 match the manifest, and every metric line is parsed with a
// schema. Files land first (checkpoints in a folder of their own, blobs content-addressed), then
// the rows in ONE transaction; a failure removes the files it placed, so nothing is half-imported.
// Format 2 adds the result sets edited with the run's checkpoints and their evaluations
// (bundle-results.ts); a format-1 bundle imports as one without them.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {
  API_BOUNDS,
  BUNDLE_FORMAT,
  BUNDLE_MANIFEST,
  BUNDLE_METRICS,
  BUNDLE_VERSION,
  bundleManifestSchema,
  metricLineSchema,
  parseBoundedJson,
  type BundleCheckpoint,
  type BundleFile,
  type BundleManifest,
  type RunImportResult,
} from '../../shared/api/index.js';
import { appVersion } from '../paths.js';
import { BundleRowsError, latestSchemaVersion, type BundleCheckpointRecord, type MetricPoint, type Store } from '../store/index.js';
import { BundleError, bundleFile, copyHashed, filesUnder, sha256, verifyHash } from './bundle-files.js';
import { readResults, writeResults } from './bundle-results.js';

export { BundleError } from './bundle-files.js';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_METRIC_LINE = 4096;
const MAX_POINTS = 20_000_000;
/** A blob is read into memory to be stored: a bigger one is not an image or a run sample. */
const MAX_BLOB_BYTES = 512 * 1024 * 1024;

export interface ExportResult {
  path: string;
  uid: string;
  points: number;
  checkpoints: number;
  resultSets: number;
  evaluations: number;
  bytes: number;
  digest: string;
}

/**
 * Writes run `runId` as a bundle folder at `dir` (written beside it, then moved into place; an
 * earlier bundle of the same run there is replaced). `checkpoints`: carry every checkpoint's
 * files, only the last one's, or none (the rows travel as references either way). `results`: carry
 * the result sets edited with the run's checkpoints and their evaluations (format 2).
 */
export async function writeRunBundle(store: Store, runId: number, dir: string, checkpoints: 'all' | 'last' | 'none', options: { results?: boolean } = {}): Promise<ExportResult> {
  const exp = store.bundles.exportRun(runId);
  if (!exp) throw new BundleError(`run ${runId} not found`);
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    const old = path.join(target, BUNDLE_MANIFEST);
    const empty = fs.statSync(target).isDirectory() && fs.readdirSync(target).length === 0;
    if (!empty && !(fs.existsSync(old) && readUid(old) === exp.run.uid)) {
      throw new BundleError(`${target} exists and is not a bundle of run ${runId}: choose a new folder`);
    }
  }
  const tmp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    // 1. The metric curve, one point per line, hashed as it is written.
    const metricsHash = createHash('sha256');
    const fd = fs.openSync(path.join(tmp, BUNDLE_METRICS), 'w');
    let points = 0;
    let buffered: string[] = [];
    const flush = () => {
      const text = buffered.join('');
      metricsHash.update(text);
      fs.writeSync(fd, text);
      buffered = [];
    };
    try {
      for (const p of store.bundles.points(runId)) {
        buffered.push(`${JSON.stringify({ key: p.key, step: p.step, value: p.value, time: p.time })}\n`);
        if (++points % 10_000 === 0) flush();
      }
      flush();
    } finally {
      fs.closeSync(fd);
    }
    // 2. Checkpoints: files where asked for and still present, else a reference.
    const last = exp.checkpoints.at(-1);
    const cps: BundleCheckpoint[] = [];
    let carried = 0;
    for (const c of exp.checkpoints) {
      const src = path.join(store.dataDir, c.path);
      const wanted = checkpoints === 'all' || (checkpoints === 'last' && c === last);
      let files: BundleFile[] | null = null;
      if (wanted && fs.existsSync(src)) {
        files = [];
        const isDir = fs.statSync(src).isDirectory();
        for (const rel of isDir ? filesUnder(src) : [path.basename(src)]) {
          const inBundle = `checkpoints/${c.step}/${rel}`;
          const copied = await copyHashed(isDir ? path.join(src, rel) : src, path.join(tmp, inBundle));
          files.push({ path: inBundle, ...copied });
        }
        carried++;
      }
      cps.push({ step: c.step, sourcePath: c.path, size: c.size, validationScore: c.validationScore, metrics: c.metrics, createdAt: c.createdAt, files });
    }
    // 3. Blobs the stored samples point at.
    const blobs: BundleFile[] = [];
    for (const sha of new Set(exp.samples.map((s) => s.blobSha256).filter((s): s is string => s !== null))) {
      const blob = store.blobs.get(sha);
      if (!blob) continue;
      const inBundle = `blobs/${sha}`;
      blobs.push({ path: inBundle, ...(await copyHashed(blob.file, path.join(tmp, inBundle))) });
    }
    // 4. Result sets made with its checkpoints, their evaluations, the edited images' blobs.
    const results = options.results === false ? { images: [], resultSets: [], evaluations: [] } : await writeResults(store, runId, tmp, blobs);
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      bundleVersion: BUNDLE_VERSION,
      schemaVersion: store.schemaVersion(),
      writtenAt: new Date().toISOString(),
      writtenBy: `RIC Studio ${appVersion()}`,
      run: exp.run,
      metrics: { file: BUNDLE_METRICS, points, sha256: metricsHash.digest('hex') },
      checkpoints: cps,
      samples: exp.samples.map((s) => ({ ...s, blobSha256: blobs.some((b) => b.sha256 === s.blobSha256) ? s.blobSha256 : null })),
      blobs,
      ...results,
    };
    const text = `${JSON.stringify(manifest, null, 1)}\n`;
    fs.writeFileSync(path.join(tmp, BUNDLE_MANIFEST), text);
    const bytes = filesUnder(tmp).reduce((n, f) => n + fs.statSync(path.join(tmp, f)).size, 0);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
    return { path: target, uid: exp.run.uid, points, checkpoints: carried, resultSets: results.resultSets.length, evaluations: results.evaluations.length, bytes, digest: sha256(text) };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readUid(manifestFile: string): string | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { run?: { uid?: unknown } };
    return typeof v.run?.uid === 'string' ? v.run.uid : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest of the bundle at `dir`, checked (versions first), with its digest. */
export function readManifest(dir: string): { manifest: BundleManifest; digest: string; file: string } {
  const file = path.join(dir, BUNDLE_MANIFEST);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    throw new BundleError(`${dir} is not a run bundle: it has no ${BUNDLE_MANIFEST}`);
  }
  if (!stat.isFile()) throw new BundleError(`${file} is not a regular file`);
  if (stat.size > MAX_MANIFEST_BYTES) throw new BundleError(`${file} is ${stat.size} bytes, over the ${MAX_MANIFEST_BYTES} a bundle manifest may be`);
  const text = fs.readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = parseBoundedJson(text, { ...API_BOUNDS, maxBytes: MAX_MANIFEST_BYTES }, file);
  } catch (err) {
    throw new BundleError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const head = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (head['format'] !== BUNDLE_FORMAT) throw new BundleError(`${file}: not a RIC Studio run bundle (format is ${JSON.stringify(head['format'] ?? null)}, expected "${BUNDLE_FORMAT}")`);
  // A newer writer may have changed anything else: its versions are read before the rest is judged.
  const bv = head['bundleVersion'];
  const sv = head['schemaVersion'];
  if (typeof bv === 'number' && bv > BUNDLE_VERSION) {
    throw new BundleError(`${file}: bundle format ${bv} was written by a newer RIC Studio (${String(head['writtenBy'] ?? 'unknown')}); this one reads format ${BUNDLE_VERSION}: upgrade RIC Studio to import it`);
  }
  if (typeof sv === 'number' && sv > latestSchemaVersion) {
    throw new BundleError(`${file}: written by a newer RIC Studio (${String(head['writtenBy'] ?? 'unknown')}) with store schema ${sv}; this one knows schema versions up to ${latestSchemaVersion}: upgrade RIC Studio to import it`);
  }
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleError(`${file}: ${issue?.path.length ? `field ${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid manifest'}`);
  }
  return { manifest: parsed.data, digest: sha256(text), file };
}

async function readMetrics(dir: string, m: BundleManifest['metrics']): Promise<MetricPoint[]> {
  const file = bundleFile(dir, { path: m.file });
  const hash = createHash('sha256');
  const points: MetricPoint[] = [];
  const stream = fs.createReadStream(file);
  stream.on('data', (chunk) => hash.update(chunk));
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.length > MAX_METRIC_LINE) throw new BundleError(`${file}:${n}: line of ${line.length} characters (at most ${MAX_METRIC_LINE})`);
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new BundleError(`${file}:${n}: not a JSON metric point`);
    }
    const p = metricLineSchema.safeParse(v);
    if (!p.success) throw new BundleError(`${file}:${n}: ${p.error.issues[0]?.path.join('.') || 'point'}: ${p.error.issues[0]?.message ?? 'invalid'}`);
    points.push(p.data);
    if (points.length > MAX_POINTS) throw new BundleError(`${file}: more than ${MAX_POINTS} points`);
  }
  if (points.length !== m.points) throw new BundleError(`${file}: ${points.length} points, the manifest says ${m.points} (truncated or appended to)`);
  if (hash.digest('hex') !== m.sha256) throw new BundleError(`${file}: its sha256 differs from the manifest's (changed after the bundle was written)`);
  return points;
}

/**
 * Imports the bundle at `dir` into `store`. The same bundle again (same manifest digest) changes
 * nothing and reads nothing past the manifest; a run made in this store is left as it is.
 * `results: false` leaves the bundle's result sets and evaluations out (a store without their dataset).
 */
export async function importRunBundle(store: Store, dir: string, options: { results?: boolean } = {}): Promise<RunImportResult> {
  const root = path.resolve(dir);
  const { manifest, digest } = readManifest(root);
  const uid = manifest.run.uid;
  const withResults = options.results !== false;
  // The run alone is another import than the run with its results: importing those later is not a no-op.
  const key = withResults || manifest.resultSets.length === 0 ? digest : `${digest}:run-only`;
  const planned = store.bundles.plan(uid, key);
  if (planned.outcome === 'unchanged' || planned.outcome === 'local') {
    return { runId: planned.runId!, uid, outcome: planned.outcome, points: 0, checkpoints: 0, resultSets: 0, evaluations: 0, renamed: [], digest };
  }
  const points = await readMetrics(root, manifest.metrics);
  const declaredBlobs = new Set(manifest.blobs.map((b) => b.sha256));
  const results = withResults ? await readResults(root, manifest, declaredBlobs) : undefined;
  // Blobs something refers to: the run's samples', and the result images' where they are imported.
  const needed = new Set(manifest.samples.flatMap((s) => (s.blobSha256 ? [s.blobSha256] : [])));
  for (const i of results?.images ?? []) for (const sha of i.thumbSha256 ? [i.sha256, i.thumbSha256] : [i.sha256]) needed.add(sha);
  // Checkpoint files go to a folder named by this bundle's digest: nothing refers to it until the
  // transaction commits, and a failed import removes it.
  const runFolder = path.join('runs', `bundle-${uid}`);
  const placed = path.join(runFolder, digest.slice(0, 16));
  const placedAbs = path.join(store.dataDir, placed);
  const checkpoints: BundleCheckpointRecord[] = [];
  // Left by an import killed half-way (never referred to by a row).
  fs.rmSync(placedAbs, { recursive: true, force: true });
  try {
    for (const c of manifest.checkpoints) {
      if (c.files === null || c.files.length === 0) {
        checkpoints.push({ step: c.step, path: c.sourcePath, size: c.size, sha256: null, validationScore: c.validationScore, metrics: c.metrics, createdAt: c.createdAt });
        continue;
      }
      const prefix = `checkpoints/${c.step}/`;
      for (const f of c.files) {
        if (!f.path.startsWith(prefix)) throw new BundleError(`${root}: checkpoint file ${f.path} is outside ${prefix}`);
        const src = bundleFile(root, f);
        const copied = await copyHashed(src, path.join(placedAbs, `step-${c.step}`, ...f.path.slice(prefix.length).split('/')));
        if (copied.sha256 !== f.sha256) throw new BundleError(`${root}: ${f.path}: its sha256 differs from the manifest's`);
      }
      const single = c.files.length === 1 && !c.files[0]!.path.slice(prefix.length).includes('/') && path.basename(c.sourcePath) === c.files[0]!.path.slice(prefix.length);
      const local = single ? path.join(placed, `step-${c.step}`, path.basename(c.sourcePath)) : path.join(placed, `step-${c.step}`);
      checkpoints.push({ step: c.step, path: local, size: c.size, sha256: null, validationScore: c.validationScore, metrics: c.metrics, createdAt: c.createdAt });
    }
    for (const [i, b] of manifest.blobs.entries()) {
      if (b.path !== `blobs/${b.sha256}`) throw new BundleError(`${root}: bundle.json: field blobs.${i}.path: ${b.path} is not named by its sha256`);
      if (b.size > MAX_BLOB_BYTES) throw new BundleError(`${root}: bundle.json: field blobs.${i}.size: ${b.size} bytes, over the ${MAX_BLOB_BYTES} a bundle's blob may be`);
      if (!needed.has(b.sha256)) continue;
      const src = bundleFile(root, b);
      await verifyHash(src, b.sha256, `${root}: ${b.path}`);
      store.blobs.put(fs.readFileSync(src));
    }
    const carried = new Set(manifest.blobs.map((b) => b.sha256));
    const samples = manifest.samples.map((s) => ({ step: s.step, kind: s.kind, payload: s.payload, blobSha256: s.blobSha256 !== null && carried.has(s.blobSha256) ? s.blobSha256 : null }));
    let done: ReturnType<Store['bundles']['importRun']>;
    try {
      done = store.bundles.importRun({ run: manifest.run, digest: key, points, checkpoints, samples, results });
    } catch (err) {
      if (err instanceof BundleRowsError) throw new BundleError(`${root}: ${err.message}`);
      throw err;
    }
    // The files of the bundle this one replaces are no longer referred to.
    for (const old of fs.existsSync(path.join(store.dataDir, runFolder)) ? fs.readdirSync(path.join(store.dataDir, runFolder)) : []) {
      if (old !== digest.slice(0, 16)) fs.rmSync(path.join(store.dataDir, runFolder, old), { recursive: true, force: true });
    }
    return {
      runId: done.runId,
      uid,
      outcome: done.outcome,
      points: points.length,
      checkpoints: checkpoints.filter((c) => c.path.startsWith(placed)).length,
      resultSets: done.resultSets,
      evaluations: done.evaluations,
      renamed: done.renamed,
      digest,
    };
  } catch (err) {
    fs.rmSync(placedAbs, { recursive: true, force: true });
    try {
      fs.rmdirSync(path.join(store.dataDir, runFolder)); // only when empty: a first import that failed
      fs.rmdirSync(path.join(store.dataDir, 'runs'));
    } catch {
      // not empty: an earlier import of this run, or other runs
    }
    throw err;
  }
}
