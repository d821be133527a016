// Beyond one workstation (issue 19, DESIGN.md §6): a run matrix (a base config and axes → the list
// of runs, with its cost preview), cluster profiles (how to reach the login node and what to ask
// Slurm for), and submissions — one Slurm job array per matrix — followed, cancelled, resubmitted
// and collected back into the store as run bundles.
import { z } from 'zod';
import { method } from './contract.js';
import { jobStateSchema } from './jobs.js';

/** Slurm names (partition, account): letters, digits, and . _ - only, so they never need quoting. */
const slurmName = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "_" and "-" only');

export const loginSchema = z.discriminatedUnion('kind', [
  /** The app runs on the login node itself: commands run in a local shell. */
  z.object({ kind: z.literal('local') }).strict(),
  /** `ssh HOST` with the user's own ~/.ssh/config (keys, jump hosts); never a password prompt. */
  z
    .object({
      kind: z.literal('ssh'),
      host: z.string().regex(/^[A-Za-z0-9._@:-]{1,255}$/, 'an ssh destination: [user@]host or a Host alias of ~/.ssh/config'),
      port: z.number().int().min(1).max(65535).optional(),
    })
    .strict(),
]);
export type ClusterLogin = z.infer<typeof loginSchema>;

export const clusterProfileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only'),
    login: loginSchema,
    partition: slurmName,
    account: slurmName.nullable().default(null),
    gpusPerRun: z.number().int().min(0).max(64).default(1),
    cpusPerRun: z.number().int().min(1).max(256).default(4),
    /** Slurm's --time: minutes, [D-]HH:MM[:SS] or MM:SS. */
    timeLimit: z.string().regex(/^(\d+-)?\d{1,3}(:\d{2}){0,2}$/, "Slurm's --time format: minutes, HH:MM:SS or D-HH:MM:SS"),
    /** The folder on the cluster's shared filesystem under which each submission gets its own. */
    workDir: z
      .string()
      .max(1024)
      .regex(/^\/[^\0\n'"`$\\]*$/, 'an absolute path on the cluster, without quotes, $, ` or backslashes'),
    /** How `ric` starts there, a shell line the batch script runs with arguments appended (e.g. "module load ric && ric"). */
    ricCommand: z.string().min(1).max(2000).refine((s) => !s.includes('\n') && !s.includes('\0'), 'one line'),
    /** At most this many array tasks at once (Slurm's --array=...%N); null: as many as Slurm gives. */
    maxParallel: z.number().int().min(1).max(100_000).nullable().default(null),
  })
  .strict();
export type ClusterProfile = z.infer<typeof clusterProfileSchema>;
export type ClusterProfileInput = z.input<typeof clusterProfileSchema>;

export const matrixKinds = ['train-regionclip', 'train-blip', 'train-editor'] as const;

/** The editor trainer's ablation switch (main/engine/training/editor/config.ts; a test keeps them equal), for the matrix dialog. */
export const editorAblations = ['full', 'baseline', 'no_global', 'no_region', 'no_fusion'] as const;

export const matrixAxisSchema = z
  .object({
    /** A config field (dotted for nested objects, e.g. "losses.region"), or "seed". */
    key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a config field name, dotted for nested fields'),
    values: z.array(z.unknown()).min(1).max(256),
    /** Short names of the values for run names (ablation labels); default: the values themselves. */
    labels: z.array(z.string().min(1).max(80)).optional(),
  })
  .strict()
  .refine((a) => a.labels === undefined || a.labels.length === a.values.length, { message: 'labels must name every value (as many labels as values)' });

export const runMatrixSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._ -]{1,80}$/, 'letters, digits, spaces, ".", "_" and "-" only'),
    /** The job kind every run is: train-editor once the editor trains (issue 15), Region-CLIP or BLIP now. */
    kind: z.enum(matrixKinds),
    dataset: z.string().min(1).max(400),
    preset: z.enum(['tiny']).optional(),
    base: z.record(z.string(), z.unknown()).default({}),
    axes: z.array(matrixAxisSchema).max(8).default([]),
    /** Overrides the measured seconds per training step for the cost preview. */
    secondsPerStep: z.number().positive().optional(),
  })
  .strict();
export type RunMatrix = z.infer<typeof runMatrixSchema>;
export type RunMatrixInput = z.input<typeof runMatrixSchema>;

export const plannedRunSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  seed: z.number().int(),
  /** The config overrides this run trains with (the base with its axis values set). */
  config: z.record(z.string(), z.unknown()),
  /** Axis key → label of this run's value. */
  variant: z.record(z.string(), z.string()),
  steps: z.number().int().nullable(),
});
export type PlannedRun = z.infer<typeof plannedRunSchema>;

export const matrixPreviewSchema = z.object({
  name: z.string(),
  kind: z.enum(matrixKinds),
  datasetId: z.number().int(),
  datasetName: z.string(),
  runs: z.array(plannedRunSchema),
  /** Seconds per step the estimate uses, and where the figure came from. */
  secondsPerStep: z.number().nullable(),
  stepTimeSource: z.string(),
  /** Per run and for the whole matrix; null without a step time. */
  hoursPerRun: z.number().nullable(),
  gpuHours: z.number().nullable(),
  gpusPerRun: z.number().int(),
  /**
   * With a profile: what submit will run on the login node — the sbatch command of the one job array,
   * its batch script, and the work folder (the submission id and the folder's random suffix are
   * placeholders until submit).
   */
  sbatch: z.object({ array: z.string(), workDir: z.string(), command: z.string(), script: z.string(), where: z.string() }).optional(),
});
export type MatrixPreview = z.infer<typeof matrixPreviewSchema>;

export const clusterTaskSchema = z.object({
  index: z.number().int(),
  runId: z.number().int().nullable(),
  name: z.string(),
  slurmJobId: z.string().nullable(),
  /** Slurm's state while it knows the task (PENDING, RUNNING, ...), else the task's own report. */
  state: z.string(),
  /** The run's state in our terms (what the jobs panel and the runs list show). */
  runState: jobStateSchema,
  attempts: z.number().int(),
  lastStep: z.number().int().nullable(),
  collected: z.boolean(),
  message: z.string().nullable(),
});
export type ClusterTask = z.infer<typeof clusterTaskSchema>;

export const submissionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  profile: z.string(),
  workDir: z.string(),
  arrayJobId: z.string().nullable(),
  state: z.enum(['staging', 'submitted', 'cancelled', 'failed']),
  message: z.string().nullable(),
  createdAt: z.string(),
  tasks: z.array(clusterTaskSchema),
});
export type Submission = z.infer<typeof submissionSchema>;

const submissionRef = z.object({ id: z.number().int().positive() }).strict();
const taskList = z.array(z.number().int().nonnegative()).max(100_000).optional();

export const clusterMethods = {
  'cluster.profiles': method(z.object({}).strict(), z.array(clusterProfileSchema), 'The cluster profiles saved in Settings'),
  'cluster.saveProfile': method(clusterProfileSchema, z.array(clusterProfileSchema), 'Adds or replaces a cluster profile (by name)'),
  'cluster.deleteProfile': method(z.object({ name: z.string().min(1).max(64) }).strict(), z.array(clusterProfileSchema), 'Removes a cluster profile'),
  'cluster.preview': method(
    z.object({ matrix: runMatrixSchema, profile: z.string().max(64).optional() }).strict(),
    matrixPreviewSchema,
    'The runs a matrix expands to and its cost (GPU-hours from measured step times)',
  ),
  'cluster.submit': method(
    z.object({ matrix: runMatrixSchema, profile: z.string().min(1).max(64) }).strict(),
    submissionSchema,
    'Stages the dataset snapshot and configs to the work folder and submits one Slurm job array',
  ),
  'cluster.submissions': method(z.object({}).strict(), z.array(submissionSchema), 'Cluster submissions, newest first, as last polled'),
  'cluster.poll': method(submissionRef, submissionSchema, "Asks Slurm for the tasks' states and reads their new metric points into the runs"),
  'cluster.cancel': method(z.object({ id: z.number().int().positive(), tasks: taskList }).strict(), submissionSchema, 'scancel the array (or some of its tasks)'),
  'cluster.resubmit': method(
    z.object({ id: z.number().int().positive(), tasks: taskList }).strict(),
    submissionSchema,
    'Submits failed, cancelled or interrupted tasks again (default: all of them); each resumes from its last checkpoint',
  ),
  'cluster.collect': method(
    submissionRef,
    z.object({
      submission: submissionSchema,
      imported: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      waiting: z.number().int(),
    }),
    "Brings every finished task's run bundle (with its last checkpoint's files) into the store; a bundle imported before is not fetched again",
  ),
};

// ---- files in a submission's work folder on the cluster ----

/** W/matrix.json: what each array task runs (written at staging, read by `ric cluster task`). */
export const stagedMatrixSchema = z
  .object({
    format: z.literal('ric-cluster-matrix'),
    version: z.literal(1),
    submissionId: z.number().int(),
    kind: z.enum(matrixKinds),
    preset: z.enum(['tiny']).optional(),
    datasetName: z.string().min(1).max(400),
    tasks: z
      .array(
        z
          .object({
            index: z.number().int().nonnegative(),
            runUid: z.string().regex(/^[0-9a-f]{32}$/),
            name: z.string().min(1).max(400),
            seed: z.number().int().nonnegative(),
            config: z.record(z.string(), z.unknown()),
          })
          .strict(),
      )
      .max(100_000),
  })
  .strict();
export type StagedMatrix = z.infer<typeof stagedMatrixSchema>;

/** W/tasks/<i>/state.json: the task's own report, rewritten (atomically) as it goes. */
export const taskStateFileSchema = z
  .object({
    state: z.enum(['running', 'completed', 'failed', 'cancelled']),
    runUid: z.string().regex(/^[0-9a-f]{32}$/),
    /** The checkpoint step a resubmitted task resumed from; null on a first start. */
    resumedFrom: z.number().int().nullable(),
    message: z.string().max(4000).nullable(),
    /** sha256 of the finished run's bundle manifest (tasks/<i>/bundle/bundle.json). */
    bundleDigest: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
    updatedAt: z.string().max(64),
  })
  .strict();
export type TaskStateFile = z.infer<typeof taskStateFileSchema>;
