// Run bundles (issue 19): a run moved between stores — its config, metric curve, checkpoints (files
// or references), and the samples stored during training — as a folder:
//   bundle.json        the manifest below (what the importer checks first)
//   metrics.jsonl      one metric point per line, {"key","step","value","time"}
//   checkpoints/<step>/<files>   checkpoint files, where the bundle carries them
//   blobs/<sha256>     files the run's samples point at
// A folder, not an archive: the cluster side writes the metrics file incrementally and the
// workstation reads it while the run goes on; `tar` moves the whole folder when it is done.
// Format 2 adds the result sets edited with the run's checkpoints and their evaluations
// (shared/api/bundle-results.ts); a format-1 bundle reads as one without them.
// `bundleVersion` is this format's version, `schemaVersion` the writer's store schema: a reader
// refuses a bundle with either higher than its own before parsing anything else.
import { z } from 'zod';
import { bundleEvaluationSchema, bundleImageSchema, bundleResultSetSchema } from './bundle-results.js';
import { method } from './contract.js';
import { jobStateSchema } from './jobs.js';

export const BUNDLE_FORMAT = 'ric-run-bundle';
export const BUNDLE_VERSION = 2;
export const BUNDLE_MANIFEST = 'bundle.json';
export const BUNDLE_METRICS = 'metrics.jsonl';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hash (64 hex digits)');
export const runUidSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a run uid (32 hex digits)');
/** A path inside a bundle: relative, forward slashes, no "..", no empty or hidden-trick parts. */
export const bundlePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && !part.includes('\0')), {
    message: 'must be a relative path inside the bundle (no "..", no absolute path)',
  });

export const bundleFileSchema = z.object({ path: bundlePathSchema, size: z.number().int().nonnegative(), sha256 }).strict();
export type BundleFile = z.infer<typeof bundleFileSchema>;

export const bundleCheckpointSchema = z
  .object({
    step: z.number().int().nonnegative(),
    /** Where it lived in the writer's data folder (a reference when the files are not carried). */
    sourcePath: z.string().max(4096),
    size: z.number().nonnegative(),
    validationScore: z.number().nullable(),
    metrics: z.record(z.string(), z.number()),
    createdAt: z.string().max(64),
    /** The checkpoint's files inside the bundle, or null when only its reference travels. */
    files: z.array(bundleFileSchema).max(10_000).nullable(),
  })
  .strict();
export type BundleCheckpoint = z.infer<typeof bundleCheckpointSchema>;

export const bundleSampleSchema = z
  .object({ step: z.number().int(), kind: z.string().max(64), payload: z.unknown(), blobSha256: sha256.nullable() })
  .strict();

export const bundleRunSchema = z
  .object({
    uid: runUidSchema,
    kind: z.string().min(1).max(40),
    name: z.string().min(1).max(400),
    status: jobStateSchema,
    config: z.record(z.string(), z.unknown()),
    seed: z.number().int(),
    backend: z.string().max(200),
    codeVersion: z.string().max(200),
    createdAt: z.string().max(64),
    startedAt: z.string().max(64).nullable(),
    finishedAt: z.string().max(64).nullable(),
    bestMetricKey: z.string().max(200).nullable(),
    bestMetricValue: z.number().nullable(),
    /** The dataset by name: the importer links the run to its own dataset of that name, if any. */
    datasetName: z.string().max(400).nullable(),
  })
  .strict();
export type BundleRun = z.infer<typeof bundleRunSchema>;

export const bundleManifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    bundleVersion: z.number().int().positive(),
    schemaVersion: z.number().int().positive(),
    writtenAt: z.string().max(64),
    writtenBy: z.string().max(200),
    run: bundleRunSchema,
    metrics: z.object({ file: z.literal(BUNDLE_METRICS), points: z.number().int().nonnegative(), sha256 }).strict(),
    checkpoints: z.array(bundleCheckpointSchema).max(100_000),
    samples: z.array(bundleSampleSchema).max(100_000),
    blobs: z.array(bundleFileSchema).max(1_000_000),
    /** Format 2: `images` rows of the result images, the result sets and their evaluations. */
    images: z.array(bundleImageSchema).max(1_000_000).default([]),
    resultSets: z.array(bundleResultSetSchema).max(10_000).default([]),
    evaluations: z.array(bundleEvaluationSchema).max(100_000).default([]),
  })
  .strict();
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/** One line of metrics.jsonl (the live metrics file of a cluster task has the same lines). */
export const metricLineSchema = z.object({ key: z.string().min(1).max(200), step: z.number().int().nonnegative(), value: z.number(), time: z.number() }).strict();
export type MetricLine = z.infer<typeof metricLineSchema>;

export const checkpointModes = ['all', 'last', 'none'] as const;

export const importOutcomes = ['imported', 'updated', 'unchanged', 'local'] as const;
export const runImportResultSchema = z.object({
  runId: z.number().int(),
  uid: runUidSchema,
  /** imported: new here; updated: a newer bundle of a run already here; unchanged: this very bundle was imported before; local: the run was made in this store and is left as it is. */
  outcome: z.enum(importOutcomes),
  points: z.number().int(),
  checkpoints: z.number().int(),
  /** Result sets and evaluations written (0 when left out, or the bundle has none). */
  resultSets: z.number().int(),
  evaluations: z.number().int(),
  /** Result sets that took another name: one of that name, not from this run, was already in the dataset. */
  renamed: z.array(z.object({ from: z.string(), to: z.string() })),
  digest: sha256,
});
export type RunImportResult = z.infer<typeof runImportResultSchema>;

export const bundlesMethods = {
  'runs.export': method(
    z
      .object({
        id: z.number().int().positive(),
        /** The bundle folder to write (must not exist, or be an earlier bundle of the same run). */
        path: z.string().min(1).max(4096),
        checkpoints: z.enum(checkpointModes).default('all'),
        /** Carry the result sets edited with the run's checkpoints and their evaluations. */
        results: z.boolean().default(true),
      })
      .strict(),
    z.object({ path: z.string(), uid: runUidSchema, points: z.number().int(), checkpoints: z.number().int(), resultSets: z.number().int(), evaluations: z.number().int(), bytes: z.number(), digest: sha256 }),
    "Writes a run as a bundle folder: config, metric curve, checkpoints (all, the last, or references only), stored samples, and the result sets edited with its checkpoints with their evaluations",
  ),
  'runs.import': method(
    z
      .object({
        path: z.string().min(1).max(4096),
        /** Import the bundle's result sets and evaluations (their dataset must be in this store); false: the run only. */
        results: z.boolean().default(true),
      })
      .strict(),
    runImportResultSchema,
    'Imports a run bundle folder in one transaction; importing the same bundle again changes nothing',
  ),
};
