// The dataset grid's filter bar: full-text search (debounced into the URL), edit type, split,
// caption status, mask and flag filters with their counts, sort and order.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetDetail } from '../../../../shared/api/index';
import { formatCount } from './format';
import type { BrowserState } from './urlState';

export function FilterBar({ state, dataset, onChange }: { state: BrowserState; dataset: DatasetDetail | undefined; onChange(patch: Partial<BrowserState>): void }) {
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
  // The filter keeps samples whose current scene or region caption has the status: count samples, not captions.
  const captionSamples = (status: 'pending' | 'approved' | 'rejected') => dataset?.captionSampleCounts[status] ?? 0;

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
              {dataset ? ` (${formatCount(captionSamples(s))})` : ''}
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
      <span className="sort-group">
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
      </span>
      {Object.keys(state.filter).length > 0 ? (
        <button type="button" className="link-button" onClick={() => onChange({ filter: {}, sort: state.sort === 'relevance' ? 'id' : state.sort })}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
