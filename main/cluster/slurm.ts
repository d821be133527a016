// Slurm itself, over the login shell (issue 19): a preflight that turns the common mistakes into
// clear errors before anything is staged, the batch script of a submission's job array, `sbatch`,
// `squeue`, `scancel`, and one poll script that answers in a single round trip for every task:
// Slurm's states, each task's own state file, and the new bytes of each live metrics file.
import type { ClusterProfile } from '../../shared/api/index.js';
import { ClusterError, shq, type LoginShell } from './shell.js';

export interface Preflight {
  maxArraySize: number | null;
}

/** sbatch, the partition, the work folder: each missing one named, with what would fix it. */
export async function preflight(shell: LoginShell, p: ClusterProfile, workDir: string): Promise<Preflight> {
  const script = [
    'command -v sbatch >/dev/null 2>&1 || { echo "no sbatch on the login node (is Slurm installed, or a module to load?)" >&2; exit 3; }',
    `parts=$(sinfo -h -o %R 2>&1) || { echo "sinfo failed: $parts" >&2; exit 6; }`,
    `printf '%s\\n' "$parts" | grep -qx ${shq(p.partition)} || { echo "partition ${p.partition} does not exist; the cluster has: $(printf '%s ' $parts)" >&2; exit 4; }`,
    `mkdir -p ${shq(workDir)} 2>/dev/null && t=${shq(workDir)}/.ric-write-test-$$ && : > "$t" 2>/dev/null && rm -f "$t" || { echo "cannot write to the work folder ${workDir}" >&2; exit 5; }`,
    "scontrol show config 2>/dev/null | awk '$1 == \"MaxArraySize\" { print $3 }'",
  ].join('\n');
  const r = await shell.run(script, { timeoutMs: 60_000 });
  const why = r.stderr.trim().split('\n').at(-1) ?? '';
  if (r.code === 4) throw new ClusterError(`profile "${p.name}": ${why}`);
  if (r.code === 5) throw new ClusterError(`profile "${p.name}": ${why} (${shell.where}): choose a workDir on the cluster's shared filesystem that you can write to`);
  if (r.code !== 0) throw new ClusterError(`profile "${p.name}" (${shell.where}): ${why || `preflight exited ${r.code}`}`);
  const max = Number.parseInt(r.stdout.toString('utf8').trim(), 10);
  return { maxArraySize: Number.isFinite(max) ? max : null };
}

/**
 * The array's batch script: each task runs `ric cluster task` on its own data folder under
 * tasks/<index>/ (SQLite is never shared over the network filesystem); `i` is Slurm's
 * array index. On a CPU backend the trainers' `auto` tensor workers would count the node's cores
 * (os.availableParallelism: all of them where Slurm binds no CPUs), so the task takes the CPUs
 * Slurm gave it (--cpus-per-task) unless the environment already says.
 */
export function batchScript(p: ClusterProfile, workDir: string): string {
  return [
    '#!/bin/bash',
    '# Written by RIC Studio: one task of a run matrix (ric cluster task).',
    'set -u',
    `WORK=${shq(workDir)}`,
    'i="$SLURM_ARRAY_TASK_ID"',
    'mkdir -p "$WORK/tasks/$i"',
    'if [ -z "${RIC_ENGINE_WORKERS:-}" ] && [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export RIC_ENGINE_WORKERS="$SLURM_CPUS_PER_TASK"; fi',
    `${p.ricCommand} cluster task --work "$WORK" --index "$i"`,
    '',
  ].join('\n');
}

export function jobName(submissionId: number, workDir: string): string {
  return `ric-${submissionId}-${workDir.split('/').at(-1)!.slice(-6)}`;
}

/** sbatch's arguments for the array (or some of its tasks): what submitArray runs and the preview shows. */
export function sbatchArgs(p: ClusterProfile, workDir: string, name: string, indices: string): string[] {
  return [
    'sbatch',
    '--parsable',
    `--job-name=${name}`,
    `--partition=${p.partition}`,
    ...(p.account ? [`--account=${p.account}`] : []),
    `--time=${p.timeLimit}`,
    `--cpus-per-task=${p.cpusPerRun}`,
    ...(p.gpusPerRun > 0 ? [`--gres=gpu:${p.gpusPerRun}`] : []),
    `--array=${indices}${p.maxParallel ? `%${p.maxParallel}` : ''}`,
    `--chdir=${workDir}`,
    `--output=${workDir}/tasks/%a/slurm-%A_%a.out`,
    `${workDir}/submit.sh`,
  ];
}

/** sbatch of the array (or of some of its tasks, on a resubmit); Slurm's job id. */
export async function submitArray(shell: LoginShell, p: ClusterProfile, workDir: string, name: string, indices: string): Promise<string> {
  const args = sbatchArgs(p, workDir, name, indices);
  const r = await shell.run(args.map(shq).join(' '), { timeoutMs: 60_000 });
  const out = r.stdout.toString('utf8').trim();
  if (r.code !== 0 || !/^\d+(;\S+)?$/.test(out)) throw new ClusterError(`sbatch on ${shell.where} refused the job array: ${r.stderr.trim() || out || `exit ${r.code}`}`);
  return out.split(';')[0]!;
}

export async function scancel(shell: LoginShell, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const r = await shell.run(`scancel ${ids.map(shq).join(' ')}`, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new ClusterError(`scancel on ${shell.where} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

export interface PollRequest {
  name: string;
  workDir: string;
  tasks: { index: number; metricsOffset: number | null }[];
  /** Most bytes of one task's metrics read per poll (the rest comes next time). */
  maxMetricBytes: number;
}

export interface PollAnswer {
  /** Array index → Slurm state, for tasks Slurm still lists. */
  queue: Map<number, { jobId: string; state: string; reason: string }>;
  /** Array index → the task's state file, raw (parsed by the caller). */
  states: Map<number, string>;
  /** Array index → new bytes of its live metrics file from the offset asked for. */
  metrics: Map<number, Buffer>;
}

const RS = 0x1e;
/** A task's state file is a few hundred bytes; more is not read. */
const MAX_STATE_BYTES = 65_536;

/**
 * One round trip: squeue for the array's name, each task's state file and new metric bytes. Every
 * section is framed as `\x1e<kind> <index> <length>\n` + exactly <length> bytes, so nothing a task
 * writes into its files can pass for another section (a task's files are input, not trusted).
 */
export async function poll(shell: LoginShell, req: PollRequest): Promise<PollAnswer> {
  const lines = [
    't=$(mktemp) || exit 1',
    "trap 'rm -f \"$t\"' EXIT",
    `frame() { printf '\\036%s %s %s\\n' "$1" "$2" "$(wc -c < "$t" | tr -d ' ')"; cat "$t"; }`,
    // squeue's own failure (slurmctld down, a timeout) must not read as "every task left the
    // queue": that would call running tasks interrupted. Its exit status is the section's index.
    `squeue -h -r -n ${shq(req.name)} -o '%i|%T|%r' > "$t" 2>&1; frame squeue $?`,
  ];
  for (const t of req.tasks) {
    const dir = `${req.workDir}/tasks/${t.index}`;
    lines.push(`head -c ${MAX_STATE_BYTES} ${shq(`${dir}/state.json`)} > "$t" 2>/dev/null || : > "$t"; frame state ${t.index}`);
    if (t.metricsOffset !== null) {
      lines.push(`{ tail -c +${t.metricsOffset + 1} ${shq(`${dir}/live/metrics.jsonl`)} 2>/dev/null | head -c ${req.maxMetricBytes}; } > "$t"; frame metrics ${t.index}`);
    }
  }
  const r = await shell.run(lines.join('\n'), { timeoutMs: 120_000 });
  if (r.code !== 0) throw new ClusterError(`polling Slurm on ${shell.where} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  const answer: PollAnswer = { queue: new Map(), states: new Map(), metrics: new Map() };
  const buf = r.stdout;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    const header = buf[at] === RS && nl > at ? /^(\w+) (\d+) (\d+)$/.exec(buf.subarray(at + 1, nl).toString('utf8')) : null;
    if (!header) throw new ClusterError(`the poll's answer from ${shell.where} is garbled at byte ${at}`);
    const [, kind, idx, len] = header;
    const index = Number(idx);
    const body = buf.subarray(nl + 1, nl + 1 + Number(len));
    if (body.length !== Number(len)) throw new ClusterError(`the poll's answer from ${shell.where} was cut short`);
    at = nl + 1 + body.length;
    if (kind === 'squeue') {
      const text = body.toString('utf8');
      if (index !== 0) throw new ClusterError(`squeue on ${shell.where} failed (exit ${index}): ${text.trim().split('\n').at(-1) ?? ''}; the tasks' states are unknown until it answers`);
      for (const line of text.split('\n')) {
        const [id, state, reason] = line.trim().split('|');
        const m = /^(\d+)_(\d+)$/.exec(id ?? '');
        if (m && state) answer.queue.set(Number(m[2]), { jobId: `${m[1]}_${m[2]}`, state, reason: reason ?? '' });
      }
    } else if (kind === 'state' && body.length > 0) answer.states.set(index, body.toString('utf8'));
    else if (kind === 'metrics') answer.metrics.set(index, body);
  }
  return answer;
}
