// The run matrix dialog (issue 19): from a run, choose its ablation variants × seeds and a cluster
// profile, preview what will be submitted — every run with its steps, the cost in GPU-hours from
// measured step times, and the one sbatch job array with its batch script — then submit. Any change
// to the form sets the preview aside: what is submitted is always what was last previewed.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { editorAblations, matrixKinds, type MatrixPreview, type RunMatrix, type Submission } from '../../../../../shared/api/cluster';
import type { RunDetail } from '../../../../../shared/api/runs';
import { describeError, fieldProblems } from '../../../../../shared/api/wording';
import { runLabel } from '../../../../../shared/runs/index';
import { useApi, useQuery } from '../../../api/ApiProvider';
import { Dialog } from '../../../components/Dialog';
import { baseOf, matrixName, matrixOf, type MatrixForm } from './matrixForm';

const hours = (h: number | null) => (h === null ? 'unknown' : h < 1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(1)} h`);

export function MatrixDialog({ runId, onClose, onSubmitted }: { runId: number; onClose: () => void; onSubmitted: (s: Submission) => void }) {
  const run = useQuery('runs.get', { id: runId });
  if (run.error) return <p className="error">Cannot read run {runId}: {describeError(run.error)}</p>;
  if (!run.data) return null;
  return <MatrixDialogFor run={run.data} onClose={onClose} onSubmitted={onSubmitted} />;
}

function MatrixDialogFor({ run, onClose, onSubmitted }: { run: RunDetail; onClose: () => void; onSubmitted: (s: Submission) => void }) {
  const api = useApi();
  const profiles = useQuery('cluster.profiles', {});
  const kind = `train-${run.kind}` as RunMatrix['kind'];
  const [profile, setProfile] = useState('');
  const [form, setForm] = useState<MatrixForm>(() => ({
    name: matrixName(run.name),
    kind,
    dataset: run.datasetName ?? '',
    preset: '',
    base: baseOf(run.config),
    ablations: kind === 'train-editor' ? [...editorAblations] : [],
    seeds: '0, 1',
  }));
  const [problems, setProblems] = useState<Map<string, string>>(() => new Map());
  const [preview, setPreview] = useState<{ matrix: RunMatrix; profile: string; result: MatrixPreview } | null>(null);
  const [busy, setBusy] = useState<'preview' | 'submit' | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!profile && profiles.data?.[0]) setProfile(profiles.data[0].name);
  }, [profiles.data, profile]);

  const change = (patch: Partial<MatrixForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setPreview(null);
  };
  const supported = (matrixKinds as readonly string[]).includes(kind);
  const doPreview = async () => {
    setError(null);
    const parsed = matrixOf(form);
    if (!parsed.ok) return setProblems(parsed.problems);
    setProblems(new Map());
    setBusy('preview');
    try {
      setPreview({ matrix: parsed.matrix, profile, result: await api.call('cluster.preview', { matrix: parsed.matrix, profile }) });
    } catch (err) {
      const byField = fieldProblems(err);
      setError(describeError(err));
      if (byField.size) setProblems(new Map([...byField].map(([k, v]) => [k.replace(/^matrix\./, '').split('.')[0]!, v])));
    } finally {
      setBusy(null);
    }
  };
  const submit = async () => {
    if (!preview) return;
    setError(null);
    setBusy('submit');
    try {
      onSubmitted(await api.call('cluster.submit', { matrix: preview.matrix, profile: preview.profile }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(null);
    }
  };
  const problem = (key: string) =>
    problems.has(key) ? (
      <span className="field-error" role="alert" data-testid={`matrix-problem-${key}`}>
        {problems.get(key)}
      </span>
    ) : null;
  const p = preview?.result;

  return (
    <Dialog open title={`Run matrix from ${runLabel(run)}`} onClose={onClose} className="matrix-dialog">
      <div className="dialog-body matrix-body">
        {!supported ? <p className="error">A {run.kind} run cannot be the base of a cluster matrix.</p> : null}
        {profiles.data && profiles.data.length === 0 ? (
          <p className="warn" data-testid="matrix-no-profile">
            No cluster profile yet: add one in <Link to="/settings">Settings → Clusters</Link> (how to reach the login node, partition, work folder).
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="matrix-profile">Cluster profile</label>
          <select id="matrix-profile" value={profile} onChange={(e) => (setProfile(e.target.value), setPreview(null))}>
            {(profiles.data ?? []).map((x) => (
              <option key={x.name}>{x.name}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="matrix-name">Matrix name</label>
          <input id="matrix-name" value={form.name} onChange={(e) => change({ name: e.target.value })} />
          {problem('name')}
        </div>
        <div className="field">
          <span>Trains</span>
          <span>
            {kind} on <strong>{form.dataset || 'no dataset'}</strong>
          </span>
          {problem('dataset')}
        </div>
        {kind === 'train-editor' ? (
          <div className="field">
            <span>Ablations</span>
            <div className="matrix-ablations" role="group" aria-label="Ablations">
              {editorAblations.map((a) => (
                <label key={a} className="checkbox">
                  <input type="checkbox" checked={form.ablations.includes(a)} onChange={(e) => change({ ablations: e.target.checked ? editorAblations.filter((x) => x === a || form.ablations.includes(x)) : form.ablations.filter((x) => x !== a) })} /> {a}
                </label>
              ))}
            </div>
            {problem('ablations')}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="matrix-seeds">Seeds</label>
          <input id="matrix-seeds" value={form.seeds} onChange={(e) => change({ seeds: e.target.value })} placeholder="0, 1, 2 or 0-4" />
          {problem('seeds')}
        </div>
        <div className="field">
          <label htmlFor="matrix-preset">Preset</label>
          <select id="matrix-preset" value={form.preset} onChange={(e) => change({ preset: e.target.value as MatrixForm['preset'] })}>
            <option value="">none (the configuration below as it is)</option>
            <option value="tiny">tiny</option>
          </select>
        </div>
        <details className="matrix-base">
          <summary>Base configuration (the run's; model folders must be paths on the cluster)</summary>
          <textarea aria-label="Base configuration" rows={10} spellCheck={false} value={form.base} onChange={(e) => change({ base: e.target.value })} />
        </details>
        {problem('base')}
        <div className="form-actions">
          <button type="button" className="secondary" disabled={!supported || !profile || busy !== null} onClick={() => void doPreview()}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
          <button type="button" className="primary" disabled={!p || busy !== null} onClick={() => void submit()} title={p ? undefined : 'Preview first: what is submitted is what was previewed'}>
            {busy === 'submit' ? 'Submitting…' : p ? `Submit ${p.runs.length} runs to ${preview!.profile}` : 'Submit'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
        {error ? (
          <p className="error" role="alert" data-testid="matrix-error">
            {error}
          </p>
        ) : null}
        {p ? (
          <section className="matrix-preview" data-testid="matrix-preview" aria-label="What will be submitted">
            <p>
              <strong>{p.runs.length}</strong> {p.kind} runs on {p.datasetName}, {p.gpusPerRun} GPU(s) each · {hours(p.hoursPerRun)} per run ·{' '}
              <span data-testid="matrix-gpu-hours">{p.gpuHours === null ? 'GPU-hours unknown' : `${p.gpuHours.toFixed(2)} GPU-hours`}</span>
            </p>
            <p className="muted small">Step time: {p.secondsPerStep === null ? 'unknown' : `${p.secondsPerStep.toFixed(3)} s`} — {p.stepTimeSource}.</p>
            <table className="data-table compact">
              <thead>
                <tr>
                  <th className="num">task</th>
                  <th>run</th>
                  <th className="num">seed</th>
                  <th className="num">steps</th>
                </tr>
              </thead>
              <tbody>
                {p.runs.map((r) => (
                  <tr key={r.index} data-task={r.index}>
                    <td className="num">{r.index}</td>
                    <td>{r.name}</td>
                    <td className="num">{r.seed}</td>
                    <td className="num">{r.steps ?? '?'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {p.sbatch ? (
              <>
                <p className="small">
                  One job array <code data-testid="matrix-array">--array={p.sbatch.array}</code> through {p.sbatch.where}, staged to <code>{p.sbatch.workDir}</code> (submit fills in the X's):
                </p>
                <pre className="matrix-command" data-testid="matrix-sbatch">{p.sbatch.command}</pre>
                <details>
                  <summary>Batch script (submit.sh)</summary>
                  <pre className="matrix-command">{p.sbatch.script}</pre>
                </details>
              </>
            ) : null}
          </section>
        ) : null}
      </div>
    </Dialog>
  );
}
