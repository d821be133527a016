// Cluster submissions (issue 19): preview a run matrix, submit it as ONE Slurm job array, follow it
// (Slurm's states, each task's own state file, its live metric points streamed into the run's
// curve and the live monitor), cancel, resubmit failed or cancelled tasks (they resume from their
// last checkpoint), and collect every finished run back as a bundle. Each task has a placeholder
// run here from the start (origin 'cluster', the same uid as the run the task makes), so the runs
// list, the monitor and Compare see the matrix as if it ran locally.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { EventHub } from '../events/index.js';
import type { ClusterProfile, JobState, MatrixPreview, RunMatrix, StagedMatrix, Submission } from '../../shared/api/index.js';
import { clusterProfile } from '../settings/cluster.js';
import { newRunUid, type Store, type SubmissionRecord } from '../store/index.js';
import { importRunBundle, readManifest } from './bundle.js';
import { followTasks, type FollowResult } from './follow.js';
import { expandMatrix, MatrixError, previewMatrix } from './matrix.js';
import { ClusterError, loginShell, type LoginShell } from './shell.js';
import { buildStage, fetchFolder, sendFolder } from './stage.js';
import { batchScript, jobName, preflight, sbatchArgs, scancel, submitArray } from './slurm.js';
import { shq } from './shell.js';

export { BundleError } from './bundle.js';
export { MatrixError } from './matrix.js';
export { ClusterError } from './shell.js';

/** Turns a run's overrides into the trainer's full config (preset ⊕ overrides, checked). */
export type ConfigMerger = (kind: RunMatrix['kind'], preset: 'tiny' | undefined, overrides: Record<string, unknown>, where: string) => Promise<Record<string, unknown>>;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'matrix';

export class ClusterService {
  constructor(
    private readonly store: Store,
    private readonly events: EventHub,
    private readonly mergeConfig: ConfigMerger,
    private readonly codeVersion: string,
  ) {}

  profile(name: string): ClusterProfile {
    const p = clusterProfile(this.store.settings, name);
    if (!p) throw new ClusterError(`no cluster profile "${name}" (Settings → Clusters, or \`ric cluster profile add\`)`);
    return p;
  }

  private dataset(ref: string) {
    const d = this.store.datasets.findByName(ref) ?? (/^\d+$/.test(ref) ? this.store.datasets.summary(Number(ref)) : undefined);
    if (!d) throw new MatrixError(`no dataset "${ref}"`);
    if (d.status !== 'ready') throw new MatrixError(`dataset "${d.name}" is ${d.status}; finish its import first`);
    return d;
  }

  async preview(matrix: RunMatrix, profileName?: string): Promise<MatrixPreview> {
    const profile = profileName ? this.profile(profileName) : null;
    const d = this.dataset(matrix.dataset);
    const merged = new Map<number, Record<string, unknown>>();
    for (const r of expandMatrix(matrix)) merged.set(r.index, await this.mergeConfig(matrix.kind, matrix.preset, r.config, `matrix "${matrix.name}" run ${r.index} (${r.name})`));
    const preview = previewMatrix(this.store, matrix, { id: d.id, name: d.name, samples: d.sampleCount }, (r) => merged.get(r.index)!, profile?.gpusPerRun ?? 1);
    if (!profile) return preview;
    // What submit will run, with the two parts only submit knows (the submission id, the folder's random suffix) as placeholders.
    const workDir = `${profile.workDir.replace(/\/+$/, '')}/${slug(matrix.name)}-XXXXXXXX`;
    const indices = `0-${preview.runs.length - 1}`;
    const args = sbatchArgs(profile, workDir, 'ric-N-XXXXXX', indices);
    return {
      ...preview,
      sbatch: {
        array: `${indices}${profile.maxParallel ? `%${profile.maxParallel}` : ''}`,
        workDir,
        command: args.map(shq).join(' '),
        script: batchScript(profile, workDir),
        where: profile.login.kind === 'local' ? 'a local shell (this machine is the login node)' : `ssh ${profile.login.host}${profile.login.port ? ` -p ${profile.login.port}` : ''}`,
      },
    };
  }

  async submit(matrix: RunMatrix, profileName: string): Promise<Submission> {
    const profile = this.profile(profileName);
    const shell = loginShell(profile.login);
    // Reachable, partition known, work folder writable — first (it answers in a second), and
    // before anything is recorded or staged.
    const pre = await preflight(shell, profile, profile.workDir);
    const preview = await this.preview(matrix, profileName);
    const workDir = `${profile.workDir.replace(/\/+$/, '')}/${slug(matrix.name)}-${randomBytes(4).toString('hex')}`;
    if (pre.maxArraySize !== null && preview.runs.length > pre.maxArraySize) {
      throw new ClusterError(`the matrix has ${preview.runs.length} runs but this cluster's MaxArraySize is ${pre.maxArraySize}: split the matrix`);
    }
    const family = matrix.kind.slice('train-'.length);
    const uids = preview.runs.map(() => newRunUid());
    const id = this.store.transaction(() => {
      const runIds = preview.runs.map((r, k) =>
        this.store.runs.create({ jobId: null, kind: family, name: r.name, datasetId: preview.datasetId, config: r.config, seed: r.seed, codeVersion: this.codeVersion, uid: uids[k]!, origin: 'cluster' }),
      );
      return this.store.cluster.create({ name: matrix.name, profile, matrix, workDir }, runIds);
    });
    const staged: StagedMatrix = {
      format: 'ric-cluster-matrix',
      version: 1,
      submissionId: id,
      kind: matrix.kind,
      ...(matrix.preset ? { preset: matrix.preset } : {}),
      datasetName: preview.datasetName,
      tasks: preview.runs.map((r, k) => ({ index: r.index, runUid: uids[k]!, name: r.name, seed: r.seed, config: r.config })),
    };
    let local: string | null = null;
    try {
      local = buildStage(this.store, preview.datasetId, staged, profile, workDir);
      await sendFolder(shell, local, workDir);
      const arrayId = await submitArray(shell, profile, workDir, jobName(id, workDir), `0-${preview.runs.length - 1}`);
      this.store.transaction(() => {
        this.store.cluster.setState(id, 'submitted', null, arrayId);
        for (const r of preview.runs) this.store.cluster.updateTask(id, r.index, { slurmJobId: `${arrayId}_${r.index}`, state: 'PENDING' });
      });
      return this.view(id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.store.transaction(() => {
        this.store.cluster.setState(id, 'failed', message);
        for (const t of this.store.cluster.tasks(id)) if (t.runId !== null) this.store.runs.setStatus(t.runId, 'failed', { finishedAt: new Date().toISOString() });
      });
      throw err;
    } finally {
      if (local) fs.rmSync(local, { recursive: true, force: true });
    }
  }

  private record(id: number): SubmissionRecord {
    const sub = this.store.cluster.get(id);
    if (!sub) throw new ClusterError(`no cluster submission ${id}`);
    return sub;
  }

  view(id: number): Submission {
    const sub = this.record(id);
    return {
      id: sub.id,
      name: sub.name,
      profile: sub.profile.name,
      workDir: sub.workDir,
      arrayJobId: sub.arrayJobId,
      state: sub.state,
      message: sub.message,
      createdAt: sub.createdAt,
      tasks: this.store.cluster.tasks(id).map((t) => ({
        index: t.index,
        runId: t.runId,
        name: t.runName ?? `task ${t.index}`,
        slurmJobId: t.slurmJobId,
        state: t.state,
        runState: t.runStatus ?? 'queued',
        attempts: t.attempts,
        lastStep: t.lastStep,
        collected: t.collectedDigest !== null,
        message: t.message,
      })),
    };
  }

  list(): Submission[] {
    return this.store.cluster.list().map((s) => this.view(s.id));
  }

  private shellOf(id: number): { shell: LoginShell; sub: SubmissionRecord } {
    const sub = this.record(id);
    return { shell: loginShell(sub.profile.login), sub };
  }

  private async follow(id: number): Promise<FollowResult> {
    const { shell, sub } = this.shellOf(id);
    if (sub.arrayJobId === null) throw new ClusterError(`submission ${id} was never submitted (${sub.state}${sub.message ? `: ${sub.message}` : ''})`);
    return followTasks(this.store, this.events, shell, sub, jobName(id, sub.workDir));
  }

  /** Polls every submission that still has a task queued or running (the app's follower). */
  async followActive(): Promise<void> {
    const live: JobState[] = ['queued', 'running', 'paused'];
    for (const s of this.store.cluster.list()) {
      if (s.state !== 'submitted') continue;
      if (!this.store.cluster.tasks(s.id).some((t) => t.runStatus !== null && live.includes(t.runStatus))) continue;
      await this.follow(s.id);
    }
  }

  async poll(id: number): Promise<Submission> {
    await this.follow(id);
    return this.view(id);
  }

  async cancel(id: number, tasks?: number[]): Promise<Submission> {
    const { shell, sub } = this.shellOf(id);
    const all = this.store.cluster.tasks(id);
    const chosen = tasks ? all.filter((t) => tasks.includes(t.index)) : all;
    if (tasks && chosen.length !== tasks.length) throw new ClusterError(`submission ${id} has tasks 0–${all.length - 1}`);
    // The whole array by its id, plus resubmissions (their own job ids); single tasks as <job>_<index>.
    const ids = tasks
      ? chosen.map((t) => t.slurmJobId).filter((s): s is string => s !== null)
      : [...new Set([sub.arrayJobId, ...all.map((t) => t.slurmJobId?.split('_')[0] ?? null)].filter((s): s is string => s !== null))];
    await scancel(shell, ids);
    if (!tasks) this.store.cluster.setState(id, 'cancelled', 'cancelled by the user');
    await this.follow(id).catch(() => undefined);
    return this.view(id);
  }

  async resubmit(id: number, tasks?: number[]): Promise<Submission> {
    await this.follow(id);
    const { shell, sub } = this.shellOf(id);
    const all = this.store.cluster.tasks(id);
    const again: JobState[] = ['failed', 'cancelled', 'interrupted'];
    const chosen = tasks ? all.filter((t) => tasks.includes(t.index)) : all.filter((t) => t.runStatus !== null && again.includes(t.runStatus));
    for (const t of chosen) {
      if (t.runStatus === null || !again.includes(t.runStatus)) throw new ClusterError(`task ${t.index} is ${t.runStatus ?? t.state}: only a failed, cancelled or interrupted task is resubmitted`);
    }
    if (chosen.length === 0) return this.view(id);
    const jobId = await submitArray(shell, sub.profile, sub.workDir, jobName(id, sub.workDir), chosen.map((t) => t.index).join(','));
    this.store.transaction(() => {
      this.store.cluster.setState(id, 'submitted', null);
      for (const t of chosen) {
        this.store.cluster.updateTask(id, t.index, { slurmJobId: `${jobId}_${t.index}`, state: 'PENDING', attempts: t.attempts + 1, message: null });
        if (t.runId !== null) this.store.runs.setStatus(t.runId, 'queued', { finishedAt: null });
      }
    });
    return this.view(id);
  }

  /** Every finished task's bundle into the store; one already collected (same digest) is not fetched again. */
  async collect(id: number) {
    const followed = await this.follow(id);
    const { shell, sub } = this.shellOf(id);
    let imported = 0;
    let updated = 0;
    let unchanged = 0;
    let waiting = 0;
    for (const t of this.store.cluster.tasks(id)) {
      const report = followed.states.get(t.index);
      if (report?.state !== 'completed' || report.bundleDigest === null) {
        waiting++;
        continue;
      }
      if (t.collectedDigest === report.bundleDigest) {
        unchanged++;
        continue;
      }
      const local = await fetchFolder(shell, `${sub.workDir}/tasks/${t.index}`, 'bundle');
      try {
        const expected = t.runId === null ? undefined : this.store.runs.uid(t.runId);
        const { manifest } = readManifest(`${local}/bundle`);
        if (manifest.run.uid !== expected) throw new ClusterError(`task ${t.index}: its bundle is of run ${manifest.run.uid}, not of this task's run ${expected ?? '(deleted)'}`);
        const r = await importRunBundle(this.store, `${local}/bundle`);
        if (r.outcome === 'unchanged') unchanged++;
        else if (t.collectedDigest === null) imported++;
        else updated++;
        this.store.cluster.updateTask(id, t.index, { collectedDigest: r.digest, message: null });
      } finally {
        fs.rmSync(local, { recursive: true, force: true });
      }
    }
    return { submission: this.view(id), imported, updated, unchanged, waiting };
  }
}
