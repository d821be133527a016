// Following a submission's tasks (issue 19): one round trip to the login node per poll (slurm.ts
// `poll`) answers Slurm's state of every task still queued or running, each task's own state file,
// and the new bytes of each task's live metrics file. The points go into the task's placeholder
// run through the store's metric writer (rollups, latest_metrics) and out as `metric.batch`
// events — the live monitor cannot tell them from a local run's. Only complete lines are consumed;
// a line still being written is read again next time from the same offset.
import type { EventHub } from '../events/index.js';
import { metricLineSchema, taskStateFileSchema, type JobState, type TaskStateFile } from '../../shared/api/index.js';
import type { Store, SubmissionRecord } from '../store/index.js';
import type { LoginShell } from './shell.js';
import { poll } from './slurm.js';

/** Bytes of one task's metrics read per poll: ~40 000 points; the rest follows on the next poll. */
const MAX_METRIC_BYTES = 4 * 1024 * 1024;

export interface FollowResult {
  /** Array index → the task's own report (state file), where it has written one. */
  states: Map<number, TaskStateFile>;
}

/** Slurm's job states (squeue %T) in our terms. */
export function runStateOfSlurm(state: string): JobState {
  switch (state) {
    case 'PENDING':
    case 'CONFIGURING':
    case 'REQUEUED':
    case 'REQUEUE_HOLD':
    case 'RESV_DEL_HOLD':
      return 'queued';
    case 'SUSPENDED':
    case 'STOPPED':
      return 'paused';
    case 'PREEMPTED':
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return 'interrupted';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TIMEOUT':
    case 'OUT_OF_MEMORY':
    case 'DEADLINE':
      return 'failed';
    case 'COMPLETED':
      return 'completed';
    default:
      return 'running';
  }
}

function parseState(text: string): TaskStateFile | string {
  try {
    const p = taskStateFileSchema.safeParse(JSON.parse(text));
    return p.success ? p.data : `unreadable state file (${p.error.issues[0]?.message ?? 'invalid'})`;
  } catch {
    return 'unreadable state file (not JSON)';
  }
}

export async function followTasks(store: Store, events: EventHub, shell: LoginShell, sub: SubmissionRecord, name: string): Promise<FollowResult> {
  const tasks = store.cluster.tasks(sub.id);
  // Metrics are read until the task's run is final here; a collected run's curve is the bundle's.
  const answer = await poll(shell, {
    name,
    workDir: sub.workDir,
    tasks: tasks.map((t) => ({ index: t.index, metricsOffset: t.collectedDigest === null ? t.metricsOffset : null })),
    maxMetricBytes: MAX_METRIC_BYTES,
  });
  const states = new Map<number, TaskStateFile>();
  const writer = store.runs.metricWriter((runId, points) => events.emit('metric.batch', { runId, points }));
  try {
    for (const t of tasks) {
      const rawState = answer.states.get(t.index);
      const report = rawState === undefined ? undefined : parseState(rawState);
      if (typeof report === 'object') states.set(t.index, report);
      const queued = answer.queue.get(t.index);
      let slurmState: string;
      let runState: JobState;
      let message: string | null = typeof report === 'string' ? report : (report?.message ?? null);
      if (queued) {
        slurmState = queued.state;
        runState = runStateOfSlurm(queued.state);
        if (queued.state === 'PENDING' && queued.reason && queued.reason !== 'None') message = `pending: ${queued.reason}`;
      } else if (typeof report === 'object') {
        // Out of Slurm's queue: the task's own last word. "running" with no job left means it was
        // killed (scancel, time limit, preemption, node failure) before it could say so.
        runState = report.state === 'running' ? 'interrupted' : report.state;
        slurmState = report.state === 'running' ? 'ENDED' : report.state.toUpperCase();
        if (report.state === 'running') message = 'the task ended without reporting (killed, preempted or out of time): resubmit it to resume from its last checkpoint';
      } else if (t.state === 'STAGING' || t.runStatus === 'completed') {
        continue;
      } else {
        slurmState = 'ENDED';
        runState = 'interrupted';
        message = 'not in Slurm\'s queue and never started (cancelled before it ran?)';
      }
      // 2. New metric points: complete lines only.
      let offset = t.metricsOffset;
      const bytes = answer.metrics.get(t.index);
      if (bytes && bytes.length > 0 && t.runId !== null) {
        const end = bytes.lastIndexOf(0x0a);
        if (end >= 0) {
          const complete = bytes.subarray(0, end + 1);
          offset += complete.length;
          let bad = 0;
          for (const line of complete.toString('utf8').split('\n')) {
            if (!line) continue;
            try {
              const p = metricLineSchema.safeParse(JSON.parse(line));
              if (p.success) writer.add(t.runId, p.data.key, p.data.step, p.data.value, p.data.time);
              else bad++;
            } catch {
              bad++;
            }
          }
          if (bad > 0) message = `${bad} unreadable metric line(s) skipped`;
        }
      }
      writer.flush();
      store.cluster.updateTask(sub.id, t.index, { state: slurmState, metricsOffset: offset, message, ...(queued ? { slurmJobId: queued.jobId } : {}) });
      if (t.runId !== null && t.runStatus !== runState && !(t.collectedDigest !== null && t.runStatus === 'completed')) {
        const now = new Date().toISOString();
        const final = runState === 'completed' || runState === 'failed' || runState === 'cancelled' || runState === 'interrupted';
        store.runs.setStatus(t.runId, runState, { ...(runState === 'running' ? { started: now } : {}), finishedAt: final ? now : null });
      }
    }
  } finally {
    writer.close();
  }
  return { states };
}
