// Undo / redo for the mask editor without full copies: the mask is cut into square tiles, an
// operation saves each tile the first time it touches it, and on commit only the tiles that
// really changed are kept — before and after, run-length encoded. A brush stroke on a 4096²
// mask costs a few kilobytes, an invert of a simple mask a few hundred kilobytes, so a long
// history fits in memory.
import { rleDecode, rleEncode } from './rle.js';
import { clipRect, extractRect, isEmptyRect, putRect, unionRect, emptyRect, type MaskBuffer, type Rect } from './types.js';

interface TilePatch {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
}

export interface HistoryEntry {
  readonly id: number;
  readonly label: string;
  readonly patches: readonly TilePatch[];
  readonly bounds: Rect;
  readonly bytes: number;
}

export interface HistoryOptions {
  tileSize?: number;
  /** Oldest entries are dropped beyond either limit. */
  maxEntries?: number;
  maxBytes?: number;
}

export class MaskHistory {
  readonly tileSize: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly tilesX: number;
  private readonly tilesY: number;
  private done: HistoryEntry[] = [];
  private undone: HistoryEntry[] = [];
  private pending: { label: string; saved: Map<number, Uint8Array> } | null = null;
  private nextId = 1;
  private totalBytes = 0;

  constructor(
    private readonly mask: MaskBuffer,
    options: HistoryOptions = {},
  ) {
    this.tileSize = options.tileSize ?? 64;
    this.maxEntries = options.maxEntries ?? 2000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.tilesX = Math.ceil(mask.width / this.tileSize);
    this.tilesY = Math.ceil(mask.height / this.tileSize);
  }

  /** Starts an operation (a stroke, a fill, ...). An unfinished one is committed first. */
  begin(label: string): void {
    if (this.pending) this.commit();
    this.pending = { label, saved: new Map() };
  }

  get inOperation(): boolean {
    return this.pending !== null;
  }

  private tileRect(index: number): Rect {
    const tx = index % this.tilesX;
    const ty = (index / this.tilesX) | 0;
    return clipRect({ x: tx * this.tileSize, y: ty * this.tileSize, width: this.tileSize, height: this.tileSize }, this.mask.width, this.mask.height);
  }

  /** Call before writing into `rect`: keeps the original pixels of every tile it overlaps. */
  touch(rect: Rect): void {
    if (!this.pending) throw new Error('MaskHistory.touch outside begin/commit');
    const r = clipRect(rect, this.mask.width, this.mask.height);
    if (isEmptyRect(r)) return;
    const s = this.tileSize;
    const tx0 = Math.floor(r.x / s), tx1 = Math.floor((r.x + r.width - 1) / s);
    const ty0 = Math.floor(r.y / s), ty1 = Math.floor((r.y + r.height - 1) / s);
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const index = ty * this.tilesX + tx;
        if (!this.pending.saved.has(index)) this.pending.saved.set(index, extractRect(this.mask, this.tileRect(index)));
      }
    }
  }

  /** Ends the operation; returns its entry, or null when it changed no pixel. */
  commit(): HistoryEntry | null {
    const op = this.pending;
    this.pending = null;
    if (!op) return null;
    const patches: TilePatch[] = [];
    let bounds = emptyRect();
    let bytes = 0;
    for (const [index, before] of op.saved) {
      const rect = this.tileRect(index);
      const after = extractRect(this.mask, rect);
      if (sameBytes(before, after)) continue;
      const patch = { rect, before: rleEncode(before), after: rleEncode(after) };
      bytes += patch.before.length + patch.after.length + 32;
      patches.push(patch);
      bounds = unionRect(bounds, rect);
    }
    if (patches.length === 0) return null;
    const entry: HistoryEntry = { id: this.nextId++, label: op.label, patches, bounds, bytes };
    this.done.push(entry);
    this.totalBytes += bytes;
    for (const e of this.undone) this.totalBytes -= e.bytes;
    this.undone = [];
    while (this.done.length > 1 && (this.done.length > this.maxEntries || this.totalBytes > this.maxBytes)) {
      this.totalBytes -= this.done.shift()!.bytes;
    }
    return entry;
  }

  /** Puts the pixels of an unfinished operation back and forgets it. */
  cancel(): Rect {
    const op = this.pending;
    this.pending = null;
    if (!op) return emptyRect();
    let bounds = emptyRect();
    for (const [index, before] of op.saved) {
      const rect = this.tileRect(index);
      putRect(this.mask, rect, before);
      bounds = unionRect(bounds, rect);
    }
    return bounds;
  }

  /** Reverts the last operation; returns the box to redraw, or null when there is nothing to undo. */
  undo(): Rect | null {
    if (this.pending) this.commit();
    const entry = this.done.pop();
    if (!entry) return null;
    for (const p of entry.patches) putRect(this.mask, p.rect, rleDecode(p.before, p.rect.width * p.rect.height));
    this.undone.push(entry);
    return entry.bounds;
  }

  redo(): Rect | null {
    if (this.pending) this.commit();
    const entry = this.undone.pop();
    if (!entry) return null;
    for (const p of entry.patches) putRect(this.mask, p.rect, rleDecode(p.after, p.rect.width * p.rect.height));
    this.done.push(entry);
    return entry.bounds;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }
  get canRedo(): boolean {
    return this.undone.length > 0;
  }
  get undoLabel(): string | undefined {
    return this.done.at(-1)?.label;
  }
  get redoLabel(): string | undefined {
    return this.undone.at(-1)?.label;
  }
  get length(): number {
    return this.done.length;
  }
  get bytes(): number {
    return this.totalBytes;
  }
  /** Id of the newest applied operation (0 at the start): equal ids mean equal pixels. */
  get head(): number {
    return this.done.at(-1)?.id ?? 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
