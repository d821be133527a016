// Bundle format 2's rows (shared/api/bundle-results.ts): the result sets edited with a run's
// checkpoints, their image rows, the `images` rows of the edited images, and the sets' evaluations
// with every scored sample, read out for export and written back on import inside the run's import
// transaction (repo.ts), so a bad line leaves nothing. Samples travel by external id in the set's
// dataset (by name); local ids (samples, jobs, checkpoints) never leave the store.
import type { BundleEvaluation, BundleImage, BundleResultSet, EvaluationSampleLine, ResultImageLine } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { parseJson, parseObject } from '../json.js';

export type ResultSetRecord = Omit<BundleResultSet, 'images'>;
export type EvaluationRecordOut = Omit<BundleEvaluation, 'samples' | 'resultSet'>;

/** A row that cannot be written names where it came from (`results/0.jsonl:12`, `resultSets.1`). */
export class BundleRowsError extends Error {
  override name = 'BundleRowsError';
}

export interface ResultsImport {
  images: readonly BundleImage[];
  sets: readonly { where: string; set: ResultSetRecord; lines: readonly { where: string; line: ResultImageLine }[] }[];
  evaluations: readonly { where: string; resultSet: number; evaluation: EvaluationRecordOut; lines: readonly { where: string; line: EvaluationSampleLine }[] }[];
}

export interface ResultsImported {
  resultSets: number;
  evaluations: number;
  renamed: { from: string; to: string }[];
}

interface SetRow {
  id: number;
  name: string;
  method: string;
  origin: 'edit' | 'import';
  status: 'running' | 'complete' | 'incomplete';
  dataset_name: string;
  checkpoint_step: number | null;
  model_folder: string | null;
  config_sha256: string | null;
  provenance: string;
  expected: number | null;
  created_at: string;
  updated_at: string;
}

const arrayOf = (text: string | null): unknown[] => {
  const v = parseJson(text, []);
  return Array.isArray(v) ? v : [];
};
/** A constraint a hostile or inconsistent row breaks (a duplicate sample, an image the bundle lacks) names the row. */
function at<T>(where: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (err instanceof BundleRowsError) throw err;
    throw new BundleRowsError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const base64 = (b: Buffer | null) => (b && b.byteLength > 0 ? b.toString('base64') : null);
const bytesOf = (s: string | null) => (s === null ? null : Buffer.from(s, 'base64'));

/** The result sets made with run `runId` or one of its checkpoints, oldest first, with their local ids. */
export function resultSetsOf(db: Db, runId: number): { id: number; set: ResultSetRecord }[] {
  const rows = db
    .prepare<[number, number], SetRow>(
      `SELECT r.id, r.name, r.method, r.origin, r.status, d.name AS dataset_name, c.step AS checkpoint_step, r.model_folder, r.config_sha256,
         r.provenance, r.expected, r.created_at, r.updated_at
       FROM result_sets r JOIN datasets d ON d.id = r.dataset_id LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
       WHERE r.run_id = ? OR r.checkpoint_id IN (SELECT id FROM checkpoints WHERE run_id = ?) ORDER BY r.id`,
    )
    .all(runId, runId);
  return rows.map((r) => ({
    id: r.id,
    set: {
      name: r.name,
      method: r.method,
      origin: r.origin,
      // A set still 'running' has no job in the importing store to finish it.
      status: r.status === 'running' ? 'incomplete' : r.status,
      datasetName: r.dataset_name,
      checkpointStep: r.checkpoint_step,
      modelFolder: r.model_folder,
      configSha256: r.config_sha256,
      provenance: parseObject(r.provenance),
      expected: r.expected,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    },
  }));
}

export function* resultImageLines(db: Db, setId: number): IterableIterator<ResultImageLine> {
  type Row = { external_id: string; status: 'done' | 'error'; image_sha256: string | null; size: number | null; seconds: number | null; seed: number | null; error: string | null; source_file: string | null; params: string; created_at: string };
  const rows = db
    .prepare<[number], Row>(
      `SELECT s.external_id, i.status, i.image_sha256, i.size, i.seconds, i.seed, i.error, i.source_file, i.params, i.created_at
       FROM result_images i JOIN samples s ON s.id = i.sample_id WHERE i.result_set_id = ? ORDER BY i.sample_id`,
    )
    .iterate(setId);
  for (const r of rows) {
    yield { externalId: r.external_id, status: r.status, imageSha256: r.image_sha256, size: r.size, seconds: r.seconds, seed: r.seed, error: r.error, sourceFile: r.source_file, params: parseObject(r.params), createdAt: r.created_at };
  }
}

/** The `images` rows of the sets' finished images (each once). */
export function imagesOf(db: Db, setIds: readonly number[]): BundleImage[] {
  if (setIds.length === 0) return [];
  return db
    .prepare<number[], BundleImage>(
      `SELECT DISTINCT im.sha256, im.width, im.height, im.channels, im.format, im.thumb_sha256 AS thumbSha256
       FROM images im JOIN result_images i ON i.image_sha256 = im.sha256 WHERE i.result_set_id IN (${setIds.map(() => '?').join(',')}) ORDER BY im.sha256`,
    )
    .all(...setIds);
}

/** The sets' evaluations with their aggregates (scored samples: evaluationSampleLines). */
export function evaluationsOf(db: Db, setIds: readonly number[]): { id: number; resultSetId: number; evaluation: EvaluationRecordOut }[] {
  if (setIds.length === 0) return [];
  type Row = Record<string, unknown> & { id: number; result_set_id: number };
  const rows = db.prepare<number[], Row>(`SELECT * FROM evaluations WHERE result_set_id IN (${setIds.map(() => '?').join(',')}) ORDER BY id`).all(...setIds);
  const aggregates = db.prepare<[number], BundleEvaluation['aggregates'][number]>('SELECT metric, region, value, std, n FROM evaluation_aggregates WHERE evaluation_id = ? ORDER BY metric, region');
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return rows.map((r) => {
    const status = String(r['status']);
    const aggregate = parseJson(str(r['aggregate']), null);
    return {
      id: r.id,
      resultSetId: r.result_set_id,
      evaluation: {
        label: String(r['label']),
        presetName: str(r['preset_name']),
        presetSha256: str(r['preset_sha256']),
        preset: r['preset'] === null ? null : parseObject(str(r['preset'])),
        against: str(r['against']) as BundleEvaluation['against'],
        split: str(r['split']) as BundleEvaluation['split'],
        // Queued or running here: no job in the importing store will finish it.
        status: (status === 'queued' || status === 'running' ? 'incomplete' : status) as BundleEvaluation['status'],
        config: parseObject(str(r['config'])),
        models: arrayOf(str(r['models'])),
        rules: arrayOf(str(r['rules'])),
        warnings: arrayOf(str(r['warnings'])).filter((w): w is string => typeof w === 'string'),
        expected: num(r['expected']),
        missing: arrayOf(str(r['missing'])).flatMap((m) => {
          const o = m as { externalId?: unknown; reason?: unknown };
          return typeof o.externalId === 'string' ? [{ externalId: o.externalId, reason: typeof o.reason === 'string' ? o.reason : '' }] : [];
        }),
        aggregate: aggregate && typeof aggregate === 'object' && !Array.isArray(aggregate) ? (aggregate as Record<string, unknown>) : null,
        fidRefKey: str(r['fid_ref_key']),
        backend: str(r['backend']),
        workers: num(r['workers']),
        codeVersion: str(r['code_version']),
        createdAt: String(r['created_at']),
        finishedAt: str(r['finished_at']),
        updatedAt: str(r['updated_at']),
        aggregates: aggregates.all(r.id),
      },
    };
  });
}

export function* evaluationSampleLines(db: Db, evaluationId: number): IterableIterator<EvaluationSampleLine> {
  type Row = { sample_id: number; external_id: string; image_sha256: string; status: 'done' | 'error'; error: string | null; notes: string; seconds: number | null; fid_generated: Buffer | null; fid_reference: Buffer | null; is_logits: Buffer | null; created_at: string };
  const scores = db.prepare<[number, number], EvaluationSampleLine['scores'][number]>('SELECT metric, region, value FROM evaluation_scores WHERE evaluation_id = ? AND sample_id = ? ORDER BY metric, region');
  const rows = db
    .prepare<[number], Row>(
      `SELECT es.sample_id, s.external_id, es.image_sha256, es.status, es.error, es.notes, es.seconds, es.fid_generated, es.fid_reference, es.is_logits, es.created_at
       FROM evaluation_samples es JOIN samples s ON s.id = es.sample_id WHERE es.evaluation_id = ? ORDER BY es.sample_id`,
    )
    .all(evaluationId);
  for (const r of rows) {
    yield {
      externalId: r.external_id,
      imageSha256: r.image_sha256,
      status: r.status,
      error: r.error,
      notes: arrayOf(r.notes).filter((n): n is string => typeof n === 'string'),
      seconds: r.seconds,
      fidGenerated: base64(r.fid_generated),
      fidReference: base64(r.fid_reference),
      isLogits: base64(r.is_logits),
      createdAt: r.created_at,
      scores: scores.all(evaluationId, r.sample_id),
    };
  }
}

/**
 * Writes a bundle's result sets and evaluations for run `runId` (inside the caller's transaction).
 * A set of the same name in the dataset made from this run (an earlier import) is replaced; one
 * that is not this run's keeps its name and the imported set takes `<name> [<uid prefix>]`.
 */
export function importResults(db: Db, runId: number, uid: string, r: ResultsImport): ResultsImported {
  const now = new Date().toISOString();
  const image = db.prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, ?, ?, ?, ?, ?)');
  for (const i of r.images) image.run(i.sha256, i.width, i.height, i.channels, i.format, i.thumbSha256);
  const dataset = db.prepare<[string], { id: number }>('SELECT id FROM datasets WHERE name = ?');
  const sampleIds = new Map<number, Map<string, number>>();
  const samplesOf = (datasetId: number) => {
    let m = sampleIds.get(datasetId);
    if (!m) {
      m = new Map(db.prepare<[number], { id: number; external_id: string }>('SELECT id, external_id FROM samples WHERE dataset_id = ?').all(datasetId).map((s) => [s.external_id, s.id]));
      sampleIds.set(datasetId, m);
    }
    return m;
  };
  const sampleOf = (datasetId: number, datasetName: string, externalId: string, where: string) => {
    const id = samplesOf(datasetId).get(externalId);
    if (id === undefined) throw new BundleRowsError(`${where}: sample "${externalId}" is not in dataset "${datasetName}" here`);
    return id;
  };
  const byName = db.prepare<[number, string], { id: number; run_id: number | null }>('SELECT id, run_id FROM result_sets WHERE dataset_id = ? AND name = ?');
  const checkpoint = db.prepare<[number, number], { id: number }>('SELECT id FROM checkpoints WHERE run_id = ? AND step = ?');
  const insertSet = db.prepare(
    `INSERT INTO result_sets(dataset_id, name, method, origin, status, job_id, run_id, checkpoint_id, model_folder, config_sha256, provenance, expected, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertImage = db.prepare(
    `INSERT INTO result_images(result_set_id, sample_id, status, image_sha256, size, seconds, seed, error, source_file, params, job_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
  );
  const renamed: ResultsImported['renamed'] = [];
  const made: { id: number; datasetId: number; datasetName: string }[] = [];
  for (const { where, set, lines } of r.sets) {
    const d = dataset.get(set.datasetName);
    if (!d) throw new BundleRowsError(`${where}: result set "${set.name}" is of dataset "${set.datasetName}", which this store does not have: import that dataset first, or import the run without its results`);
    let name = set.name;
    const same = byName.get(d.id, name);
    if (same && same.run_id === runId) db.prepare('DELETE FROM result_sets WHERE id = ?').run(same.id);
    else if (same) {
      name = `${set.name} [${uid.slice(0, 8)}]`;
      const taken = byName.get(d.id, name);
      if (taken && taken.run_id !== runId) throw new BundleRowsError(`${where}: result sets "${set.name}" and "${name}" of dataset "${set.datasetName}" are both taken by other runs' sets`);
      if (taken) db.prepare('DELETE FROM result_sets WHERE id = ?').run(taken.id);
      renamed.push({ from: set.name, to: name });
    }
    const cp = set.checkpointStep === null ? undefined : checkpoint.get(runId, set.checkpointStep);
    const id = at(where, () =>
      Number(
        insertSet.run(d.id, name, set.method, set.origin, set.status, runId, cp?.id ?? null, set.modelFolder, set.configSha256, JSON.stringify(set.provenance), set.expected, set.createdAt, set.updatedAt || now).lastInsertRowid,
      ),
    );
    for (const { where: w, line: l } of lines) {
      at(w, () => insertImage.run(id, sampleOf(d.id, set.datasetName, l.externalId, w), l.status, l.imageSha256, l.size, l.seconds, l.seed, l.error, l.sourceFile, JSON.stringify(l.params), l.createdAt));
    }
    made.push({ id, datasetId: d.id, datasetName: set.datasetName });
  }
  const insertEval = db.prepare(
    `INSERT INTO evaluations(run_id, job_id, label, dataset_id, config, status, created_at, finished_at, result_set_id, against, split, preset_name, preset_sha256, preset,
       models, rules, warnings, expected, missing, aggregate, fid_ref_key, backend, workers, code_version, updated_at)
     VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAggregate = db.prepare('INSERT INTO evaluation_aggregates(evaluation_id, metric, region, value, std, n) VALUES (?, ?, ?, ?, ?, ?)');
  const insertSample = db.prepare(
    `INSERT INTO evaluation_samples(evaluation_id, sample_id, image_sha256, status, error, notes, seconds, fid_generated, fid_reference, is_logits, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertScore = db.prepare('INSERT INTO evaluation_scores(evaluation_id, sample_id, metric, region, value) VALUES (?, ?, ?, ?, ?)');
  for (const { where, resultSet, evaluation: e, lines } of r.evaluations) {
    const set = made[resultSet];
    if (!set) throw new BundleRowsError(`${where}: resultSet ${resultSet} is not one of the bundle's ${made.length} result sets`);
    const missing = e.missing.map((m) => ({ sampleId: samplesOf(set.datasetId).get(m.externalId) ?? null, externalId: m.externalId, reason: m.reason }));
    const id = at(where, () =>
      Number(
        insertEval.run(
        runId, e.label, set.datasetId, JSON.stringify(e.config), e.status, e.createdAt, e.finishedAt, set.id, e.against, e.split, e.presetName, e.presetSha256,
        e.preset === null ? null : JSON.stringify(e.preset), JSON.stringify(e.models), JSON.stringify(e.rules), JSON.stringify(e.warnings), e.expected,
        JSON.stringify(missing), e.aggregate === null ? null : JSON.stringify(e.aggregate), e.fidRefKey, e.backend, e.workers, e.codeVersion, e.updatedAt,
        ).lastInsertRowid,
      ),
    );
    e.aggregates.forEach((a, i) => at(`${where}.aggregates.${i}`, () => insertAggregate.run(id, a.metric, a.region, a.value, a.std, a.n)));
    for (const { where: w, line: l } of lines) {
      const sampleId = sampleOf(set.datasetId, set.datasetName, l.externalId, w);
      at(w, () => {
        insertSample.run(id, sampleId, l.imageSha256, l.status, l.error, JSON.stringify(l.notes), l.seconds, bytesOf(l.fidGenerated), bytesOf(l.fidReference), bytesOf(l.isLogits), l.createdAt);
        for (const s of l.scores) insertScore.run(id, sampleId, s.metric, s.region, s.value);
      });
    }
  }
  return { resultSets: made.length, evaluations: r.evaluations.length, renamed };
}
