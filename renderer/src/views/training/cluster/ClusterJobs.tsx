// The jobs panel's cluster part (issue 19): every submitted run matrix with its Slurm array id and
// each task's Slurm job id and state (PENDING, RUNNING, COMPLETED, FAILED, …) beside its run's state,
// step and attempts; poll now, cancel, resubmit the failed ones (they resume from their last
// checkpoint), collect the finished runs. The app follows active submissions every 10 s on its own;
// this panel re-reads the list as often while any task is queued or running.
import { useEffect, useState } from 'react';
import type { Submission } from '../../../../../shared/api/cluster';
import { describeError } from '../../../../../shared/api/wording';
import { useApi, useQuery } from '../../../api/ApiProvider';
import { ConfirmDialog } from '../../../components/Dialog';
import { slurmStateClass, stateCounts } from './matrixForm';

const LIVE = new Set(['queued', 'running', 'paused']);

export function ClusterJobs({ version, onOpenRun }: { version: number; onOpenRun: (runId: number) => void }) {
  const api = useApi();
  const subs = useQuery('cluster.submissions', {});
  const reload = subs.reload;
  const [message, setMessage] = useState<{ id: number; text: string; error: boolean } | null>(null);
  const [cancelling, setCancelling] = useState<Submission | null>(null);
  const active = (subs.data ?? []).some((s) => s.state === 'submitted' && s.tasks.some((t) => LIVE.has(t.runState)));

  useEffect(() => reload(), [version, reload]);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(reload, 10_000);
    return () => clearInterval(timer);
  }, [active, reload]);

  const act = async (s: Submission, what: string, fn: () => Promise<string>) => {
    setMessage({ id: s.id, text: `${what}…`, error: false });
    try {
      setMessage({ id: s.id, text: await fn(), error: false });
    } catch (err) {
      setMessage({ id: s.id, text: describeError(err), error: true });
    }
    reload();
  };

  if (subs.error) return <p className="error">Cannot list cluster submissions: {describeError(subs.error)}</p>;
  if (!subs.data || subs.data.length === 0) return null;
  return (
    <section className="panel cluster-jobs" aria-labelledby="cluster-jobs-h" data-testid="cluster-jobs">
      <h2 id="cluster-jobs-h">Cluster jobs</h2>
      {subs.data.map((s) => (
        <article key={s.id} className="cluster-submission" data-submission={s.id}>
          <header className="cluster-submission-header">
            <div>
              <strong>{s.name}</strong>{' '}
              <span className="muted small">
                submission {s.id} · profile {s.profile} · {s.arrayJobId ? <>Slurm array <span className="mono" data-testid="array-job-id">{s.arrayJobId}</span></> : 'not submitted'} · {s.state}
                {s.tasks.length ? ` · ${stateCounts(s.tasks)}` : ''}
              </span>
              {s.message ? <div className="small warn">{s.message}</div> : null}
            </div>
            <div className="run-actions">
              <button type="button" className="secondary" disabled={!s.arrayJobId} onClick={() => void act(s, 'Asking Slurm', async () => (await api.call('cluster.poll', { id: s.id }), 'States read from Slurm.'))}>
                Poll now
              </button>
              <button type="button" className="secondary" disabled={!s.arrayJobId || !s.tasks.some((t) => ['failed', 'cancelled', 'interrupted'].includes(t.runState))} onClick={() => void act(s, 'Resubmitting', async () => (await api.call('cluster.resubmit', { id: s.id }), 'Failed, cancelled and interrupted tasks submitted again; each resumes from its last checkpoint.'))}>
                Resubmit failed
              </button>
              <button
                type="button"
                className="secondary"
                disabled={!s.arrayJobId}
                onClick={() =>
                  void act(s, 'Collecting', async () => {
                    const r = await api.call('cluster.collect', { id: s.id });
                    return `Collected: ${r.imported} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.waiting} not finished.`;
                  })
                }
              >
                Collect finished
              </button>
              <button type="button" className="secondary danger" disabled={s.state !== 'submitted'} onClick={() => setCancelling(s)}>
                Cancel
              </button>
            </div>
          </header>
          {message?.id === s.id ? (
            <p className={message.error ? 'error small' : 'muted small'} role={message.error ? 'alert' : 'status'}>
              {message.text}
            </p>
          ) : null}
          <table className="data-table compact cluster-tasks">
            <thead>
              <tr>
                <th className="num">task</th>
                <th>run</th>
                <th>Slurm job</th>
                <th>Slurm state</th>
                <th>run state</th>
                <th className="num">step</th>
                <th className="num">attempts</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {s.tasks.map((t) => (
                <tr key={t.index} data-task={t.index}>
                  <td className="num">{t.index}</td>
                  <td>
                    {t.runId !== null ? (
                      <button type="button" className="link-button" onClick={() => onOpenRun(t.runId!)}>
                        run {t.runId} · {t.name}
                      </button>
                    ) : (
                      t.name
                    )}
                  </td>
                  <td className="mono" data-testid="slurm-job-id">{t.slurmJobId ?? '—'}</td>
                  <td>
                    <span className={`status-pill status-${slurmStateClass(t.state)}`} data-testid="slurm-state">
                      {t.state}
                    </span>
                  </td>
                  <td className={`status-${t.runState}`}>{t.runState}</td>
                  <td className="num">{t.lastStep ?? '—'}</td>
                  <td className="num">{t.attempts}</td>
                  <td className="small">
                    {t.collected ? <span className="ok">collected</span> : null}
                    {t.message ? <span className="muted"> {t.message}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
      <ConfirmDialog
        open={cancelling !== null}
        title="Cancel the job array"
        confirmLabel="Cancel it on the cluster"
        danger
        onClose={() => setCancelling(null)}
        onConfirm={async () => {
          const s = cancelling!;
          await api.call('cluster.cancel', { id: s.id });
          setMessage({ id: s.id, text: 'Cancelled with scancel; finished runs can still be collected.', error: false });
          reload();
        }}
      >
        <p>scancel every task of “{cancelling?.name}” (Slurm array {cancelling?.arrayJobId})? Running tasks stop where they are; each can be resubmitted later and resumes from its last checkpoint.</p>
      </ConfirmDialog>
    </section>
  );
}
