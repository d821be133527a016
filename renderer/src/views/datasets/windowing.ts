// Pure geometry of the virtualised thumbnail grid: which rows are on screen, where the selection
// moves on a key press, how far to scroll to reveal a cell. Kept free of React so it is tested alone.

export interface GridGeometry {
  count: number;
  columns: number;
  rowHeight: number;
}

export interface GridWindow {
  /** Rows [firstRow, lastRow) are rendered (visible ones plus overscan). */
  firstRow: number;
  lastRow: number;
  /** Sample indices [firstIndex, lastIndex) that those rows hold. */
  firstIndex: number;
  lastIndex: number;
  totalHeight: number;
}

export function rowCount(g: GridGeometry): number {
  return g.columns > 0 ? Math.ceil(g.count / g.columns) : 0;
}

export function columnsFor(width: number, minCellWidth: number): number {
  return Math.max(1, Math.floor(width / minCellWidth));
}

export function gridWindow(g: GridGeometry, scrollTop: number, viewportHeight: number, overscanRows = 2): GridWindow {
  const rows = rowCount(g);
  const totalHeight = rows * g.rowHeight;
  if (rows === 0 || g.rowHeight <= 0) return { firstRow: 0, lastRow: 0, firstIndex: 0, lastIndex: 0, totalHeight };
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, totalHeight - viewportHeight)));
  const firstVisible = Math.floor(top / g.rowHeight);
  const lastVisible = Math.ceil((top + Math.max(viewportHeight, 0)) / g.rowHeight);
  const firstRow = Math.max(0, firstVisible - overscanRows);
  const lastRow = Math.min(rows, Math.max(lastVisible, firstVisible + 1) + overscanRows);
  return {
    firstRow,
    lastRow,
    firstIndex: firstRow * g.columns,
    lastIndex: Math.min(g.count, lastRow * g.columns),
    totalHeight,
  };
}

/** The selection after a navigation key, or null when the key is not one the grid handles. */
export function moveSelection(index: number | null, key: string, g: GridGeometry, pageRows: number): number | null {
  if (g.count === 0) return null;
  const at = index === null ? -1 : Math.min(index, g.count - 1);
  const clamp = (i: number) => Math.max(0, Math.min(g.count - 1, i));
  switch (key) {
    case 'ArrowRight':
      return clamp(at + 1);
    case 'ArrowLeft':
      return at < 0 ? 0 : clamp(at - 1);
    case 'ArrowDown':
      return at < 0 ? 0 : clamp(at + g.columns);
    case 'ArrowUp':
      return at < 0 ? 0 : clamp(at - g.columns);
    case 'PageDown':
      return clamp(Math.max(at, 0) + g.columns * Math.max(1, pageRows));
    case 'PageUp':
      return clamp(Math.max(at, 0) - g.columns * Math.max(1, pageRows));
    case 'Home':
      return 0;
    case 'End':
      return g.count - 1;
    default:
      return null;
  }
}

/** The scrollTop that brings a cell fully into view, or null when it already is. */
export function scrollToReveal(index: number, g: GridGeometry, scrollTop: number, viewportHeight: number): number | null {
  const row = Math.floor(index / Math.max(1, g.columns));
  const top = row * g.rowHeight;
  const bottom = top + g.rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}
