// One dataset: what happened to it (status, import and caption problems, retry, rename, delete),
// then filters, debounced full-text search and sort above a virtualised grid of thumbnails.
// Filters and sort live in the URL query; the selection lives in one store (selection.ts) that the
// URL only mirrors.
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { DatasetDetail, SampleSummary } from '../../../../shared/api/index';
import { ApiCallError } from '../../../../shared/api/contract';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';
import { NotFound } from '../../components/NotFound';
import { ViewHeader } from '../../components/ViewHeader';
import { useViewCommands } from '../../components/commands';
import { DeleteDatasetDialog, RenameDatasetDialog } from './DatasetActions';
import { DatasetProblems, DatasetStatus } from './DatasetStatus';
import { FilterBar } from './FilterBar';
import { formatCount } from './format';
import { useImportJobs } from './importJobs';
import { JobProgressBar } from './JobProgressBar';
import { SelectionStore, useSelected } from './selection';
import { browserStateToParams, listKey, parseBrowserState, type BrowserState } from './urlState';
import { useSampleList } from './useSampleList';
import { VirtualGrid } from './VirtualGrid';

const ROW_HEIGHT = 150;
const MIN_CELL_WIDTH = 184;
/** Intrinsic size hint for thumbnails (CSS sets the shown size): spares layout a re-measure per image. */
const THUMB = 80;

/** The query of the address as it is now (the hash router's), not as last rendered. */
function liveQuery(): { path: string; params: URLSearchParams } {
  const hash = window.location.hash.replace(/^#/, '');
  const q = hash.indexOf('?');
  return { path: q < 0 ? hash : hash.slice(0, q), params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

export function SampleBrowser() {
  const rawId = useParams().datasetId;
  const datasetId = Number(rawId);
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const api = useApi();
  const state = useMemo(() => parseBrowserState(params), [params]);
  const dataset = useQuery('datasets.get', { id: datasetId });
  const { byDataset, track } = useImportJobs();
  const job = byDataset(datasetId);
  const [dialog, setDialog] = useState<'rename' | 'delete' | null>(null);

  // The selection: read from the URL once per dataset, then owned by the store.
  const selection = useMemo(() => new SelectionStore({ index: parseBrowserState(params).index, id: parseBrowserState(params).selected }), [datasetId]);
  const selected = useSelected(selection);
  const gridPath = `/datasets/${datasetId}`;
  useEffect(
    () =>
      selection.subscribe(() => {
        // Mirror into the address as it is now, so a filter just typed is never written back over.
        const live = liveQuery();
        if (live.path !== gridPath) return;
        const { index, id } = selection.get();
        for (const [k, v] of [['i', index], ['sel', id]] as const) v === null ? live.params.delete(k) : live.params.set(k, String(v));
        void navigate(`${gridPath}?${live.params.toString()}`, { replace: true });
      }),
    [selection, navigate, gridPath],
  );

  const update = useCallback(
    (patch: Partial<BrowserState>) => {
      selection.set({ index: null, id: null });
      setParams(browserStateToParams({ ...parseBrowserState(liveQuery().params), ...patch, index: null, selected: null }), { replace: true });
    },
    [setParams, selection],
  );

  const list = useSampleList(datasetId, state.filter, state.sort, state.order);
  const onRangeChange = useCallback((first: number, last: number) => list.ensure(first, Math.max(last, first + 1)), [list]);
  useEffect(() => list.ensure(selected.index ?? 0, (selected.index ?? 0) + 1), [list, selected.index]);

  const select = useCallback((index: number) => selection.set({ index, id: list.get(index)?.id ?? null }), [list, selection]);
  const open = useCallback(
    (index: number) => {
      const item = list.get(index);
      if (!item) return;
      const q = browserStateToParams({ ...parseBrowserState(liveQuery().params), index, selected: item.id });
      void navigate(`/datasets/${datasetId}/samples/${item.id}?${q.toString()}`);
    },
    [list, datasetId, navigate],
  );

  const renderCell = useCallback((index: number, isSelected: boolean, lite: boolean) => <SampleCell item={list.get(index)} selected={isSelected} lite={lite} />, [list]);

  // Counts and status follow the dataset while an import or a caption job changes it.
  const reload = dataset.reload;
  useEffect(() => api.on('dataset.changed', (e) => e.datasetId === datasetId && reload()), [api, datasetId, reload]);

  const d = dataset.data;
  useViewCommands(
    d
      ? [
          { id: 'dataset:rename', label: `Rename dataset “${d.name}”…`, run: () => setDialog('rename') },
          { id: 'dataset:delete', label: `Delete dataset “${d.name}”…`, run: () => setDialog('delete') },
        ]
      : [],
  );

  if (dataset.error instanceof ApiCallError && dataset.error.code === 'not_found') {
    return (
      <NotFound title="No such dataset">
        There is no dataset {Number.isFinite(datasetId) ? datasetId : `“${rawId ?? ''}”`} in this data folder. It may have been deleted.
      </NotFound>
    );
  }

  const selectedItem = selected.index !== null ? list.get(selected.index) : undefined;
  const total = list.total;
  const empty = d !== undefined && d.sampleCount === 0;
  const filtered = Object.keys(state.filter).length > 0;
  return (
    <section className="view browser-view" aria-labelledby="view-title">
      <ViewHeader
        title={d?.name ?? 'Dataset'}
        summary={d ? summaryOf(d) : dataset.error ? `Cannot open this dataset: ${describeError(dataset.error)}` : 'Loading…'}
        actions={
          <>
            <button type="button" className="secondary" disabled={!d || d.status === 'importing'} onClick={() => setDialog('rename')}>
              Rename…
            </button>
            <button type="button" className="secondary" disabled={!d} onClick={() => setDialog('delete')}>
              Delete…
            </button>
            <Link className="secondary button-link" to="/datasets">
              All datasets
            </Link>
          </>
        }
      />
      {d ? (
        <>
          <RenameDatasetDialog dataset={d} open={dialog === 'rename'} onClose={() => setDialog(null)} onRenamed={reload} />
          <DeleteDatasetDialog dataset={d} open={dialog === 'delete'} onClose={() => setDialog(null)} onDeleted={() => void navigate('/datasets')} />
          <DatasetStatus
            dataset={d}
            onChanged={reload}
            onStarted={(jobId) => track({ jobId, datasetId, label: d.name })}
            onDelete={() => setDialog('delete')}
          />
          <DatasetProblems dataset={d} />
        </>
      ) : null}
      {job && job.progress?.state !== 'completed' && d?.status === 'importing' ? <JobProgressBar progress={job.progress} label={job.label} /> : null}
      {empty && !filtered ? (
        d.status === 'importing' ? (
          <p className="muted empty-grid">The import has not written a sample yet; they appear here as it goes.</p>
        ) : null
      ) : (
        <>
          <FilterBar state={state} dataset={d} onChange={update} />
          <div className="browser-status" role="status" aria-live="polite">
            {list.error ? (
              <span className="error">Could not read samples: {describeError(list.error)}</span>
            ) : total === null ? (
              <span className="muted">Reading samples…</span>
            ) : (
              <span data-testid="match-count">
                {formatCount(total)} {total === 1 ? 'sample' : 'samples'}
                {d && total !== d.sampleCount ? ` of ${formatCount(d.sampleCount)}` : ''}
              </span>
            )}
            {selectedItem ? (
              <span className="muted">
                Selected <span className="mono">{selectedItem.externalId}</span> ({formatCount((selected.index ?? 0) + 1)} of {formatCount(total ?? 0)}) — Enter opens
              </span>
            ) : (
              <span className="muted">Arrow keys move, Enter opens</span>
            )}
          </div>
          {total === 0 ? (
            <p className="muted empty-grid">{filtered ? 'No sample matches these filters.' : 'This dataset has no samples.'}</p>
          ) : (
            <VirtualGrid
              count={total ?? 0}
              rowHeight={ROW_HEIGHT}
              minCellWidth={MIN_CELL_WIDTH}
              selection={selection}
              listKey={listKey(state)}
              ariaLabel="Samples"
              onSelect={select}
              onOpen={open}
              onRangeChange={onRangeChange}
              version={list.version}
              renderCell={renderCell}
            />
          )}
        </>
      )}
    </section>
  );
}

function summaryOf(d: DatasetDetail): string {
  const parts = [`${formatCount(d.sampleCount)} samples`, `${formatCount(d.maskCount)} masks`];
  if (d.sessionCount > 0) parts.push(`${formatCount(d.sessionCount)} sessions`);
  if (d.status === 'importing') parts.push('importing');
  else if (d.status === 'failed') parts.push(d.lastImport?.state === 'cancelled' ? 'import cancelled' : 'import failed');
  return parts.join(' · ');
}

const SampleCell = memo(function SampleCell({ item, selected, lite }: { item: SampleSummary | undefined; selected: boolean; lite: boolean }) {
  const blobUrl = useBlobUrl();
  if (!item) return <div className="sample-cell placeholder" aria-label="loading" />;
  if (lite) {
    // Flinging past: the text only; thumbnails come back when scrolling settles.
    return (
      <div className={`sample-cell${selected ? ' selected' : ''}`} data-sample-id={item.id}>
        <div className="sample-thumbs">
          <span className="no-thumb" />
          <span className="no-thumb" />
        </div>
        <div className="sample-instruction">{item.instruction}</div>
        <div className="sample-meta">
          <span className="mono">{item.externalId}</span>
        </div>
      </div>
    );
  }
  return (
    <div className={`sample-cell${selected ? ' selected' : ''}`} data-sample-id={item.id} title={item.instruction}>
      <div className="sample-thumbs">
        {item.sourceThumbSha256 ? <BlobImage sha256={item.sourceThumbSha256} alt="" width={THUMB} height={THUMB} decoding="async" draggable={false} /> : <span className="no-thumb" />}
        {item.targetThumbSha256 ? <BlobImage sha256={item.targetThumbSha256} alt="" width={THUMB} height={THUMB} decoding="async" draggable={false} /> : <span className="no-thumb" />}
      </div>
      <div className="sample-instruction">{item.instruction}</div>
      <div className="sample-meta">
        <span className="mono">{item.externalId}</span>
        {item.editType ? <span className="tag">{item.editType}</span> : null}
        {item.turnIndex !== null ? <span className="tag" title="Turn in a multi-turn session">turn {item.turnIndex}</span> : null}
        <span className="spacer" />
        {item.hasMask ? null : <span className="tag warn" title="No mask">no mask</span>}
        {item.flagged ? (
          <span className="flag-mark" title="Flagged for review" aria-label="flagged">
            ⚑
          </span>
        ) : null}
      </div>
    </div>
  );
});
