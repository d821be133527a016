// The grid's selection has ONE source of truth: this small store. Keys, clicks and Enter read and
// write it synchronously; React renders it through useSyncExternalStore (never a stale copy); the
// URL only mirrors it (written after each change, read once when the grid opens), so a bookmark or
// Back restores it without racing it.
//
// Why not the URL alone: react-router applies a navigation in a transition, so for a moment the
// address bar says i=1 while the grid still renders i=0 — and a copy of the selection synced from
// that render put a keypress's newer value back to the older one. Enter right after the arrow keys
// then opened the previous sample (issue 17: "URL said i=1, the opened sample was 1 of 60").
import { useSyncExternalStore } from 'react';

export interface Selected {
  /** Position in the filtered, sorted list. */
  index: number | null;
  /** The sample's id once its page has loaded (what Back and a reload reopen). */
  id: number | null;
}

export class SelectionStore {
  private value: Selected;
  private readonly listeners = new Set<() => void>();

  constructor(initial: Selected = { index: null, id: null }) {
    this.value = initial;
  }

  get = (): Selected => this.value;

  index = (): number | null => this.value.index;

  set(next: Selected): void {
    if (next.index === this.value.index && next.id === this.value.id) return;
    this.value = next;
    for (const l of [...this.listeners]) l();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The selection as React state: re-renders on every change, synchronously with it. */
export function useSelected(store: SelectionStore): Selected {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
