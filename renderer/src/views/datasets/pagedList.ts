// A window onto a long server-side list (samples.query's offset/limit): pages are fetched as the
// grid asks for indices, kept in a small least-recently-used cache, and never fetched twice at once.
// One PagedList per (dataset, filter, sort); a new filter makes a new list, so late answers to an
// old filter can never land in the new one.

export interface Page<T> {
  total: number;
  items: T[];
}

export type FetchPage<T> = (offset: number, limit: number) => Promise<Page<T>>;

export class PagedList<T> {
  total: number | null = null;
  error: Error | null = null;
  /** Increments whenever an item may have changed, so memoised views know to re-render. */
  version = 0;
  private readonly pages = new Map<number, T[]>();
  private readonly inFlight = new Set<number>();
  private disposed = false;

  constructor(
    private readonly fetchPage: FetchPage<T>,
    private readonly onChange: () => void,
    readonly pageSize = 200,
    private readonly maxPages = 60,
  ) {}

  get(index: number): T | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  /** Asks for every page that holds an index in [first, last); returns once they are requested. */
  ensure(first: number, last: number): void {
    if (this.disposed) return;
    const lastIndex = this.total === null ? first : Math.min(last, this.total) - 1;
    const firstPage = Math.floor(Math.max(0, first) / this.pageSize);
    const lastPage = Math.max(firstPage, Math.floor(Math.max(0, lastIndex) / this.pageSize));
    for (let p = firstPage; p <= lastPage; p++) {
      const page = this.pages.get(p);
      if (page) {
        // Touch: most recently used pages live at the end of the Map's order.
        this.pages.delete(p);
        this.pages.set(p, page);
      } else if (!this.inFlight.has(p)) {
        void this.load(p);
      }
    }
  }

  /** Replaces one loaded item (after a flag toggle, say) without refetching. */
  update(index: number, item: T): void {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    if (page && index % this.pageSize < page.length) {
      page[index % this.pageSize] = item;
      this.version++;
      this.onChange();
    }
  }

  /**
   * The list changed underneath (an import is adding samples): refetch the pages in view, keeping
   * their current items on screen until the answers arrive, and forget the rest.
   */
  refresh(keepPages = 4): void {
    if (this.disposed) return;
    const recent = [...this.pages.keys()].slice(-keepPages);
    for (const p of [...this.pages.keys()]) if (!recent.includes(p)) this.pages.delete(p);
    if (recent.length === 0) recent.push(0);
    for (const p of recent) if (!this.inFlight.has(p)) void this.load(p);
  }

  isLoading(): boolean {
    return this.inFlight.size > 0;
  }

  dispose(): void {
    this.disposed = true;
  }

  private async load(p: number): Promise<void> {
    this.inFlight.add(p);
    try {
      const page = await this.fetchPage(p * this.pageSize, this.pageSize);
      if (this.disposed) return;
      this.total = page.total;
      this.error = null;
      this.pages.set(p, page.items);
      while (this.pages.size > this.maxPages) {
        const oldest = this.pages.keys().next().value;
        if (oldest === undefined) break;
        this.pages.delete(oldest);
      }
    } catch (err) {
      if (this.disposed) return;
      this.error = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.inFlight.delete(p);
    }
    if (!this.disposed) {
      this.version++;
      this.onChange();
    }
  }
}
