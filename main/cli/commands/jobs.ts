// `ric jobs [--json]`, `ric jobs show ID`, `ric jobs cancel ID`, `ric jobs resume ID [--checkpoint N]`.
// A resumed job runs in this process's engine host until it ends (progress on stderr; Ctrl-C stops
// it — training writes a checkpoint first), so the same queue and host serve the CLI and the app.
import { Command, InvalidArgumentError } from 'commander';
import type { ApiEventPayload, JobDetail, JobState, JobSummary } from '../../../shared/api/index.js';
import { jobStates } from '../../../shared/api/index.js';
import { jobsHandlers } from '../../api/handlers/jobs.js';
import { openApp, type App } from '../../app.js';
import { JobNotFoundError, JobStateError } from '../../jobs/index.js';
import { CliError, printResult } from '../output.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function line(j: JobSummary): string {
  const progress = j.total ? `${j.done}/${j.total}` : j.done > 0 ? String(j.done) : '';
  return `${String(j.id).padStart(5)}  ${j.state.padEnd(11)} ${j.kind.padEnd(16)} ${progress.padEnd(12)} ${j.title}${j.error ? `  — ${j.error}` : ''}`;
}

function withApp<T>(dataDir: string, fn: (app: App) => Promise<T> | T): Promise<T> {
  const app = openApp({ dataDir, mode: 'in-process' });
  return Promise.resolve()
    .then(() => fn(app))
    .catch((err: unknown) => {
      if (err instanceof JobNotFoundError || err instanceof JobStateError) throw new CliError(err.message);
      throw err;
    })
    .finally(async () => {
      await app.context.jobs.close();
      app.close();
    });
}

function detail(app: App, id: number): JobDetail {
  const j = app.store.db.prepare('SELECT 1 FROM jobs WHERE id = ?').get(id);
  if (!j) throw new CliError(`job ${id} not found (ric jobs lists them)`);
  return jobsHandlers(app.context)['jobs.get']({ id }, { transport: 'in-process' }) as JobDetail;
}

/** Waits for a job this process dispatched to end, printing progress; Ctrl-C asks it to stop. */
export async function followJob(app: App, id: number, progress = true): Promise<JobState> {
  const final = new Set<JobState>(['completed', 'failed', 'cancelled', 'interrupted']);
  const state = detail(app, id).state;
  if (final.has(state)) return state;
  return new Promise<JobState>((resolve) => {
    const onSignal = () => {
      process.stderr.write('\nric: stopping (training writes a checkpoint first; `ric jobs resume` continues)\n');
      app.context.jobs.cancel(id);
    };
    process.once('SIGINT', onSignal);
    const off = app.events.subscribe((event, payload) => {
      if (event === 'log.line' && progress) {
        const l = payload as ApiEventPayload<'log.line'>;
        if (l.jobId === id) process.stderr.write(`[job ${id}] ${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
      }
      if (event !== 'job.progress') return;
      const p = payload as ApiEventPayload<'job.progress'>;
      if (p.jobId !== id || !final.has(p.state)) return;
      off();
      process.off('SIGINT', onSignal);
      resolve(p.state);
    });
  });
}

export function jobsCommand(dataDir: () => string): Command {
  const cmd = new Command('jobs')
    .description('the job queue: list jobs, show one with its log, cancel, resume (training: from its last checkpoint)')
    .option('--state <states...>', `only these states (${jobStates.join(', ')})`)
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: { state?: string[]; json?: boolean }) => {
      const bad = opts.state?.filter((s) => !(jobStates as readonly string[]).includes(s));
      if (bad && bad.length > 0) throw new CliError(`unknown state ${bad.join(', ')} (one of ${jobStates.join(', ')})`);
      await withApp(dataDir(), (app) => {
        const jobs = app.store.jobs.list(opts.state as JobState[] | undefined);
        printResult(opts, jobs, () => (jobs.length === 0 ? 'no jobs' : ['   id  state       kind             progress     title', ...jobs.map(line)].join('\n')));
      });
    });

  // `--json` after a subcommand may land on `jobs` itself (it has the option too): honour either.
  const out = (opts: { json?: boolean }) => ({ json: opts.json === true || cmd.opts<{ json?: boolean }>().json === true });

  cmd
    .command('show <id>')
    .description('one job: parameters, error with its stack, result, and its log')
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp(dataDir(), (app) => {
        const job = detail(app, int(id));
        const log = app.store.db.prepare('SELECT id, time, level, message FROM job_logs WHERE job_id = ? ORDER BY id').all(job.id) as { time: number; level: string; message: string }[];
        printResult(out(opts), { ...job, log }, () =>
          [
            line(job),
            `params: ${JSON.stringify(job.params)}`,
            ...(job.runId !== null ? [`run: ${job.runId}`] : []),
            ...(job.stack ? [job.stack] : []),
            ...log.map((l) => `${new Date(l.time).toISOString()} ${l.level.padEnd(5)} ${l.message}`),
          ].join('\n'),
        );
      });
    });

  cmd
    .command('cancel <id>')
    .description('cancel a queued, running or paused job (training stops after writing a checkpoint)')
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp(dataDir(), async (app) => {
        const state = app.context.jobs.cancel(int(id));
        printResult(out(opts), { id: int(id), state }, () => `job ${id}: ${state === 'cancelled' ? 'cancelled' : `${state}, stop requested`}`);
      });
    });

  cmd
    .command('resume <id>')
    .description('run an interrupted, failed or cancelled job again here and wait for it (training: from its last checkpoint)')
    .option('--checkpoint <id>', 'training: resume from this checkpoint (runs.get lists them)', int)
    .option('--no-progress', 'no log lines on stderr')
    .option('--json', 'print the finished job as one JSON document')
    .action(async (id: string, opts: { checkpoint?: number; progress?: boolean; json?: boolean }) => {
      await withApp(dataDir(), async (app) => {
        app.context.jobs.resume(int(id), opts.checkpoint);
        const state = await followJob(app, int(id), opts.progress !== false);
        const job = detail(app, int(id));
        printResult(out(opts), job, () => line(job));
        if (state !== 'completed') process.exitCode = state === 'cancelled' ? 130 : 1;
      });
    });
  return cmd;
}
