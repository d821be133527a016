// A windowed grid: only the rows on screen (plus a little overscan) exist in the DOM, so 100 000
// cells scroll like 100. Fixed row height, columns from the width; arrow keys, Page Up/Down,
// Home/End move the selection (aria-activedescendant keeps one tab stop), Enter opens.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useSelected, type SelectionStore } from './selection';
import { columnsFor, gridWindow, moveSelection, scrollToReveal, type GridGeometry } from './windowing';

interface Props {
  count: number;
  rowHeight: number;
  minCellWidth: number;
  /**
   * The one source of truth of the selection (selection.ts): keys read it when they arrive, the
   * grid renders it. `onSelect` must write it before returning.
   */
  selection: SelectionStore;
  /**
   * Must be stable (useCallback): rows are memoised on it. `lite` is true while the grid moves
   * several rows a frame (a dragged scrollbar, a jump): draw a cheap cell, the full one follows
   * once scrolling settles.
   */
  renderCell(index: number, selected: boolean, lite: boolean): ReactNode;
  /** Changes whenever the items behind the indices change (a page arrived, a flag flipped). */
  version: number;
  onSelect(index: number): void;
  onOpen(index: number): void;
  /** The indices now rendered, so the caller can fetch them. */
  onRangeChange(first: number, last: number): void;
  ariaLabel: string;
  /** Changes when the list is a different one (new filter): scroll back to the top or the selection. */
  listKey: string;
}

export const cellId = (index: number) => `grid-cell-${index}`;

/** Moving this many rows in one frame is a fling or a drag, not reading: cells render lite. */
const LITE_ROWS_PER_FRAME = 2;
/** How long after the last such frame the full cells come back. */
const SETTLE_MS = 120;

export function VirtualGrid(props: Props) {
  const { count, rowHeight, minCellWidth, selection, onSelect, onOpen, onRangeChange, listKey } = props;
  const selected = useSelected(selection).index;
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ width: 0, height: 0 });
  const [scrollTop, setScrollTop] = useState(0);
  const [lite, setLite] = useState(false);
  const frame = useRef<number | null>(null);
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewport({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const columns = columnsFor(viewport.width, minCellWidth);
  const geometry: GridGeometry = { count, columns, rowHeight };
  const win = gridWindow(geometry, scrollTop, viewport.height);

  // At most one state update per animation frame, and only when the rendered rows change: most
  // scroll frames move the canvas by a few pixels and need no React work at all.
  const rendered = useRef({ firstRow: win.firstRow, lastRow: win.lastRow, geometry, viewportHeight: viewport.height });
  rendered.current = { firstRow: win.firstRow, lastRow: win.lastRow, geometry, viewportHeight: viewport.height };
  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const el = scroller.current;
      if (!el) return;
      const r = rendered.current;
      const next = gridWindow(r.geometry, el.scrollTop, r.viewportHeight);
      if (next.firstRow === r.firstRow && next.lastRow === r.lastRow) return;
      if (Math.abs(next.firstRow - r.firstRow) >= LITE_ROWS_PER_FRAME) {
        setLite(true);
        if (settle.current !== null) clearTimeout(settle.current);
        settle.current = setTimeout(() => {
          settle.current = null;
          setLite(false);
        }, SETTLE_MS);
      }
      setScrollTop(el.scrollTop);
    });
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      if (settle.current !== null) clearTimeout(settle.current);
    },
    [],
  );

  useEffect(() => {
    onRangeChange(win.firstIndex, win.lastIndex);
  }, [onRangeChange, win.firstIndex, win.lastIndex]);

  const reveal = useCallback(
    (index: number, center = false) => {
      const el = scroller.current;
      if (!el || viewport.height === 0) return;
      const g = { count, columns, rowHeight };
      const top = center
        ? Math.max(0, Math.floor(index / columns) * rowHeight - (viewport.height - rowHeight) / 2)
        : scrollToReveal(index, g, el.scrollTop, viewport.height);
      if (top !== null) {
        el.scrollTop = top;
        setScrollTop(el.scrollTop);
      }
    },
    [count, columns, rowHeight, viewport.height],
  );

  // A new list (filter, sort) or the first layout: show the selection if there is one, else the top.
  const shownKey = useRef<string | null>(null);
  useEffect(() => {
    if (viewport.height === 0 || shownKey.current === listKey) return;
    shownKey.current = listKey;
    if (selected !== null && selected < count) reveal(selected, true);
    else if (scroller.current) {
      scroller.current.scrollTop = 0;
      setScrollTop(0);
    }
  }, [listKey, viewport.height, selected, count, reveal]);

  // Every key reads the store as it is now, not as last rendered: key repeat and Enter right after
  // the arrows act on the latest selection.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = selection.index();
    if (e.key === 'Enter' && at !== null) {
      e.preventDefault();
      onOpen(at);
      return;
    }
    const pageRows = Math.max(1, Math.floor(viewport.height / rowHeight) - 1);
    const next = moveSelection(at, e.key, geometry, pageRows);
    if (next === null) return;
    e.preventDefault();
    onSelect(next);
    reveal(next);
  };

  const rows: ReactNode[] = [];
  for (let r = win.firstRow; r < win.lastRow; r++) {
    const rowSelected = selected !== null && Math.floor(selected / columns) === r ? selected : null;
    rows.push(
      <GridRow
        key={r}
        row={r}
        columns={columns}
        count={count}
        rowHeight={rowHeight}
        selected={rowSelected}
        version={props.version}
        lite={lite}
        renderCell={props.renderCell}
        onSelect={onSelect}
        onOpen={onOpen}
      />,
    );
  }

  return (
    <div
      ref={scroller}
      className={lite ? 'vgrid lite' : 'vgrid'}
      role="listbox"
      aria-label={props.ariaLabel}
      aria-activedescendant={selected !== null && selected >= win.firstIndex && selected < win.lastIndex ? cellId(selected) : undefined}
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      data-testid="sample-grid"
      data-columns={columns}
    >
      <div className="vgrid-canvas" style={{ height: win.totalHeight }}>
        {rows}
      </div>
    </div>
  );
}

interface RowProps {
  row: number;
  columns: number;
  count: number;
  rowHeight: number;
  /** The selected index when it is in this row, else null: other rows need not re-render. */
  selected: number | null;
  version: number;
  lite: boolean;
  renderCell(index: number, selected: boolean, lite: boolean): ReactNode;
  onSelect(index: number): void;
  onOpen(index: number): void;
}

/** A row re-renders only when its own cells, the selection within it or the data change. */
const GridRow = memo(function GridRow(p: RowProps) {
  const cells: ReactNode[] = [];
  for (let c = 0; c < p.columns; c++) {
    const index = p.row * p.columns + c;
    if (index >= p.count) break;
    cells.push(
      <GridCell key={index} index={index} count={p.count} selected={index === p.selected} width={100 / p.columns} onSelect={p.onSelect} onOpen={p.onOpen}>
        {p.renderCell(index, index === p.selected, p.lite)}
      </GridCell>,
    );
  }
  return (
    <div className="vgrid-row" role="presentation" style={{ transform: `translateY(${p.row * p.rowHeight}px)`, height: p.rowHeight }}>
      {cells}
    </div>
  );
});

function GridCell(props: {
  index: number;
  count: number;
  selected: boolean;
  width: number;
  onSelect(index: number): void;
  onOpen(index: number): void;
  children: ReactNode;
}) {
  return (
    <div
      id={cellId(props.index)}
      className="vgrid-cell"
      role="option"
      aria-selected={props.selected}
      aria-posinset={props.index + 1}
      aria-setsize={props.count}
      style={{ width: `${props.width}%` }}
      onClick={() => props.onSelect(props.index)}
      onDoubleClick={() => props.onOpen(props.index)}
    >
      {props.children}
    </div>
  );
}
