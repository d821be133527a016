// The live monitor of one run: state and progress (count, rate, time left), stop/pause/resume,
// a chart per group of metrics (loss terms and total, validation, learning rate, gradient norm,
// step time, throughput) that grow as batches arrive, smoothing, log axis, a step slider that
// moves every chart's cursor and the samples panel, checkpoints, resources and the log.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiCallError } from '../../../../shared/api/contract';
import type { ApiEventPayload, Checkpoint } from '../../../../shared/api/index';
import { runLabel } from '../../../../shared/runs/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { formatEta, formatRate } from '../datasets/format';
import { MetricChart } from './MetricChart';
import { chartGroups, formatDuration, formatValue } from './metrics';
import { CheckpointsPanel, LogPanel, ResourcesPanel, SamplesPanel } from './panels';

type Progress = ApiEventPayload<'job.progress'>;

export function RunMonitor({ runId, onClose }: { runId: number; onClose?: () => void }) {
  const api = useApi();
  const run = useQuery('runs.get', { id: runId });
  const [progress, setProgress] = useState<Progress | null>(null);
  const [liveToken, setLiveToken] = useState(0);
  const [smoothing, setSmoothing] = useState(0.6);
  const [log, setLog] = useState(false);
  const [cursorStep, setCursorStep] = useState<number | null>(null);
  const [sampleSteps, setSampleSteps] = useState<number[]>([]);
  const [lastStep, setLastStep] = useState(0);
  const [actionError, setActionError] = useState<string | null>(null);
  const pending = useRef(false);
  const reloadRun = run.reload;
  const jobId = run.data?.jobId ?? null;

  // New points: refetch the charts at most every 700 ms; pick up new keys and checkpoints too.
  useEffect(() => {
    const off = api.on('metric.batch', (b) => {
      if (b.runId !== runId) return;
      for (const p of b.points) if (p.key === 'loss') setLastStep((s) => Math.max(s, p.step));
      if (pending.current) return;
      pending.current = true;
      setTimeout(() => {
        pending.current = false;
        setLiveToken((t) => t + 1);
        reloadRun();
      }, 700);
    });
    return off;
  }, [api, runId, reloadRun]);

  useEffect(() => {
    if (jobId === null) return;
    return api.on('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      setProgress(p);
      if (p.state !== 'running') reloadRun();
    });
  }, [api, jobId, reloadRun]);

  useEffect(() => {
    if (run.data?.lastStep) setLastStep((s) => Math.max(s, run.data!.lastStep!));
  }, [run.data]);

  const act = useCallback(
    (fn: () => Promise<unknown>) => {
      setActionError(null);
      fn().then(reloadRun, (e: unknown) => setActionError(describeError(e)));
    },
    [reloadRun],
  );
  const onSampleSteps = useCallback((steps: number[]) => setSampleSteps(steps), []);
  const groups = useMemo(() => chartGroups((run.data?.latest ?? []).map((m) => m.key)), [run.data?.latest]);

  if (run.error instanceof ApiCallError && run.error.code === 'not_found') {
    return (
      <section className="panel not-found-panel" data-testid="not-found" aria-labelledby="run-missing">
        <h2 id="run-missing">No such run</h2>
        <p className="muted">There is no training run {runId} in this data folder. Choose one in the list above, or start one with “New training run”.</p>
        {onClose ? (
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        ) : null}
      </section>
    );
  }
  if (run.error) return <p className="error">Cannot show run {runId}: {describeError(run.error)}</p>;
  const r = run.data;
  if (!r) return <p className="muted">Loading run {runId}…</p>;
  const state = progress?.state ?? r.status;
  const active = state === 'running' || state === 'paused' || state === 'queued';
  const resumable = state === 'interrupted' || state === 'cancelled' || state === 'failed';
  const resume = (c?: Checkpoint) => r.jobId !== null && act(() => api.call('jobs.resume', { id: r.jobId!, ...(c ? { checkpointId: c.id } : {}) }));
  const latest = new Map(r.latest.map((m) => [m.key, m]));
  // Up to the last metric point, or the last step with stored samples (an imported run may have no points).
  const sliderMax = Math.max(lastStep, r.lastStep ?? 0, sampleSteps.at(-1) ?? 0);
  // The job's step and the last checkpoint's: a stopped or interrupted run resumes from the checkpoint.
  const jobStep = progress?.done ?? r.jobStep ?? r.lastStep ?? 0;
  const checkpointStep = r.checkpoints.at(-1)?.step ?? r.checkpointStep;
  const resumeTitle = resumable
    ? checkpointStep !== null && checkpointStep !== undefined
      ? `Continue from the checkpoint at step ${checkpointStep}${checkpointStep < jobStep ? ` (steps ${checkpointStep + 1}–${jobStep} run again)` : ''}`
      : 'Start again from step 0 (no checkpoint was written)'
    : 'Continue from this step (the model stayed loaded)';
  const epochLoss = latest.get('epoch_loss');

  return (
    <div className="run-monitor" data-run-id={runId} data-state={state}>
      <header className="run-header">
        <div>
          <h2>
            <span data-testid="run-label">{runLabel(r)}</span> <span className={`status-pill status-${state}`} data-testid="run-state">{state}</span>
          </h2>
          <p className="muted small">
            {r.jobId !== null ? `job ${r.jobId} · ` : ''}
            {r.kind} on {r.datasetName ?? '—'} · backend {r.backend} · seed {r.seed} · {formatDuration(r.durationSeconds)} · {r.configSummary}
          </p>
        </div>
        <div className="run-actions">
          {state === 'running' ? (
            <button type="button" className="secondary" onClick={() => act(() => api.call('jobs.pause', { id: r.jobId! }))}>
              Pause
            </button>
          ) : null}
          {state === 'paused' || resumable ? (
            <button type="button" className="secondary" onClick={() => resume()} title={resumeTitle}>
              Resume
            </button>
          ) : null}
          {active ? (
            <button type="button" className="secondary danger" onClick={() => act(() => api.call('jobs.cancel', { id: r.jobId! }))} title="Stops after the current step and writes a checkpoint">
              Stop
            </button>
          ) : null}
        </div>
      </header>
      {actionError ? <p className="error small" role="alert">{actionError}</p> : null}
      <div className="job-progress" role="status" aria-live="polite">
        {/* Moving only while the run runs: an ended run's bar stands still. */}
        <progress max={progress?.total ?? 1} value={progress?.total ? progress.done : active ? undefined : state === 'completed' ? 1 : 0} aria-label="training progress" />
        <span className="small">
          step <strong data-testid="run-step">{jobStep}</strong>
          {progress?.total ? ` of ${progress.total}` : ''} · last checkpoint{' '}
          <strong data-testid="run-checkpoint-step">{checkpointStep ?? 'none yet'}</strong> ·{' '}
          {state === 'running'
            ? `${formatRate(progress?.rate ?? null).replace('/s', ' steps/s')} · ${progress?.etaSeconds !== null && progress?.etaSeconds !== undefined ? `${formatEta(progress.etaSeconds)} left` : 'estimating time left'}`
            : state}
          {progress?.message ? ` · ${progress.message}` : ''}
          {epochLoss ? ` · epoch mean loss ${formatValue(epochLoss.value)}` : latest.get('loss') ? ` · step loss ${formatValue(latest.get('loss')!.value)}` : ''}
          {r.bestValidationScore !== null ? ` · best val R@1 ${formatValue(r.bestValidationScore)}` : ''}
        </span>
      </div>
      <div className="chart-controls">
        <label>
          Smoothing <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="EMA smoothing" />{' '}
          <span className="mono small">{smoothing.toFixed(2)}</span>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> Log scale (loss, lr, grad norm, time)
        </label>
        <label className="step-slider">
          Step{' '}
          <input
            type="range"
            min={0}
            max={Math.max(1, sliderMax)}
            step={1}
            value={cursorStep ?? sliderMax}
            onChange={(e) => setCursorStep(Number(e.target.value))}
            aria-label="Step (moves every chart and the samples)"
          />{' '}
          <span className="mono small">{cursorStep ?? sliderMax}</span>
          {sampleSteps.length > 0 ? <span className="muted small"> · samples at {sampleSteps.length} steps</span> : null}
        </label>
      </div>
      <div className="run-body">
        <div className="charts">
          {groups.length === 0 ? <p className="muted">No metrics yet: the first step writes them.</p> : null}
          {groups.map((g) => (
            <MetricChart
              key={g.id}
              title={g.title}
              specs={g.keys.map((k) => ({ runId, key: k, label: k }))}
              smoothing={g.id === 'val' ? 0 : smoothing}
              log={log && g.positive}
              syncKey={`run-${runId}`}
              liveToken={liveToken}
              cursorStep={cursorStep}
            />
          ))}
        </div>
        <aside className="run-side">
          <CheckpointsPanel checkpoints={r.checkpoints} canResume={!active} onResume={(c) => resume(c)} />
          <ResourcesPanel active={state === 'running' || state === 'paused'} />
          <SamplesPanel runId={runId} step={cursorStep} refreshKey={r.checkpoints.map((c) => c.step).join(',')} onSteps={onSampleSteps} />
          {r.jobId !== null ? <LogPanel jobId={r.jobId} /> : null}
        </aside>
      </div>
    </div>
  );
}
