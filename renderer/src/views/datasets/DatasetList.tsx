// Every dataset with its counts and status; the import report (skipped samples) opens in place; a
// failed import is retried or its dataset deleted from its row.
// A path dropped onto the list (text, e.g. from a file manager or terminal) opens the import dialog.
import { useEffect, useState, type DragEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { DatasetSummary } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { EmptyState } from '../../components/EmptyState';
import { startDemo } from '../demo/DemoView';
import { ViewHeader } from '../../components/ViewHeader';
import { DeleteDatasetDialog, retryImport } from './DatasetActions';
import { SampleErrors } from './DatasetStatus';
import { formatCount, formatWhen } from './format';
import { ImportDialog } from './ImportDialog';
import { useImportJobs } from './importJobs';
import { JobProgressBar } from './JobProgressBar';

const FORMAT_LABEL: Record<DatasetSummary['format'], string> = { humanedit: 'HumanEdit', magicbrush: 'MagicBrush', folder: 'Folder', shapes: 'ShapesEdit' };

/** A path from a drop: `text/uri-list` (file:// URLs) or plain text that looks like an absolute path. */
export function pathFromDrop(uriList: string, text: string): string | null {
  const uri = uriList.split(/\r?\n/).find((l) => l.startsWith('file://'));
  if (uri) {
    try {
      return decodeURIComponent(new URL(uri).pathname);
    } catch {
      return null;
    }
  }
  const t = text.trim();
  return /^(\/|[A-Za-z]:[\\/]|~\/)/.test(t) && !t.includes('\n') ? t : null;
}

export function DatasetList() {
  const api = useApi();
  const navigate = useNavigate();
  const list = useQuery('datasets.list', {});
  const { byDataset, cancel, track, jobs: tracked } = useImportJobs();
  const [importOpen, setImportOpen] = useState(false);
  const [droppedPath, setDroppedPath] = useState<string | undefined>();
  const [openErrors, setOpenErrors] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [dropNote, setDropNote] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<DatasetSummary | null>(null);
  const [rowError, setRowError] = useState<{ id: number; text: string } | null>(null);
  const [demoError, setDemoError] = useState<string | null>(null);
  /** The first run's offer: the demo chain starts, and its view follows it live. */
  const createDemo = async () => {
    setDemoError(null);
    try {
      await startDemo(api, {});
      void navigate('/demo');
    } catch (err) {
      setDemoError(describeError(err));
    }
  };

  // #/datasets?import=1 (the command palette's "Import a dataset…") opens the dialog.
  const [params, setParams] = useSearchParams();
  useEffect(() => {
    if (params.get('import') === null) return;
    setDroppedPath(undefined);
    setImportOpen(true);
    setParams({}, { replace: true });
  }, [params, setParams]);

  const retry = async (d: DatasetSummary) => {
    setRowError(null);
    try {
      const started = await retryImport(api, d);
      track({ jobId: started.jobId, datasetId: d.id, label: d.name });
      list.reload();
    } catch (err) {
      setRowError({ id: d.id, text: describeError(err) });
    }
  };

  // Counts change while an import runs; the main side says so per dataset (throttled here).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const offChanged = api.on('dataset.changed', () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        list.reload();
      }, 500);
    });
    const offProgress = api.on('job.progress', (p) => {
      if (p.state !== 'running' && p.state !== 'queued') list.reload();
    });
    return () => {
      offChanged();
      offProgress();
      if (timer) clearTimeout(timer);
    };
  }, [api, list.reload]);

  // Imports this window did not start (before a reload, from another window) still show progress:
  // their job is found by the title the import runner gives it ("Import <dataset name>").
  const importing = (list.data ?? []).filter((d) => d.status === 'importing' && !tracked.some((j) => j.datasetId === d.id));
  const importingKey = importing.map((d) => d.id).join(',');
  useEffect(() => {
    if (importing.length === 0) return;
    let live = true;
    api.call('jobs.list', { states: ['running', 'queued'] }).then(
      (jobs) => {
        if (!live) return;
        for (const d of importing) {
          const job = jobs.find((j) => j.kind === 'import' && j.title === `Import ${d.name}`);
          if (job) track({ jobId: job.id, datasetId: d.id, label: d.name }, { jobId: job.id, state: job.state, done: job.done, total: job.total, rate: null, etaSeconds: null });
        }
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
    // `importingKey` stands for `importing`, whose identity changes on every render.
  }, [api, track, importingKey]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const path = pathFromDrop(e.dataTransfer.getData('text/uri-list'), e.dataTransfer.getData('text/plain'));
    if (path) {
      setDropNote(null);
      setDroppedPath(path);
      setImportOpen(true);
    } else {
      setDropNote('The drop carried no path this app can read (browsers hide where a dropped file lives). Use Import… and its folder browser.');
    }
  };

  const datasets = list.data ?? [];
  return (
    <section
      className={`view datasets-view${dragging ? ' dragging' : ''}`}
      aria-labelledby="view-title"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <ViewHeader
        title="Datasets"
        summary="Import and browse editing datasets. Drop a folder path here to import it."
        actions={
          <button
            type="button"
            className="primary"
            onClick={() => {
              setDroppedPath(undefined);
              setImportOpen(true);
            }}
          >
            Import…
          </button>
        }
      />
      {dropNote ? (
        <p className="error" role="alert">
          {dropNote}
        </p>
      ) : null}
      {list.error ? (
        <p className="error" role="alert">
          Could not list datasets: {describeError(list.error)}
        </p>
      ) : null}
      {list.data && datasets.length === 0 ? (
        <EmptyState title="No dataset yet">
          <p>
            New here? <strong>Create the demo project</strong>: ShapesEdit generated, described and approved, the towers trained, the tiny editor
            fine-tuned five ways from one base editor (Tables 2–3), its edits scored — ending in the ablation table, every stage a job you can
            follow and cancel. From a terminal: <code>ric demo</code>.
          </p>
          <p>
            Or import HumanEdit, MagicBrush or a folder of your own (or a ShapesEdit world of your own size) with <strong>Import a dataset</strong>:{' '}
            <code>ric import shapes --count 1000</code>.
          </p>
          <div className="empty-actions">
            <button type="button" className="primary" onClick={() => void createDemo()} data-testid="create-demo">
              Create the demo project
            </button>{' '}
            <button
              type="button"
              onClick={() => {
                setDroppedPath(undefined);
                setImportOpen(true);
              }}
            >
              Import a dataset
            </button>
          </div>
          {demoError ? (
            <p className="error" role="alert">
              {demoError} <Link to="/demo">Demo options…</Link>
            </p>
          ) : null}
        </EmptyState>
      ) : null}
      {datasets.length > 0 ? (
        <table className="data-table datasets-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Format</th>
              <th scope="col" className="num">
                Samples
              </th>
              <th scope="col" className="num" title="Samples the import skipped, each with its reason">
                Skipped
              </th>
              <th scope="col" className="num" title="Samples caption jobs could not describe">
                Caption errors
              </th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => {
              const job = byDataset(d.id);
              const showProgress = job && (d.status === 'importing' || (job.progress && ['running', 'queued'].includes(job.progress.state)));
              return (
                <DatasetRow
                  key={d.id}
                  dataset={d}
                  errorsOpen={openErrors === d.id}
                  onToggleErrors={() => setOpenErrors(openErrors === d.id ? null : d.id)}
                  onOpen={() => void navigate(`/datasets/${d.id}`)}
                  progress={showProgress ? <JobProgressBar progress={job.progress} label={job.label} onCancel={() => void cancel(job.jobId).then(list.reload, list.reload)} /> : null}
                  cancelled={d.status === 'failed' && (d.importState === 'cancelled' || d.importState === 'interrupted')}
                  onRetry={() => void retry(d)}
                  onDelete={() => setDeleting(d)}
                  rowError={rowError?.id === d.id ? rowError.text : null}
                />
              );
            })}
          </tbody>
        </table>
      ) : null}
      {deleting ? <DeleteDatasetDialog dataset={deleting} open onClose={() => setDeleting(null)} onDeleted={list.reload} /> : null}
      <ImportDialog
        open={importOpen}
        initialPath={droppedPath}
        onClose={() => {
          setImportOpen(false);
          list.reload();
        }}
        onOpenDataset={(id) => {
          setImportOpen(false);
          void navigate(`/datasets/${id}`);
        }}
      />
    </section>
  );
}

function DatasetRow({
  dataset: d,
  errorsOpen,
  onToggleErrors,
  onOpen,
  progress,
  cancelled,
  onRetry,
  onDelete,
  rowError,
}: {
  dataset: DatasetSummary;
  cancelled: boolean;
  onRetry(): void;
  onDelete(): void;
  rowError: string | null;
  errorsOpen: boolean;
  onToggleErrors(): void;
  onOpen(): void;
  progress: ReactNode;
}) {
  return (
    <>
      <tr data-testid={`dataset-row-${d.id}`}>
        <th scope="row">
          <a
            href={`#/datasets/${d.id}`}
            onClick={(e) => {
              e.preventDefault();
              onOpen();
            }}
          >
            {d.name}
          </a>
          {d.sourcePath ? <div className="muted mono small" title={d.sourcePath}>{d.sourcePath}</div> : null}
        </th>
        <td>{FORMAT_LABEL[d.format]}</td>
        <td className="num">{formatCount(d.sampleCount)}</td>
        <td className="num">
          {d.errorCount > 0 ? (
            <button type="button" className="link-button error-count" aria-expanded={errorsOpen} onClick={onToggleErrors}>
              {formatCount(d.errorCount)} {errorsOpen ? '▾' : '▸'}
            </button>
          ) : (
            <span className="muted">0</span>
          )}
        </td>
        <td className="caption-errors num">{d.captionErrorCount > 0 ? <a href={`#/datasets/${d.id}`}>{formatCount(d.captionErrorCount)}</a> : <span className="muted">0</span>}</td>
        <td>
          <span className={`status-pill status-${d.status}`}>{d.status === 'failed' ? (cancelled ? (d.importState ?? 'cancelled') : 'import failed') : d.status}</span>
          {d.status === 'failed' ? (
            <div className="row-actions">
              <button type="button" className="link-button" onClick={onRetry}>
                {cancelled ? 'Resume' : 'Retry'}
              </button>
              <a href={`#/datasets/${d.id}`}>Why?</a>
              <button type="button" className="link-button danger-link" onClick={onDelete}>
                Delete…
              </button>
            </div>
          ) : null}
          {rowError ? (
            <div className="error small" role="alert">
              {rowError}
            </div>
          ) : null}
        </td>
        <td className="muted nowrap" title={new Date(d.createdAt).toLocaleString()}>
          {formatWhen(d.createdAt)}
        </td>
      </tr>
      {progress ? (
        <tr className="progress-row">
          <td colSpan={7}>{progress}</td>
        </tr>
      ) : null}
      {errorsOpen ? (
        <tr className="errors-row">
          <td colSpan={7}>
            <SampleErrors datasetId={d.id} stage="import" total={d.errorCount} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
