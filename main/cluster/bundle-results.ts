// Bundle format 2's members (shared/api/bundle-results.ts): the result sets edited with the run's
// checkpoints, their evaluations, and the edited images' blobs, written beside the run's own members
// and read back as hostile input — every image a row names must be carried, every evaluation must
// point at one of the bundle's sets, every line parses under its schema — before the store writes
// anything (main/store/bundles/results.ts writes them in the run's import transaction).
import path from 'node:path';
import {
  evaluationSampleLineSchema,
  resultImageLineSchema,
  type BundleEvaluation,
  type BundleFile,
  type BundleImage,
  type BundleManifest,
  type BundleResultSet,
} from '../../shared/api/index.js';
import type { ResultsImport, Store } from '../store/index.js';
import { BundleError, copyHashed, readJsonl, writeJsonl } from './bundle-files.js';

const MAX_RESULT_LINE = 64 * 1024;
/** Three base64 feature vectors of up to 16384 floats each, and the scores. */
const MAX_EVALUATION_LINE = 512 * 1024;

export interface ResultsWritten {
  images: BundleImage[];
  resultSets: BundleResultSet[];
  evaluations: BundleEvaluation[];
}

/** Writes the run's result sets and evaluations into the bundle folder `tmp`; their blobs join `blobs`. */
export async function writeResults(store: Store, runId: number, tmp: string, blobs: BundleFile[]): Promise<ResultsWritten> {
  const sets = store.bundles.resultSets(runId);
  const setIds = sets.map((s) => s.id);
  const resultSets = sets.map(({ id, set }, i): BundleResultSet => ({ ...set, images: writeJsonl(tmp, `results/${i}.jsonl`, store.bundles.resultImageLines(id)) }));
  const images = store.bundles.images(setIds);
  const carried = new Set(blobs.map((b) => b.sha256));
  for (const sha of images.flatMap((i) => (i.thumbSha256 ? [i.sha256, i.thumbSha256] : [i.sha256]))) {
    if (carried.has(sha)) continue;
    const blob = store.blobs.get(sha);
    if (!blob) throw new BundleError(`result image ${sha} is missing from this store's blob folder; the bundle would be incomplete`);
    blobs.push({ path: `blobs/${sha}`, ...(await copyHashed(blob.file, path.join(tmp, 'blobs', sha))) });
    carried.add(sha);
  }
  const evaluations = store.bundles.evaluations(setIds).map(({ id, resultSetId, evaluation }, i): BundleEvaluation => ({
    ...evaluation,
    resultSet: setIds.indexOf(resultSetId),
    samples: writeJsonl(tmp, `evaluations/${i}.jsonl`, store.bundles.evaluationSampleLines(id)),
  }));
  return { images, resultSets, evaluations };
}

/** Reads and checks the bundle's result members; what the store's import writes. */
export async function readResults(root: string, manifest: BundleManifest, carriedBlobs: ReadonlySet<string>): Promise<ResultsImport> {
  const at = `${root}: bundle.json`;
  manifest.images.forEach((img, i) => {
    for (const [field, sha] of [['sha256', img.sha256], ['thumbSha256', img.thumbSha256]] as const) {
      if (sha !== null && !carriedBlobs.has(sha)) throw new BundleError(`${at}: field images.${i}.${field}: blob ${sha} is not among the bundle's blobs`);
    }
  });
  const imageShas = new Set(manifest.images.map((i) => i.sha256));
  const sets: ResultsImport['sets'][number][] = [];
  for (const [i, set] of manifest.resultSets.entries()) {
    const lines = await readJsonl(root, set.images, resultImageLineSchema, MAX_RESULT_LINE);
    for (const { where, line } of lines) {
      if (line.imageSha256 !== null && !imageShas.has(line.imageSha256)) throw new BundleError(`${root}: ${where}: field imageSha256: image ${line.imageSha256} is not among the bundle's images`);
    }
    const { images: _member, ...record } = set;
    sets.push({ where: `bundle.json resultSets.${i} ("${set.name}")`, set: record, lines });
  }
  const evaluations: ResultsImport['evaluations'][number][] = [];
  for (const [i, e] of manifest.evaluations.entries()) {
    if (e.resultSet >= manifest.resultSets.length) throw new BundleError(`${at}: field evaluations.${i}.resultSet: ${e.resultSet} is not one of the bundle's ${manifest.resultSets.length} result sets`);
    const lines = await readJsonl(root, e.samples, evaluationSampleLineSchema, MAX_EVALUATION_LINE);
    const { samples: _member, resultSet, ...record } = e;
    evaluations.push({ where: `bundle.json evaluations.${i}`, resultSet, evaluation: record, lines });
  }
  return { images: manifest.images, sets, evaluations };
}
