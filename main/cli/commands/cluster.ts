// `ric export run ID --out DIR`, `ric import run BUNDLE`, and `ric cluster ...` (issue 19):
// profiles, preview, submit, status (follows the array: states and live metric points), cancel,
// resubmit, collect — each one Api call. `ric cluster task` is what an array task runs on the
// cluster (cluster-task.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  API_BOUNDS,
  clusterProfileSchema,
  parseBoundedJson,
  runMatrixSchema,
  type ClusterProfileInput,
  type MatrixPreview,
  type RunMatrix,
  type Submission,
} from '../../../shared/api/index.js';
import { CliError, printResult, type OutputOptions } from '../output.js';
import { withApi } from '../session.js';
import { runClusterTask } from './cluster-task.js';

const MAX_MATRIX_BYTES = 4 * 1024 * 1024;

const int = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
  return n;
};
const taskList = (value: string) => {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError('a comma-separated list of task indices (0, 1, ...)');
  return list;
};

/** A matrix file: JSON, checked against the matrix schema, errors naming the file and the field. */
export function readMatrix(file: string): RunMatrix {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_MATRIX_BYTES) throw new CliError(`${file}: ${size} bytes is too big for a run matrix`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseBoundedJson(text, { ...API_BOUNDS, maxBytes: MAX_MATRIX_BYTES }, file);
  } catch (err) {
    throw new CliError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  const parsed = runMatrixSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${file}: ${issue?.path.length ? `field ${issue.path.join('.')}: ` : ''}${issue?.message ?? 'not a run matrix'}`);
  }
  return parsed.data;
}

const hours = (h: number | null) => (h === null ? '?' : h < 1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(1)} h`);

function previewText(p: MatrixPreview): string {
  return [
    `${p.name}: ${p.runs.length} ${p.kind} runs on "${p.datasetName}", ${p.gpusPerRun} GPU(s) each`,
    ...p.runs.map((r) => `  ${String(r.index).padStart(3)}  ${r.name}  seed ${r.seed}  ${r.steps ?? '?'} steps`),
    `step time: ${p.secondsPerStep === null ? '?' : `${p.secondsPerStep.toFixed(3)} s`} (${p.stepTimeSource})`,
    `cost: ${hours(p.hoursPerRun)} per run, ${p.gpuHours === null ? '?' : p.gpuHours.toFixed(2)} GPU-hours in all`,
    ...(p.sbatch ? [`submits through ${p.sbatch.where}: ${p.sbatch.command}`] : []),
  ].join('\n');
}

function submissionText(s: Submission): string {
  return [
    `submission ${s.id} "${s.name}" on ${s.profile}: ${s.state}${s.arrayJobId ? `, Slurm array ${s.arrayJobId}` : ''}${s.message ? ` — ${s.message}` : ''}`,
    `work folder ${s.workDir}`,
    ...s.tasks.map(
      (t) =>
        `  ${String(t.index).padStart(3)}  ${(t.slurmJobId ?? '-').padEnd(10)} ${t.state.padEnd(10)} ${t.runState.padEnd(11)} step ${String(t.lastStep ?? '-').padEnd(6)} run ${t.runId ?? '-'}${t.collected ? ' (collected)' : ''}${t.attempts > 1 ? ` attempt ${t.attempts}` : ''}  ${t.name}${t.message ? `  — ${t.message}` : ''}`,
    ),
  ].join('\n');
}

function registerBundleCommands(program: Command, dataDir: () => string): void {
  const exportCmd = program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export data');
  exportCmd
    .command('run <id>')
    .description('write a run as a bundle folder: config, metric curve, checkpoints, stored samples, the result sets edited with its checkpoints and their evaluations')
    .requiredOption('--out <dir>', 'the bundle folder to write (new, or an earlier bundle of the same run)')
    .addOption(new Option('--checkpoints <which>', 'checkpoint files to carry (their rows travel as references either way)').choices(['all', 'last', 'none']).default('all'))
    .option('--no-results', "leave out the result sets edited with the run's checkpoints and their evaluations")
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string, opts: OutputOptions & { out: string; checkpoints: 'all' | 'last' | 'none'; results: boolean }) => {
      const runId = int(1)(id);
      await withApi(dataDir(), async (api) => {
        const r = await api.call('runs.export', { id: runId, path: path.resolve(opts.out), checkpoints: opts.checkpoints, results: opts.results });
        printResult(opts, r, () => `run ${runId} → ${r.path}: ${r.points} metric points, ${r.checkpoints} checkpoint(s) with files, ${r.resultSets} result set(s), ${r.evaluations} evaluation(s), ${(r.bytes / 1e6).toFixed(1)} MB`);
      });
    });
  const importCmd = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('import data');
  importCmd
    .command('run <bundle>')
    .description('import a run bundle folder (the same bundle twice adds nothing)')
    .option('--no-results', "import the run only, not the bundle's result sets and evaluations (when this store lacks their dataset)")
    .option('--json', 'one JSON document on stdout')
    .action(async (bundle: string, opts: OutputOptions & { results: boolean }) => {
      await withApi(dataDir(), async (api) => {
        const r = await api.call('runs.import', { path: path.resolve(bundle), results: opts.results });
        const what = { imported: 'imported as', updated: 'updated', unchanged: 'already here as', local: 'made in this store:' }[r.outcome];
        const renamed = r.renamed.map((x) => `\n  result set "${x.from}" imported as "${x.to}" (the name was taken)`).join('');
        printResult(
          opts,
          r,
          () =>
            `${what} run ${r.runId} (uid ${r.uid})${r.outcome === 'imported' || r.outcome === 'updated' ? `: ${r.points} metric points, ${r.checkpoints} checkpoint(s) with files, ${r.resultSets} result set(s), ${r.evaluations} evaluation(s)${renamed}` : ''}`,
        );
      });
    });
}

function profileCommand(dataDir: () => string): Command {
  const profile = new Command('profile').description('cluster profiles (Settings): how to reach the login node and what to ask Slurm for');
  profile
    .command('add <name>')
    .description('add or replace a profile')
    .option('--ssh <host>', 'reach the login node with ssh (your ~/.ssh/config applies); without it, commands run on this machine')
    .option('--port <n>', 'ssh port', int(1))
    .requiredOption('--partition <name>', 'Slurm partition')
    .option('--account <name>', 'Slurm account')
    .option('--gpus <n>', 'GPUs per run', int(0), 1)
    .option('--cpus <n>', 'CPUs per run', int(1), 4)
    .requiredOption('--time <limit>', 'time limit per run (Slurm --time: minutes, HH:MM:SS, D-HH:MM:SS)')
    .requiredOption('--work-dir <dir>', 'folder on the cluster\'s shared filesystem for submissions')
    .requiredOption('--ric <command>', 'how ric starts there, e.g. "module load ric && ric" or "node /opt/ric/bin/ric.js"')
    .option('--max-parallel <n>', 'at most this many tasks at once', int(1))
    .option('--json', 'one JSON document on stdout')
    .action(async (name: string, o: OutputOptions & { ssh?: string; port?: number; partition: string; account?: string; gpus: number; cpus: number; time: string; workDir: string; ric: string; maxParallel?: number }) => {
      const input: ClusterProfileInput = {
        name,
        login: o.ssh ? { kind: 'ssh', host: o.ssh, ...(o.port ? { port: o.port } : {}) } : { kind: 'local' },
        partition: o.partition,
        account: o.account ?? null,
        gpusPerRun: o.gpus,
        cpusPerRun: o.cpus,
        timeLimit: o.time,
        workDir: o.workDir,
        ricCommand: o.ric,
        maxParallel: o.maxParallel ?? null,
      };
      const parsed = clusterProfileSchema.safeParse(input);
      if (!parsed.success) throw new CliError(`profile "${name}": ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      await withApi(dataDir(), async (api) => {
        const all = await api.call('cluster.saveProfile', parsed.data);
        printResult(o, all, () => `saved profile "${name}" (${all.length} profile(s))`);
      });
    });
  profile
    .command('list')
    .option('--json', 'one JSON document on stdout')
    .action(async (o: OutputOptions) => {
      await withApi(dataDir(), async (api) => {
        const all = await api.call('cluster.profiles', {});
        printResult(o, all, () => all.map((p) => `${p.name}: ${p.login.kind === 'ssh' ? `ssh ${p.login.host}` : 'local'}, partition ${p.partition}, ${p.gpusPerRun} GPU(s), ${p.timeLimit}, ${p.workDir}`).join('\n') || 'no cluster profiles');
      });
    });
  profile
    .command('remove <name>')
    .action(async (name: string) => {
      await withApi(dataDir(), async (api) => void (await api.call('cluster.deleteProfile', { name })));
    });
  return profile;
}

export function clusterCommand(program: Command, dataDir: () => string): void {
  registerBundleCommands(program, dataDir);
  const cluster = new Command('cluster').description('run a matrix of training runs as one Slurm job array and bring the runs back');
  cluster.addCommand(profileCommand(dataDir));
  cluster
    .command('preview <matrix>')
    .description('the runs a matrix file expands to and its cost (GPU-hours from measured step times)')
    .option('--profile <name>', 'for its GPUs per run')
    .option('--json', 'one JSON document on stdout')
    .action(async (file: string, o: OutputOptions & { profile?: string }) => {
      const matrix = readMatrix(file);
      await withApi(dataDir(), async (api) => {
        const p = await api.call('cluster.preview', { matrix, ...(o.profile ? { profile: o.profile } : {}) });
        printResult(o, p, () => previewText(p));
      });
    });
  cluster
    .command('submit <matrix>')
    .description('stage the dataset snapshot and configs to the work folder and submit one Slurm job array')
    .requiredOption('--profile <name>', 'cluster profile (ric cluster profile list)')
    .option('--json', 'one JSON document on stdout')
    .action(async (file: string, o: OutputOptions & { profile: string }) => {
      const matrix = readMatrix(file);
      await withApi(dataDir(), async (api) => {
        const s = await api.call('cluster.submit', { matrix, profile: o.profile });
        printResult(o, s, () => submissionText(s));
      });
    });
  cluster
    .command('status [id]')
    .description("poll Slurm: the tasks' states, and their new metric points into the runs (all submissions without an id)")
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string | undefined, o: OutputOptions) => {
      await withApi(dataDir(), async (api) => {
        const ids = id !== undefined ? [int(1)(id)] : (await api.call('cluster.submissions', {})).filter((s) => s.state === 'submitted').map((s) => s.id);
        const subs: Submission[] = [];
        for (const sid of ids) subs.push(await api.call('cluster.poll', { id: sid }));
        printResult(o, id !== undefined ? subs[0] : subs, () => subs.map(submissionText).join('\n\n') || 'no submissions being followed');
      });
    });
  for (const [name, method, what] of [
    ['cancel', 'cluster.cancel', 'scancel the array, or some of its tasks'],
    ['resubmit', 'cluster.resubmit', 'submit failed, cancelled or interrupted tasks again; each resumes from its last checkpoint'],
  ] as const) {
    cluster
      .command(`${name} <id>`)
      .description(what)
      .option('--tasks <list>', 'task indices, comma-separated', taskList)
      .option('--json', 'one JSON document on stdout')
      .action(async (id: string, o: OutputOptions & { tasks?: number[] }) => {
        await withApi(dataDir(), async (api) => {
          const s = await api.call(method, { id: int(1)(id), ...(o.tasks ? { tasks: o.tasks } : {}) });
          printResult(o, s, () => submissionText(s));
        });
      });
  }
  cluster
    .command('collect <id>')
    .description("import every finished task's run bundle (a bundle imported before is not imported again)")
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string, o: OutputOptions) => {
      await withApi(dataDir(), async (api) => {
        const r = await api.call('cluster.collect', { id: int(1)(id) });
        printResult(o, r, () => `${submissionText(r.submission)}\ncollected: ${r.imported} imported, ${r.updated} updated, ${r.unchanged} already here, ${r.waiting} not finished`);
      });
    });
  cluster
    .command('task', { hidden: true })
    .description('run one array task on the cluster (what the batch script calls)')
    .requiredOption('--work <dir>', "the submission's work folder")
    .requiredOption('--index <n>', 'the array index', int(0))
    .action(async (o: { work: string; index: number }) => {
      await runClusterTask(o.work, o.index);
    });
  program.addCommand(cluster);
}
