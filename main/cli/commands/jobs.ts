// `ric jobs [--json]`, `ric jobs show ID`, `ric jobs cancel ID`, `ric jobs resume ID [--checkpoint N]`.
// A resumed job runs in this process's engine host until it ends (progress on stderr; Ctrl-C stops
// it — training writes a checkpoint first), so the same queue and host serve the CLI and the app.
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../../../shared/api/client.js';
import { ApiCallError, jobStates, type JobDetail, type JobLogLine, type JobState, type JobSummary } from '../../../shared/api/index.js';
import { runLabel } from '../../../shared/runs/index.js';
import { CliError, printResult } from '../output.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function line(j: JobSummary): string {
  const progress = j.total ? `${j.done}/${j.total}` : j.done > 0 ? String(j.done) : '';
  // A failed job says why; a finished one says what it skipped or could not do (its last note).
  const note = j.error ?? (j.state === 'completed' ? j.message : null);
  return `${String(j.id).padStart(5)}  ${j.state.padEnd(11)} ${j.kind.padEnd(16)} ${progress.padEnd(12)} ${j.title}${note ? `  — ${note}` : ''}`;
}

async function detail(api: ApiClient, id: number): Promise<JobDetail> {
  try {
    return await api.call('jobs.get', { id });
  } catch (err) {
    if (err instanceof ApiCallError && err.code === 'not_found') throw new CliError(`job ${id} not found (ric jobs lists them)`);
    throw err;
  }
}

/** Every log line of a job, oldest first (the Api pages them). */
async function fullLog(api: ApiClient, id: number): Promise<JobLogLine[]> {
  const lines: JobLogLine[] = [];
  for (;;) {
    const page = await api.call('jobs.log', { id, afterId: lines.at(-1)?.id ?? 0, limit: 5000 });
    lines.push(...page);
    if (page.length < 5000) return lines;
  }
}


export function jobsCommand(dataDir: () => string): Command {
  const cmd = new Command('jobs')
    .description('the job queue: list jobs, show one with its log, cancel, resume (training: from its last checkpoint)')
    .option('--state <states...>', `only these states (${jobStates.join(', ')})`)
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: { state?: string[]; json?: boolean }) => {
      const bad = opts.state?.filter((s) => !(jobStates as readonly string[]).includes(s));
      if (bad && bad.length > 0) throw new CliError(`unknown state ${bad.join(', ')} (one of ${jobStates.join(', ')})`);
      const jobs = await withApi(dataDir(), (api) => api.call('jobs.list', opts.state ? { states: opts.state as JobState[] } : {}));
      printResult(opts, jobs, () => (jobs.length === 0 ? 'no jobs' : ['   id  state       kind             progress     title', ...jobs.map(line)].join('\n')));
    });

  // `--json` after a subcommand may land on `jobs` itself (it has the option too): honour either.
  const out = (opts: { json?: boolean }) => ({ json: opts.json === true || cmd.opts<{ json?: boolean }>().json === true });

  cmd
    .command('show <id>')
    .description('one job: parameters, error with its stack, result, and its log')
    .option('--json', 'one JSON document on stdout')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApi(dataDir(), async (api) => {
        const job = await detail(api, int(id));
        const log = await fullLog(api, job.id);
        const run = job.runId !== null ? await api.call('runs.get', { id: job.runId }) : null;
        printResult(out(opts), { ...job, log }, () =>
          [
            line(job),
            `params: ${JSON.stringify(job.params)}`,
            // The job's step and the last checkpoint's: a stopped run resumes from the checkpoint.
            ...(run ? [`${runLabel(run)}: step ${job.done}${run.checkpointStep !== null ? `, last checkpoint at step ${run.checkpointStep}` : ', no checkpoint yet'}`] : []),
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
      await withApi(dataDir(), async (api) => {
        const { state } = await api.call('jobs.cancel', { id: int(id) });
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
      await withApi(dataDir(), async (api) => {
        await detail(api, int(id));
        await api.call('jobs.resume', { id: int(id), ...(opts.checkpoint !== undefined ? { checkpointId: opts.checkpoint } : {}) });
        // Waits here for the job it dispatched, printing its log; Ctrl-C asks it to stop.
        const { state } = await followJob(api, async () => int(id), {
          stopNote: 'ric: stopping (training writes a checkpoint first; `ric jobs resume` continues)',
          signals: ['SIGINT'],
          onLog: (l) => {
            if (opts.progress !== false) process.stderr.write(`[job ${id}] ${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
          },
        });
        const job = await detail(api, int(id));
        printResult(out(opts), job, () => line(job));
        if (state !== 'completed') process.exitCode = state === 'cancelled' ? 130 : 1;
      });
    });
  return cmd;
}
