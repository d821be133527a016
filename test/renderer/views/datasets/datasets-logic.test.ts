// The dataset browser's pure parts: grid geometry and keyboard moves, URL state, paged fetching.
import { describe, expect, it } from 'vitest';
import { columnsFor, gridWindow, moveSelection, rowCount, scrollToReveal } from '../../../../renderer/src/views/datasets/windowing.js';
import { browserStateToParams, defaultBrowserState, listKey, parseBrowserState } from '../../../../renderer/src/views/datasets/urlState.js';
import { PagedList } from '../../../../renderer/src/views/datasets/pagedList.js';
import { formatCount, formatEta, formatRate } from '../../../../renderer/src/views/datasets/format.js';

describe('grid window', () => {
  const g = { count: 100_000, columns: 7, rowHeight: 150 };

  it('renders only the visible rows plus overscan, at the top and deep in the list', () => {
    expect(rowCount(g)).toBe(Math.ceil(100_000 / 7));
    const top = gridWindow(g, 0, 900, 2);
    expect(top).toMatchObject({ firstRow: 0, lastRow: 8, firstIndex: 0, lastIndex: 56 });
    expect(top.totalHeight).toBe(rowCount(g) * 150);
    const deep = gridWindow(g, 150 * 10_000 + 75, 900, 2);
    expect(deep.firstRow).toBe(9_998);
    expect(deep.lastRow).toBe(10_009);
    expect(deep.lastIndex - deep.firstIndex).toBe(11 * 7);
  });

  it('clamps at the end and handles an empty or partial last row', () => {
    const end = gridWindow(g, 1e12, 900, 2);
    expect(end.lastRow).toBe(rowCount(g));
    expect(end.lastIndex).toBe(100_000);
    expect(gridWindow({ ...g, count: 0 }, 0, 900)).toMatchObject({ firstIndex: 0, lastIndex: 0, totalHeight: 0 });
    expect(gridWindow({ count: 3, columns: 7, rowHeight: 150 }, 0, 900)).toMatchObject({ firstRow: 0, lastRow: 1, lastIndex: 3 });
  });

  it('fits at least one column', () => {
    expect(columnsFor(0, 184)).toBe(1);
    expect(columnsFor(1300, 184)).toBe(7);
  });

  it('moves the selection like a grid: arrows by cell and row, pages, ends, clamped', () => {
    const small = { count: 20, columns: 6, rowHeight: 150 };
    expect(moveSelection(null, 'ArrowRight', small, 3)).toBe(0);
    expect(moveSelection(0, 'ArrowRight', small, 3)).toBe(1);
    expect(moveSelection(0, 'ArrowLeft', small, 3)).toBe(0);
    expect(moveSelection(2, 'ArrowDown', small, 3)).toBe(8);
    expect(moveSelection(16, 'ArrowDown', small, 3)).toBe(19);
    expect(moveSelection(8, 'ArrowUp', small, 3)).toBe(2);
    expect(moveSelection(1, 'PageDown', small, 2)).toBe(13);
    expect(moveSelection(1, 'PageUp', small, 2)).toBe(0);
    expect(moveSelection(5, 'End', small, 2)).toBe(19);
    expect(moveSelection(5, 'Home', small, 2)).toBe(0);
    expect(moveSelection(5, 'a', small, 2)).toBeNull();
    expect(moveSelection(null, 'ArrowDown', { ...small, count: 0 }, 2)).toBeNull();
  });

  it('scrolls just enough to reveal a cell', () => {
    expect(scrollToReveal(0, g, 0, 900)).toBeNull();
    expect(scrollToReveal(7 * 6, g, 0, 900)).toBe(7 * 150 - 900);
    expect(scrollToReveal(0, g, 3000, 900)).toBe(0);
  });
});

describe('URL state', () => {
  it('round-trips every filter, the sort and the selection', () => {
    const state = {
      filter: { editType: 'recolour', split: 'val' as const, captionStatus: 'approved' as const, hasMask: false, flagged: true, search: 'red circle' },
      sort: 'relevance' as const,
      order: 'desc' as const,
      selected: 1234,
      index: 99_000,
    };
    const params = browserStateToParams(state);
    expect(parseBrowserState(new URLSearchParams(params.toString()))).toEqual(state);
  });

  it('leaves defaults out and drops values it cannot trust', () => {
    expect(browserStateToParams(defaultBrowserState).toString()).toBe('');
    const parsed = parseBrowserState(new URLSearchParams('split=holdout&caption=maybe&mask=1&sort=bogus&order=up&sel=-3&i=x&q=%20%20'));
    expect(parsed).toEqual(defaultBrowserState);
  });

  it('ignores relevance sort without a search', () => {
    expect(parseBrowserState(new URLSearchParams('sort=relevance')).sort).toBe('id');
  });

  it('keys the list by filter and sort, not by selection', () => {
    const a = parseBrowserState(new URLSearchParams('edit=add&sel=4&i=3'));
    const b = parseBrowserState(new URLSearchParams('edit=add&sel=9&i=8'));
    const c = parseBrowserState(new URLSearchParams('edit=move'));
    expect(listKey(a)).toBe(listKey(b));
    expect(listKey(a)).not.toBe(listKey(c));
  });
});

describe('PagedList', () => {
  const source = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1 }));
  function makeList(pageSize = 100, maxPages = 3) {
    const calls: number[] = [];
    let changes = 0;
    const list = new PagedList<{ id: number }>(
      async (offset, limit) => {
        calls.push(offset);
        await new Promise((r) => setTimeout(r, 1));
        return { total: source.length, items: source.slice(offset, offset + limit) };
      },
      () => changes++,
      pageSize,
      maxPages,
    );
    return { list, calls, changes: () => changes };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('fetches the pages a range needs once, and serves items by index', async () => {
    const { list, calls, changes } = makeList();
    list.ensure(0, 1);
    list.ensure(0, 1);
    await settle();
    expect(calls).toEqual([0]);
    expect(list.total).toBe(1000);
    list.ensure(150, 320);
    list.ensure(150, 320);
    await settle();
    expect(calls).toEqual([0, 100, 200, 300]);
    expect(list.get(317)).toEqual({ id: 318 });
    expect(list.get(999)).toBeUndefined();
    expect(changes()).toBe(4);
  });

  it('evicts the least recently used pages beyond its budget', async () => {
    const { list, calls } = makeList(100, 2);
    list.ensure(0, 1);
    await settle();
    list.ensure(500, 501);
    await settle();
    list.ensure(0, 1); // touch page 0 so page 5 is the oldest
    list.ensure(900, 901);
    await settle();
    expect(list.get(0)).toEqual({ id: 1 });
    expect(list.get(500)).toBeUndefined();
    expect(list.get(900)).toEqual({ id: 901 });
    expect(calls).toEqual([0, 500, 900]);
  });

  it('drops answers that arrive after it was disposed, and reports errors', async () => {
    const { list, changes } = makeList();
    list.ensure(0, 1);
    list.dispose();
    await settle();
    expect(list.get(0)).toBeUndefined();
    expect(changes()).toBe(0);

    const failing = new PagedList<{ id: number }>(() => Promise.reject(new Error('samples.query: dataset 7 not found')), () => undefined);
    failing.ensure(0, 1);
    await settle();
    expect(failing.error?.message).toContain('dataset 7');
  });
});

describe('formatting', () => {
  it('says counts, rates and time left the way people read them', () => {
    expect(formatCount(100000)).toBe('100,000');
    expect(formatRate(null)).toBe('—');
    expect(formatRate(1234.4)).toBe('1,234/s');
    expect(formatRate(2.25)).toBe('2.3/s');
    expect(formatRate(0.5)).toBe('30.0/min');
    expect(formatEta(4.4)).toBe('4 s');
    expect(formatEta(125)).toBe('2 min 05 s');
    expect(formatEta(3600 * 1 + 20 * 60)).toBe('1 h 20 min');
    expect(formatEta(null)).toBe('—');
  });
});

describe('image stage and drop helpers', async () => {
  const { displayScale } = await import('../../../../renderer/src/views/datasets/ImageStage.js');
  const { pathFromDrop } = await import('../../../../renderer/src/views/datasets/DatasetList.js');

  it('fits the pane, or shows `zoom` device pixels per image pixel', () => {
    expect(displayScale('fit', { width: 64, height: 32 }, { width: 640, height: 640 }, 1)).toBe(10);
    expect(displayScale('fit', { width: 64, height: 32 }, { width: 640, height: 160 }, 1)).toBe(5);
    // 1:1 on a 2× screen is half a CSS pixel per image pixel: one image pixel, one device pixel.
    expect(displayScale(1, { width: 512, height: 512 }, { width: 100, height: 100 }, 2)).toBe(0.5);
    expect(displayScale(4, { width: 512, height: 512 }, { width: 100, height: 100 }, 1)).toBe(4);
  });

  it('reads a dropped path from a file:// URI list or an absolute path as text, nothing else', () => {
    expect(pathFromDrop('file:///data/Human%20Edit/train-0.parquet\r\n', '')).toBe('/data/Human Edit/train-0.parquet');
    expect(pathFromDrop('', '  /data/MagicBrush  ')).toBe('/data/MagicBrush');
    expect(pathFromDrop('', 'C:\\datasets\\mine')).toBe('C:\\datasets\\mine');
    expect(pathFromDrop('', 'relative/path')).toBeNull();
    expect(pathFromDrop('https://example.com/a', 'hello\nworld')).toBeNull();
  });
});
