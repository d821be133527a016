// One dataset's samples: filters, debounced full-text search and sort above a virtualised grid of
// thumbnails. Everything that defines the view (filters, sort, selection) lives in the URL query.
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { DatasetDetail, SampleSummary } from '../../../../shared/api/index';
import { useBlobUrl, useQuery } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';
import { ViewHeader } from '../../components/ViewHeader';
import { formatCount } from './format';
import { useImportJobs } from './importJobs';
import { JobProgressBar } from './JobProgressBar';
import { browserStateToParams, listKey, parseBrowserState, type BrowserState } from './urlState';
import { useSampleList } from './useSampleList';
import { VirtualGrid } from './VirtualGrid';

const ROW_HEIGHT = 150;
const MIN_CELL_WIDTH = 184;
/** Intrinsic size hint for thumbnails (CSS sets the shown size): spares layout a re-measure per image. */
const THUMB = 80;

export function SampleBrowser() {
  const datasetId = Number(useParams().datasetId);
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const state = useMemo(() => parseBrowserState(params), [params]);
  const dataset = useQuery('datasets.get', { id: datasetId });
  const { byDataset } = useImportJobs();
  const job = byDataset(datasetId);

  const update = useCallback(
    (patch: Partial<BrowserState>, replace = true) => {
      const next = { ...state, ...patch };
      setParams(browserStateToParams(next), { replace });
    },
    [state, setParams],
  );

  const list = useSampleList(datasetId, state.filter, state.sort, state.order);
  const onRangeChange = useCallback((first: number, last: number) => list.ensure(first, Math.max(last, first + 1)), [list]);
  useEffect(() => list.ensure(state.index ?? 0, (state.index ?? 0) + 1), [list, state.index]);

  const select = useCallback(
    (index: number) => {
      const item = list.get(index);
      update({ index, selected: item?.id ?? null });
    },
    [list, update],
  );
  const open = useCallback(
    (index: number) => {
      const item = list.get(index);
      if (!item) return;
      const q = browserStateToParams({ ...state, index, selected: item.id });
      void navigate(`/datasets/${datasetId}/samples/${item.id}?${q.toString()}`);
    },
    [list, state, datasetId, navigate],
  );

  const renderCell = useCallback(
    (index: number, selected: boolean, lite: boolean) => <SampleCell item={list.get(index)} selected={selected} lite={lite} />,
    [list],
  );

  // The selection is kept as (index, id) in the URL; the item shows once its page has loaded.
  const selectedItem = state.index !== null ? list.get(state.index) : undefined;
  const total = list.total;
  const key = listKey(state);

  return (
    <section className="view browser-view" aria-labelledby="view-title">
      <ViewHeader
        title={dataset.data?.name ?? 'Dataset'}
        summary={dataset.data ? summaryOf(dataset.data) : dataset.error ? `Cannot open dataset ${datasetId}: ${dataset.error.message}` : 'Loading…'}
        actions={
          <Link className="secondary button-link" to="/datasets">
            All datasets
          </Link>
        }
      />
      {job && job.progress?.state !== 'completed' && dataset.data?.status === 'importing' ? <JobProgressBar progress={job.progress} label={job.label} /> : null}
      <FilterBar state={state} dataset={dataset.data} onChange={(patch) => update({ ...patch, index: null, selected: null })} />
      <div className="browser-status" role="status" aria-live="polite">
        {list.error ? (
          <span className="error">Could not read samples: {list.error.message}</span>
        ) : total === null ? (
          <span className="muted">Reading samples…</span>
        ) : (
          <span data-testid="match-count">
            {formatCount(total)} {total === 1 ? 'sample' : 'samples'}
            {dataset.data && total !== dataset.data.sampleCount ? ` of ${formatCount(dataset.data.sampleCount)}` : ''}
          </span>
        )}
        {selectedItem ? (
          <span className="muted">
            Selected <span className="mono">{selectedItem.externalId}</span> ({formatCount((state.index ?? 0) + 1)} of {formatCount(total ?? 0)}) — Enter opens
          </span>
        ) : (
          <span className="muted">Arrow keys move, Enter opens</span>
        )}
      </div>
      {total === 0 ? (
        <p className="muted empty-grid">No sample matches these filters.</p>
      ) : (
        <VirtualGrid
          count={total ?? 0}
          rowHeight={ROW_HEIGHT}
          minCellWidth={MIN_CELL_WIDTH}
          selected={state.index}
          listKey={key}
          ariaLabel="Samples"
          onSelect={select}
          onOpen={open}
          onRangeChange={onRangeChange}
          version={list.version}
          renderCell={renderCell}
        />
      )}
    </section>
  );
}

function summaryOf(d: DatasetDetail): string {
  const parts = [`${formatCount(d.sampleCount)} samples`, `${formatCount(d.maskCount)} masks`];
  if (d.sessionCount > 0) parts.push(`${formatCount(d.sessionCount)} sessions`);
  if (d.errorCount > 0) parts.push(`${formatCount(d.errorCount)} import errors`);
  if (d.status !== 'ready') parts.push(d.status);
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

function FilterBar({ state, dataset, onChange }: { state: BrowserState; dataset: DatasetDetail | undefined; onChange(patch: Partial<BrowserState>): void }) {
  const [search, setSearch] = useState(state.filter.search ?? '');
  const latest = useRef({ state, onChange });
  latest.current = { state, onChange };
  const commitSearch = useCallback((text: string) => {
    const { state: s, onChange: change } = latest.current;
    const q = text.trim();
    if ((s.filter.search ?? '') === q) return;
    const { search: _old, ...rest } = s.filter;
    change({ filter: q ? { ...rest, search: q } : rest, sort: q ? s.sort : s.sort === 'relevance' ? 'id' : s.sort });
  }, []);
  // Debounced: the URL (and the query) follows the box 250 ms after the last keystroke.
  useEffect(() => {
    const t = setTimeout(() => commitSearch(search), 250);
    return () => clearTimeout(t);
  }, [search, commitSearch]);
  useEffect(() => setSearch(state.filter.search ?? ''), [state.filter.search]);

  const setFilter = <K extends keyof BrowserState['filter']>(k: K, v: BrowserState['filter'][K] | undefined) => {
    const next = { ...state.filter };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange({ filter: next });
  };
  const tri = (v: boolean | undefined) => (v === undefined ? '' : v ? 'yes' : 'no');
  const fromTri = (s: string) => (s === '' ? undefined : s === 'yes');
  const captionTotal = (status: 'pending' | 'approved' | 'rejected') => (dataset ? (dataset.captionCounts.scene[status] ?? 0) + (dataset.captionCounts.region[status] ?? 0) : 0);

  return (
    <div className="filter-bar" role="search">
      <input
        type="search"
        className="search-box"
        aria-label="Search instructions, descriptions and captions"
        placeholder="Search instructions, descriptions, captions…"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commitSearch(search);
        }}
      />
      <label>
        <span>Edit</span>
        <select aria-label="Edit type" value={state.filter.editType ?? ''} onChange={(e) => setFilter('editType', e.target.value || undefined)}>
          <option value="">any</option>
          {dataset?.editTypes.map((t) => (
            <option key={t.editType} value={t.editType}>
              {t.editType} ({formatCount(t.count)})
            </option>
          ))}
          {state.filter.editType && !dataset?.editTypes.some((t) => t.editType === state.filter.editType) ? <option value={state.filter.editType}>{state.filter.editType}</option> : null}
        </select>
      </label>
      <label>
        <span>Split</span>
        <select aria-label="Split" value={state.filter.split ?? ''} onChange={(e) => setFilter('split', (e.target.value || undefined) as BrowserState['filter']['split'])}>
          <option value="">any</option>
          {(['train', 'val', 'test'] as const).map((s) => {
            const n = dataset?.splits.find((x) => x.split === s)?.count;
            return (
              <option key={s} value={s}>
                {s}
                {n !== undefined ? ` (${formatCount(n)})` : ''}
              </option>
            );
          })}
        </select>
      </label>
      <label>
        <span>Captions</span>
        <select aria-label="Caption status" value={state.filter.captionStatus ?? ''} onChange={(e) => setFilter('captionStatus', (e.target.value || undefined) as BrowserState['filter']['captionStatus'])}>
          <option value="">any</option>
          {(['pending', 'approved', 'rejected'] as const).map((s) => (
            <option key={s} value={s}>
              {s}
              {dataset ? ` (${formatCount(captionTotal(s))})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Mask</span>
        <select aria-label="Has mask" value={tri(state.filter.hasMask)} onChange={(e) => setFilter('hasMask', fromTri(e.target.value))}>
          <option value="">any</option>
          <option value="yes">has mask</option>
          <option value="no">no mask</option>
        </select>
      </label>
      <label>
        <span>Flag</span>
        <select aria-label="Flagged" value={tri(state.filter.flagged)} onChange={(e) => setFilter('flagged', fromTri(e.target.value))}>
          <option value="">any</option>
          <option value="yes">flagged</option>
          <option value="no">not flagged</option>
        </select>
      </label>
      <label>
        <span>Sort</span>
        <select aria-label="Sort by" value={state.sort} onChange={(e) => onChange({ sort: e.target.value as BrowserState['sort'] })}>
          <option value="id">import order</option>
          <option value="instruction">instruction</option>
          <option value="editType">edit type</option>
          {state.filter.search ? <option value="relevance">relevance</option> : null}
        </select>
      </label>
      <button
        type="button"
        className="secondary order-toggle"
        aria-label={state.order === 'asc' ? 'Ascending; switch to descending' : 'Descending; switch to ascending'}
        title="Sort order"
        onClick={() => onChange({ order: state.order === 'asc' ? 'desc' : 'asc' })}
      >
        {state.order === 'asc' ? '↑' : '↓'}
      </button>
      {Object.keys(state.filter).length > 0 ? (
        <button type="button" className="link-button" onClick={() => onChange({ filter: {}, sort: state.sort === 'relevance' ? 'id' : state.sort })}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
