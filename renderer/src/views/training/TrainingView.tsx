// The Training view: the runs list (filter, sort, tick to overlay) beside the live monitor of the
// open run, or the comparison of the ticked runs. The open run and the ticked ones live in the URL
// (?run=ID, ?compare=1,2) so a reload or a shared link shows the same thing.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { JobState } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { useViewCommands } from '../../components/commands';
import { ClusterJobs } from './cluster/ClusterJobs';
import { MatrixDialog } from './cluster/MatrixDialog';
import { CompareRuns } from './CompareRuns';
import { RunMonitor } from './RunMonitor';
import { RunsTable, type RunSort } from './RunsTable';
import { StartRun } from './StartRun';
import './training.css';

const parseIds = (list: string): number[] => list.split(',').filter(Boolean).map(Number);

export function TrainingView() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const runParam = params.get('run');
  // A run id that is not a number opens the monitor's "no such run" too (id 0 exists nowhere).
  const openId = runParam === null ? null : /^\d{1,12}$/.test(runParam) ? Number(runParam) : 0;
  // The ticked runs live in the URL (?compare=1,2), mirrored in state so a checkbox reflects a click
  // at once rather than after the router's navigation has re-rendered the view.
  const compareParam = params.get('compare') ?? '';
  const [checked, setChecked] = useState<number[]>(() => parseIds(compareParam));
  const checkedRef = useRef(checked);
  useEffect(() => {
    const fromUrl = parseIds(compareParam);
    checkedRef.current = fromUrl;
    setChecked(fromUrl);
  }, [compareParam]);
  const [sort, setSort] = useState<RunSort>('created');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [status, setStatus] = useState<JobState | ''>('');
  const [text, setText] = useState('');
  const [starting, setStarting] = useState(() => params.get('new') !== null);
  // The run matrix dialog (issue 19) opens on the open run; a submission refreshes the cluster panel.
  const [matrixOpen, setMatrixOpen] = useState(false);
  const [clusterVersion, setClusterVersion] = useState(0);
  // #/training?new=1 (the command palette's "New training run…"): open the form, then drop the flag.
  useEffect(() => {
    if (params.get('new') === null) return;
    setStarting(true);
    set(() => ({ new: null }));
  }, [params]);
  const runs = useQuery('runs.list', { sort, order, ...(status ? { status: [status] } : {}), ...(text.trim() ? { text: text.trim() } : {}) });
  const reload = runs.reload;

  // Status changes (a run starts, pauses, ends) refresh the list.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('job.progress', (p) => {
      if (p.state === 'running' && timer) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => ((timer = null), reload()), p.state === 'running' ? 2000 : 100);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, reload]);

  // Two quick clicks must not overwrite each other through a stale URL. react-router's functional
  // setSearchParams hands every queued update the params of the last render, not the previous
  // update's result, so the latest params are kept in a ref updated at once.
  const latest = useRef(params);
  latest.current = params;
  const set = useCallback(
    (patch: (prev: URLSearchParams) => Record<string, string | null>) => {
      const next = new URLSearchParams(latest.current);
      for (const [k, v] of Object.entries(patch(latest.current))) v === null ? next.delete(k) : next.set(k, v);
      latest.current = next;
      setParams(next);
    },
    [setParams],
  );
  const open = (id: number) => set(() => ({ run: String(id), view: null }));
  const onCheck = (id: number, on: boolean) => {
    const was = checkedRef.current;
    const next = on ? [...new Set([...was, id])] : was.filter((x) => x !== id);
    checkedRef.current = next;
    setChecked(next);
    set(() => ({ compare: next.length ? next.join(',') : null }));
  };
  const onSort = (s: RunSort) => {
    if (s === sort) setOrder((o) => (o === 'asc' ? 'desc' : 'asc'));
    else (setSort(s), setOrder(s === 'name' ? 'asc' : 'desc'));
  };
  const comparing = params.get('view') === 'compare' && checked.length >= 2;
  useViewCommands([
    ...(checked.length >= 2 ? [{ id: 'training:compare', label: `Compare the ${checked.length} ticked runs`, run: () => set(() => ({ view: 'compare' })) }] : []),
    ...(openId ? [{ id: 'training:matrix', label: `Run matrix of run ${openId} on a cluster…`, keywords: 'slurm ablations seeds sbatch', run: () => setMatrixOpen(true) }] : []),
  ]);

  return (
    <div className="training-view">
      <header className="view-header">
        <div>
          <h1 tabIndex={-1} data-view-title>
            Training
          </h1>
          <p className="muted">Runs, their live metrics, checkpoints and resources; tick runs to overlay them.</p>
        </div>
        <div className="form-actions">
          <button type="button" className="secondary" disabled={checked.length < 2} onClick={() => set(() => ({ view: 'compare' }))}>
            Compare {checked.length >= 2 ? checked.length : ''} runs
          </button>
          <button type="button" className="secondary" disabled={openId === null || openId === 0} onClick={() => setMatrixOpen(true)} title={openId ? `Its ablations × seeds on a Slurm cluster` : 'Open a run first: the matrix varies its configuration'}>
            Run matrix on a cluster…
          </button>
          <button type="button" className="primary" onClick={() => setStarting(true)}>
            New training run
          </button>
        </div>
      </header>
      {starting ? (
        <StartRun
          onClose={() => setStarting(false)}
          onStarted={(runId) => {
            setStarting(false);
            reload();
            open(runId);
          }}
        />
      ) : null}
      {runs.error ? <p className="error">Could not list runs: {describeError(runs.error)}</p> : null}
      <RunsTable
        runs={runs.data ?? []}
        openId={openId}
        checked={checked}
        onOpen={open}
        onCheck={onCheck}
        sort={sort}
        order={order}
        onSort={onSort}
        status={status}
        onStatus={setStatus}
        text={text}
        onText={setText}
      />
      <ClusterJobs version={clusterVersion} onOpenRun={open} />
      {matrixOpen && openId ? (
        <MatrixDialog
          runId={openId}
          onClose={() => setMatrixOpen(false)}
          onSubmitted={() => {
            setMatrixOpen(false);
            setClusterVersion((v) => v + 1);
            reload();
          }}
        />
      ) : null}
      {comparing ? (
        <CompareRuns runIds={checked} onOpen={open} />
      ) : openId !== null ? (
        <RunMonitor key={openId} runId={openId} onClose={() => set(() => ({ run: null }))} />
      ) : params.get('view') === 'compare' ? (
        <p className="muted panel" data-testid="compare-hint">
          Tick two or more runs in the list, then choose “Compare runs”.
        </p>
      ) : null}
    </div>
  );
}
