// The grid's data: one PagedList per (dataset, filter, sort), refreshed while the dataset changes
// underneath (an import still running), re-rendering the grid whenever a page arrives.
import { useEffect, useMemo, useReducer } from 'react';
import type { SampleFilter, SampleSummary } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';
import { PagedList } from './pagedList';
import type { SampleSort, SortOrder } from './urlState';

export const PAGE_SIZE = 200;

export function useSampleList(datasetId: number, filter: SampleFilter, sort: SampleSort, order: SortOrder): PagedList<SampleSummary> {
  const api = useApi();
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const key = JSON.stringify([datasetId, filter, sort, order]);

  const list = useMemo(
    () =>
      new PagedList<SampleSummary>(
        (offset, limit) => api.call('samples.query', { datasetId, filter, sort, order, offset, limit }),
        bump,
        PAGE_SIZE,
      ),
    // `key` covers every input; the filter object itself changes identity on each render.
    [api, key],
  );
  useEffect(() => () => list.dispose(), [list]);

  // While an import adds samples, refetch at most every 2 s so the total grows without thrashing.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = api.on('dataset.changed', (e) => {
      if (e.datasetId !== datasetId || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        list.refresh();
      }, 2000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, datasetId, list]);

  return list;
}
