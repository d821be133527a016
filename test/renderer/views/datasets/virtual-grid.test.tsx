// @vitest-environment happy-dom
// The virtualised grid in a DOM: only visible rows exist, the keyboard moves the selection and
// opens, and scrolling renders the rows now in view. happy-dom has no layout, so the scroller's
// size is given to it (as a browser's layout would).
import { act, useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SelectionStore } from '../../../../renderer/src/views/datasets/selection.js';
import { VirtualGrid } from '../../../../renderer/src/views/datasets/VirtualGrid.js';
import { useTestRoot } from '../../../helpers/react-root.js';

const t = useTestRoot(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
});

/**
 * The grid's owner, as SampleBrowser is: the selection lives in a store; `mirror` stands for the
 * URL, which follows the store a render later (as a router navigation does) and never feeds back.
 */
function Harness({ count, onOpen, onRange, store: given }: { count: number; onOpen(i: number): void; onRange(a: number, b: number): void; store?: SelectionStore }) {
  const [store] = useState(() => given ?? new SelectionStore());
  const [, setMirror] = useState<number | null>(null);
  return (
    <VirtualGrid
      count={count}
      rowHeight={100}
      minCellWidth={200}
      selection={store}
      version={0}
      listKey="k"
      ariaLabel="Samples"
      onSelect={(i) => {
        store.set({ index: i, id: null });
        setTimeout(() => setMirror(i), 0);
      }}
      onOpen={onOpen}
      onRangeChange={onRange}
      renderCell={renderCell}
    />
  );
}
/** Every cell render, in order: whether a cell was ever drawn lite does not depend on timing. */
const rendered: { index: number; lite: boolean }[] = [];
const renderCell = (i: number, selected: boolean, lite: boolean) => {
  rendered.push({ index: i, lite });
  return (
    <span data-cell={i} data-lite={lite}>
      {selected ? `[${i}]` : i}
    </span>
  );
};

describe('VirtualGrid', () => {
  it('renders only the rows in view at 100 000 items, and asks for their range', async () => {
    const onRange = vi.fn();
    await act(async () => t.root.render(<Harness count={100_000} onOpen={() => undefined} onRange={onRange} />));
    const grid = t.host.querySelector<HTMLElement>('[role="listbox"]')!;
    expect(grid.dataset.columns).toBe('5');
    const cells = t.host.querySelectorAll('[data-cell]');
    // 600 px / 100 px rows = 6 visible rows + 2 overscan below = 8 rows of 5.
    expect(cells.length).toBe(40);
    expect(onRange).toHaveBeenLastCalledWith(0, 40);
    expect((t.host.querySelector('.vgrid-canvas') as HTMLElement).style.height).toBe(`${(100_000 / 5) * 100}px`);

    // Scroll deep: the rendered rows follow (after the next animation frame).
    grid.scrollTop = 100 * 10_000;
    await act(async () => {
      grid.dispatchEvent(new Event('scroll'));
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    });
    const first = Number(t.host.querySelector('[data-cell]')!.getAttribute('data-cell'));
    expect(first).toBe((10_000 - 2) * 5);
    expect(t.host.querySelectorAll('[data-cell]').length).toBeLessThanOrEqual(50);
    expect(onRange).toHaveBeenLastCalledWith((10_000 - 2) * 5, (10_000 + 8) * 5);
    // A jump of many rows renders lite cells first; the full ones come back once scrolling settles.
    // (Asserted on the renders, not on the DOM at an instant: on a loaded machine the settle timer
    // may already have fired by the time the test looks.)
    const firstDeep = rendered.find((r) => r.index === first);
    expect(firstDeep?.lite).toBe(true);
    await expect.poll(() => t.host.querySelector('[data-cell]')!.getAttribute('data-lite'), { timeout: 5000 }).toBe('false');
  });

  it('moves the selection with the arrow keys and opens it with Enter', async () => {
    const onOpen = vi.fn();
    await act(async () => t.root.render(<Harness count={23} onOpen={onOpen} onRange={() => undefined} />));
    const grid = t.host.querySelector<HTMLElement>('[role="listbox"]')!;
    const press = (key: string) => act(async () => void grid.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true })));
    await press('ArrowRight');
    await press('ArrowDown');
    await press('ArrowRight');
    expect(t.host.querySelector('[aria-selected="true"]')?.textContent).toBe('[6]');
    expect(grid.getAttribute('aria-activedescendant')).toBe('grid-cell-6');
    // Key repeat: two presses before React re-renders still move twice.
    await act(async () => {
      grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    });
    expect(t.host.querySelector('[aria-selected="true"]')?.textContent).toBe('[8]');
    await press('End');
    expect(t.host.querySelector('[aria-selected="true"]')?.textContent).toBe('[22]');
    await press('Enter');
    expect(onOpen).toHaveBeenCalledWith(22);
    expect(t.host.querySelector('[aria-selected="true"]')?.getAttribute('aria-setsize')).toBe('23');
  });

  it('Enter right after the arrows opens the sample the arrows reached, whatever renders in between', async () => {
    // Issue 17's race: the URL (here the mirror) catches up a render late; a render of the older
    // value must not pull the selection back before Enter arrives.
    const onOpen = vi.fn();
    const store = new SelectionStore();
    await act(async () => t.root.render(<Harness count={60} onOpen={onOpen} onRange={() => undefined} store={store} />));
    const grid = t.host.querySelector<HTMLElement>('[role="listbox"]')!;
    const key = (k: string) => grid.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    await act(async () => {
      key('ArrowRight');
      key('ArrowRight');
    });
    // The mirrors' late renders land now (0, then 1); then Enter.
    await act(async () => void (await new Promise((r) => setTimeout(r, 5))));
    await act(async () => void key('Enter'));
    expect(onOpen).toHaveBeenLastCalledWith(1);
    expect(store.get().index).toBe(1);
    expect(t.host.querySelector('[aria-selected="true"]')?.textContent).toBe('[1]');
  });
});
