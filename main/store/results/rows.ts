// The result_sets and result_images rows (migration 6) mapped to the Api's ResultSetSummary,
// ResultSetDetail and ResultImage (shared/api/results.ts describes the model).
import type { ResultImage, ResultImageStatus, ResultOrigin, ResultSetDetail, ResultSetStatus, ResultSetSummary } from '../../../shared/api/results.js';
import { parseObject } from '../json.js';

export interface ResultSetRow {
  id: number;
  dataset_id: number;
  dataset_name: string;
  name: string;
  method: string;
  origin: ResultOrigin;
  status: ResultSetStatus;
  job_id: number | null;
  run_id: number | null;
  checkpoint_id: number | null;
  model_folder: string | null;
  config_sha256: string | null;
  provenance: string;
  expected: number | null;
  created_at: string;
  updated_at: string;
  done: number;
  errors: number;
  seconds_per_image: number | null;
}

// A set left 'running' by a job that is no longer live (its engine host was killed) reads as
// 'incomplete': running the same edit again fills it in.
export const RESULT_SET_SELECT = `SELECT r.id, r.dataset_id, r.name, r.method, r.origin, r.job_id, r.run_id, r.checkpoint_id, r.model_folder,
    r.config_sha256, r.provenance, r.expected, r.created_at, r.updated_at, d.name AS dataset_name,
    CASE WHEN r.status = 'running' AND coalesce((SELECT j.state FROM jobs j WHERE j.id = r.job_id), 'gone') NOT IN ('queued', 'running', 'paused')
      THEN 'incomplete' ELSE r.status END AS status,
    (SELECT count(*) FROM result_images i WHERE i.result_set_id = r.id AND i.status = 'done') AS done,
    (SELECT count(*) FROM result_images i WHERE i.result_set_id = r.id AND i.status = 'error') AS errors,
    (SELECT avg(i.seconds) FROM result_images i WHERE i.result_set_id = r.id AND i.status = 'done') AS seconds_per_image
  FROM result_sets r JOIN datasets d ON d.id = r.dataset_id`;

export function toResultSetSummary(r: ResultSetRow): ResultSetSummary {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    name: r.name,
    method: r.method,
    origin: r.origin,
    status: r.status,
    jobId: r.job_id,
    runId: r.run_id,
    checkpointId: r.checkpoint_id,
    modelFolder: r.model_folder,
    configSha256: r.config_sha256,
    done: r.done,
    errors: r.errors,
    expected: r.expected,
    secondsPerImage: r.seconds_per_image,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toResultSetDetail(r: ResultSetRow): ResultSetDetail {
  return { ...toResultSetSummary(r), provenance: parseObject(r.provenance) };
}

export interface ResultImageRow {
  result_set_id: number;
  sample_id: number;
  external_id: string;
  status: ResultImageStatus;
  image_sha256: string | null;
  image_width: number | null;
  image_height: number | null;
  thumb_sha256: string | null;
  size: number | null;
  seconds: number | null;
  seed: number | null;
  error: string | null;
  source_file: string | null;
  params: string;
  job_id: number | null;
  created_at: string;
}

export const RESULT_IMAGE_SELECT = `SELECT i.result_set_id, i.sample_id, s.external_id, i.status, i.image_sha256,
    im.width AS image_width, im.height AS image_height, im.thumb_sha256, i.size, i.seconds, i.seed, i.error,
    i.source_file, i.params, i.job_id, i.created_at
  FROM result_images i JOIN samples s ON s.id = i.sample_id LEFT JOIN images im ON im.sha256 = i.image_sha256`;

export function toResultImage(r: ResultImageRow): ResultImage {
  return {
    resultSetId: r.result_set_id,
    sampleId: r.sample_id,
    externalId: r.external_id,
    status: r.status,
    image:
      r.image_sha256 === null
        ? null
        : { sha256: r.image_sha256, width: r.image_width ?? 0, height: r.image_height ?? 0, thumbSha256: r.thumb_sha256 },
    size: r.size,
    seconds: r.seconds,
    seed: r.seed,
    error: r.error,
    sourceFile: r.source_file,
    params: parseObject(r.params),
    jobId: r.job_id,
    createdAt: r.created_at,
  };
}
