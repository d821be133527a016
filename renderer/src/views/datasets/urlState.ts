// The browser's filters, sort and selection live in the URL query (hash router), so a view can be
// bookmarked, shared, and restored by Back. Unknown or malformed values are dropped, never trusted.
import type { z } from 'zod';
import {
  captionStatusSchema,
  sampleSortSchema,
  splitSchema,
  type SampleFilter,
} from '../../../../shared/api/datasets';

export type SampleSort = z.infer<typeof sampleSortSchema>;
export type SortOrder = 'asc' | 'desc';

export interface BrowserState {
  filter: SampleFilter;
  sort: SampleSort;
  order: SortOrder;
  /** The selected sample's id, and its position in the filtered, sorted list. */
  selected: number | null;
  index: number | null;
}

export const defaultBrowserState: BrowserState = { filter: {}, sort: 'id', order: 'asc', selected: null, index: null };

const KEYS = { editType: 'edit', split: 'split', captionStatus: 'caption', hasMask: 'mask', flagged: 'flagged', search: 'q' } as const;

function parseBool(v: string | null): boolean | undefined {
  return v === 'yes' ? true : v === 'no' ? false : undefined;
}

function parseNonNegativeInt(v: string | null): number | null {
  if (v === null || !/^\d{1,15}$/.test(v)) return null;
  return Number(v);
}

export function parseBrowserState(params: URLSearchParams): BrowserState {
  const filter: SampleFilter = {};
  const editType = params.get(KEYS.editType);
  if (editType && editType.length <= 200) filter.editType = editType;
  const split = splitSchema.safeParse(params.get(KEYS.split));
  if (split.success) filter.split = split.data;
  const caption = captionStatusSchema.safeParse(params.get(KEYS.captionStatus));
  if (caption.success) filter.captionStatus = caption.data;
  const hasMask = parseBool(params.get(KEYS.hasMask));
  if (hasMask !== undefined) filter.hasMask = hasMask;
  const flagged = parseBool(params.get(KEYS.flagged));
  if (flagged !== undefined) filter.flagged = flagged;
  const search = params.get(KEYS.search);
  if (search && search.trim() !== '') filter.search = search.slice(0, 500);

  const sort = sampleSortSchema.safeParse(params.get('sort'));
  const order = params.get('order') === 'desc' ? 'desc' : 'asc';
  return {
    filter,
    // Relevance only means something while searching.
    sort: sort.success && (sort.data !== 'relevance' || filter.search) ? sort.data : 'id',
    order,
    selected: parseNonNegativeInt(params.get('sel')),
    index: parseNonNegativeInt(params.get('i')),
  };
}

/** The query for a state; defaults are left out so URLs stay short. */
export function browserStateToParams(state: BrowserState): URLSearchParams {
  const p = new URLSearchParams();
  const f = state.filter;
  if (f.editType) p.set(KEYS.editType, f.editType);
  if (f.split) p.set(KEYS.split, f.split);
  if (f.captionStatus) p.set(KEYS.captionStatus, f.captionStatus);
  if (f.hasMask !== undefined) p.set(KEYS.hasMask, f.hasMask ? 'yes' : 'no');
  if (f.flagged !== undefined) p.set(KEYS.flagged, f.flagged ? 'yes' : 'no');
  if (f.search) p.set(KEYS.search, f.search);
  if (state.sort !== 'id') p.set('sort', state.sort);
  if (state.order !== 'asc') p.set('order', state.order);
  if (state.selected !== null) p.set('sel', String(state.selected));
  if (state.index !== null) p.set('i', String(state.index));
  return p;
}

/** A stable key for "the same list": filters and sort, not the selection. */
export function listKey(state: Pick<BrowserState, 'filter' | 'sort' | 'order'>): string {
  const { filter: f } = state;
  return JSON.stringify([f.editType, f.split, f.captionStatus, f.hasMask, f.flagged, f.search, state.sort, state.order]);
}
