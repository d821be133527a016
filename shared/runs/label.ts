// One name per run, everywhere (issue 12): the CLI, the runs table, the monitor, the compare view and
// chart legends all say "run 3 · first". The run id leads — it is what `runs.get`, `--resume-job`'s
// run and the compare URL use — and the name follows; the job id is secondary (the queue's handle for
// pause, resume, cancel and `ric jobs`), shown as "job 9" only where a job command is at hand.

export interface RunRef {
  id: number;
  name: string;
}

/** "run 3 · first" — a run's name in every list, header and legend. */
export function runLabel(run: RunRef): string {
  return `run ${run.id} · ${run.name}`;
}

/** "run 3 · first (job 9)" — where the job matters too (the CLI's start and end lines). */
export function runLabelWithJob(run: RunRef & { jobId: number | null }): string {
  return run.jobId === null ? runLabel(run) : `${runLabel(run)} (job ${run.jobId})`;
}

/** The name of a run started without one: what it trains, how, on what ("regionclip tiny on shapes"). */
export function defaultRunName(family: string, preset: string | null, datasetName: string | null): string {
  return `${family}${preset ? ` ${preset}` : ''}${datasetName ? ` on ${datasetName}` : ''}`;
}
