// Pointer and wheel input on the editing surface: brush and eraser strokes (with pen pressure),
// rectangle drags, polygons (click points, close on the first point or Enter, drag vertices —
// also of the polygon just drawn, which re-rasterises it), bucket fill, pan and zoom. Every edit
// is one history operation. Kept out of React: a pointermove must not re-render the view.
import {
  fillPolygon,
  fillRect,
  floodFill,
  fullRect,
  isEmptyRect,
  MASK_OFF,
  MASK_ON,
  MASK_THRESHOLD,
  polygonBounds,
  rectFromCorners,
  segmentBounds,
  strokeSegment,
  unionRect,
  type MaskBuffer,
  type Point,
  type Rect,
} from '../../../../shared/mask/index';
import type { MaskSurface } from './engine';
import type { MaskPrefs } from './prefs';

export interface ToolHost {
  prefs(): MaskPrefs;
  /** An operation changed pixels (or undo/redo did). */
  committed(): void;
}

const HANDLE = 7;
const MIN_SCALE = 0.01;
const MAX_SCALE = 64;

/** Box of the edit pixels inside `r` (null when none). */
function boxWithin(m: MaskBuffer, r: Rect): Rect | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = r.y; y < r.y + r.height; y++) {
    const row = y * m.width;
    for (let x = r.x; x < r.x + r.width; x++) {
      if (m.data[row + x]! >= MASK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export class ToolController {
  /** The tight box shown live (exact after every operation, grown during a paint stroke). */
  liveBox: Rect | null = null;
  private stroke: { last: Point; radius: number; erase: boolean } | null = null;
  private rectDrag: { from: Point; to: Point; erase: boolean } | null = null;
  private polygon: Point[] = [];
  private lastPolygon: { points: Point[]; head: number; erase: boolean } | null = null;
  private vertexDrag: { list: 'open' | 'last'; index: number; start: Point; moved: boolean } | null = null;
  private panDrag: { x: number; y: number; ox: number; oy: number } | null = null;
  private hover: Point | null = null;
  spaceDown = false;
  private readonly detachers: (() => void)[] = [];

  constructor(
    private readonly surface: MaskSurface,
    private readonly wrapper: HTMLElement,
    private readonly overlay: HTMLCanvasElement,
    private readonly host: ToolHost,
  ) {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      wrapper.addEventListener(type, fn as EventListener, opts);
      this.detachers.push(() => wrapper.removeEventListener(type, fn as EventListener, opts));
    };
    on('pointerdown', (e) => this.down(e));
    on('pointermove', (e) => this.move(e));
    on('pointerup', (e) => this.up(e));
    on('pointercancel', () => this.cancelGesture());
    on('pointerleave', () => {
      this.hover = null;
      this.drawOverlay();
    });
    on('wheel', (e) => this.wheel(e), { passive: false });
    on('contextmenu', (e) => e.preventDefault());
    surface.onFrame = () => this.drawOverlay();
    this.refreshBox();
  }

  dispose(): void {
    for (const d of this.detachers) d();
    this.surface.onFrame = null;
  }

  private local(e: { clientX: number; clientY: number }): Point {
    const r = this.wrapper.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private toImage(e: { clientX: number; clientY: number }): Point {
    const p = this.local(e);
    return this.surface.toImage(p.x, p.y);
  }

  private radiusFor(e: PointerEvent): number {
    const prefs = this.host.prefs();
    const r = prefs.brushSize / 2;
    // Mice report 0.5 while pressed; only a pen's pressure means something.
    return prefs.pressure && e.pointerType === 'pen' && e.pressure > 0 ? Math.max(0.5, r * e.pressure) : r;
  }

  private activeTool(): MaskPrefs['tool'] {
    return this.spaceDown ? 'pan' : this.host.prefs().tool;
  }

  refreshBox(): void {
    this.liveBox = this.surface.stats().box;
    this.drawOverlay();
  }

  /** Runs one whole-mask operation (invert, clear, grow, restore of a draft) as one undo step. */
  applyWhole(label: string, op: () => void): void {
    const h = this.surface.history;
    h.begin(label);
    h.touch(fullRect(this.surface.mask));
    op();
    const entry = h.commit();
    if (entry) this.surface.changed(entry.bounds);
    this.lastPolygon = null;
    this.refreshBox();
    this.host.committed();
  }

  undo(): void {
    this.cancelGesture();
    const r = this.surface.history.undo();
    if (r) this.afterHistory(r);
  }

  redo(): void {
    this.cancelGesture();
    const r = this.surface.history.redo();
    if (r) this.afterHistory(r);
  }

  private afterHistory(r: Rect): void {
    this.surface.changed(r);
    this.lastPolygon = null;
    this.refreshBox();
    this.host.committed();
  }

  private commit(extraBoxFrom?: Rect, erase = false): void {
    const entry = this.surface.history.commit();
    if (!entry) return;
    if (erase || !extraBoxFrom) this.refreshBox();
    else {
      const b = boxWithin(this.surface.mask, extraBoxFrom);
      this.liveBox = b ? (this.liveBox ? unionRect(this.liveBox, b) : b) : this.liveBox;
      this.drawOverlay();
    }
    this.host.committed();
  }

  private down(e: PointerEvent): void {
    this.wrapper.focus({ preventScroll: true });
    const tool = this.activeTool();
    if (e.button === 1 || tool === 'pan' || (e.button === 0 && this.spaceDown)) {
      this.panDrag = { x: e.clientX, y: e.clientY, ox: this.surface.view.ox, oy: this.surface.view.oy };
      this.wrapper.setPointerCapture(e.pointerId);
      e.preventDefault();
      return;
    }
    if (e.button !== 0) return;
    this.wrapper.setPointerCapture(e.pointerId);
    const p = this.toImage(e);
    const h = this.surface.history;
    const m = this.surface.mask;
    if (tool === 'brush' || tool === 'eraser') {
      const erase = tool === 'eraser' || e.altKey;
      h.begin(erase ? 'Eraser stroke' : 'Brush stroke');
      const radius = this.radiusFor(e);
      this.stroke = { last: p, radius, erase };
      this.surface.changed(this.paintSegment(p, p, radius, radius), true);
    } else if (tool === 'rectangle') {
      this.rectDrag = { from: p, to: p, erase: e.altKey };
    } else if (tool === 'fill') {
      h.begin('Bucket fill');
      h.touch(fullRect(m));
      const r = floodFill(m, p, e.altKey ? MASK_OFF : MASK_ON);
      this.surface.changed(r);
      this.commit(r, e.altKey);
    } else if (tool === 'polygon') {
      const hit = this.hitVertex(e);
      if (hit) {
        this.vertexDrag = { ...hit, start: p, moved: false };
      } else {
        this.polygon.push(p);
        this.lastPolygon = null;
      }
    }
    this.drawOverlay();
  }

  private hitVertex(e: PointerEvent): { list: 'open' | 'last'; index: number } | null {
    const q = this.local(e);
    const { scale, ox, oy } = this.surface.view;
    const near = (pts: Point[]) => pts.findIndex((p) => Math.hypot(p.x * scale + ox - q.x, p.y * scale + oy - q.y) <= HANDLE);
    if (this.polygon.length > 0) {
      const i = near(this.polygon);
      return i >= 0 ? { list: 'open', index: i } : null;
    }
    if (this.lastPolygon && this.lastPolygon.head === this.surface.history.head) {
      const i = near(this.lastPolygon.points);
      if (i >= 0) return { list: 'last', index: i };
    }
    return null;
  }

  /** One piece of the stroke; a pen's radius changes smoothly from one event's pressure to the next. */
  private paintSegment(a: Point, b: Point, radiusFrom: number, radiusTo: number): Rect {
    const m = this.surface.mask;
    const bounds = segmentBounds(a, b, Math.max(radiusFrom, radiusTo), m.width, m.height);
    if (isEmptyRect(bounds)) return bounds;
    this.surface.history.touch(bounds);
    const hardness = this.host.prefs().hardness;
    return strokeSegment(m, a, b, { radiusFrom, radiusTo, hardness, mode: this.stroke?.erase ? 'erase' : 'paint' });
  }

  private move(e: PointerEvent): void {
    this.hover = this.local(e);
    if (this.panDrag) {
      this.surface.setView({ ...this.surface.view, ox: this.panDrag.ox + e.clientX - this.panDrag.x, oy: this.panDrag.oy + e.clientY - this.panDrag.y });
      return;
    }
    if (this.stroke) {
      // Every sample the pointer produced since the last event, not just the latest.
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      let dirty: Rect = { x: 0, y: 0, width: 0, height: 0 };
      for (const ev of events.length > 0 ? events : [e]) {
        const p = this.toImage(ev);
        const radius = this.radiusFor(ev);
        dirty = unionRect(dirty, this.paintSegment(this.stroke.last, p, this.stroke.radius, radius));
        this.stroke.last = p;
        this.stroke.radius = radius;
      }
      this.surface.changed(dirty, true);
      if (!this.stroke.erase) {
        const b = boxWithin(this.surface.mask, dirty);
        if (b) this.liveBox = this.liveBox ? unionRect(this.liveBox, b) : b;
      }
      return;
    }
    if (this.rectDrag) this.rectDrag.to = this.toImage(e);
    if (this.vertexDrag) {
      const p = this.toImage(e);
      const list = this.vertexDrag.list === 'open' ? this.polygon : this.lastPolygon?.points;
      if (list && (this.vertexDrag.moved || Math.hypot(p.x - this.vertexDrag.start.x, p.y - this.vertexDrag.start.y) * this.surface.view.scale > 3)) {
        this.vertexDrag.moved = true;
        list[this.vertexDrag.index] = p;
      }
    }
    this.drawOverlay();
  }

  private up(e: PointerEvent): void {
    if (this.wrapper.hasPointerCapture(e.pointerId)) this.wrapper.releasePointerCapture(e.pointerId);
    if (this.panDrag) {
      this.panDrag = null;
      return;
    }
    if (this.stroke) {
      const erase = this.stroke.erase;
      this.stroke = null;
      this.commit(undefined, erase);
      return;
    }
    if (this.rectDrag) {
      const { from, erase } = this.rectDrag;
      const to = this.toImage(e);
      this.rectDrag = null;
      const r = rectFromCorners(from, to);
      if (!isEmptyRect(r)) {
        const h = this.surface.history;
        h.begin(erase ? 'Rectangle (erase)' : 'Rectangle');
        h.touch(r);
        const dirty = fillRect(this.surface.mask, r, erase ? MASK_OFF : MASK_ON);
        this.surface.changed(dirty);
        this.commit(dirty, erase);
      }
      this.drawOverlay();
      return;
    }
    if (this.vertexDrag) {
      const drag = this.vertexDrag;
      this.vertexDrag = null;
      if (drag.list === 'open' && !drag.moved && drag.index === 0 && this.polygon.length >= 3) this.closePolygon(e.altKey);
      else if (drag.list === 'last' && drag.moved && this.lastPolygon) this.rasterLast('Polygon (vertex moved)', true);
      this.drawOverlay();
    }
  }

  /** Fills the open polygon (Enter, or a click on its first point). */
  closePolygon(erase = false): void {
    if (this.polygon.length < 3) return;
    this.lastPolygon = { points: this.polygon, head: 0, erase };
    this.polygon = [];
    this.rasterLast(erase ? 'Polygon (erase)' : 'Polygon', false);
  }

  private rasterLast(label: string, replace: boolean): void {
    const last = this.lastPolygon;
    if (!last) return;
    const h = this.surface.history;
    const m = this.surface.mask;
    if (replace) {
      const r = h.undo();
      if (r) this.surface.changed(r);
    }
    h.begin(label);
    const bounds = polygonBounds(last.points, m.width, m.height);
    h.touch(bounds);
    fillPolygon(m, last.points, last.erase ? MASK_OFF : MASK_ON);
    this.surface.changed(bounds);
    this.commit(bounds, last.erase || replace);
    last.head = h.head;
    this.drawOverlay();
  }

  cancelPolygon(): void {
    this.polygon = [];
    this.drawOverlay();
  }

  removeLastPoint(): void {
    this.polygon.pop();
    this.drawOverlay();
  }

  get polygonOpen(): boolean {
    return this.polygon.length > 0;
  }

  cancelGesture(): void {
    if (this.stroke) {
      this.stroke = null;
      this.surface.history.commit();
    }
    this.rectDrag = null;
    this.vertexDrag = null;
    this.panDrag = null;
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const p = this.local(e);
    const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    this.zoomAt(this.surface.view.scale * factor, p);
  }

  zoomAt(scale: number, anchor: Point): void {
    const { scale: s, ox, oy } = this.surface.view;
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    this.surface.setView({ scale: next, ox: anchor.x - ((anchor.x - ox) * next) / s, oy: anchor.y - ((anchor.y - oy) * next) / s });
  }

  /** Whole image in view (0), or a fixed scale centred (1 = one image pixel per CSS pixel). */
  fit(fixedScale?: number): void {
    const w = this.wrapper.clientWidth, h = this.wrapper.clientHeight;
    const m = this.surface.mask;
    const scale = fixedScale ?? Math.min(MAX_SCALE, Math.max(MIN_SCALE, Math.min(w / m.width, h / m.height) * 0.96));
    // Image pixel edges on device pixel edges, so 1:1 is really one image pixel per screen pixel.
    const r = this.wrapper.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const snap = (page: number, origin: number) => Math.round(page * dpr) / dpr - origin;
    this.surface.setView({ scale, ox: snap(r.left + (w - m.width * scale) / 2, r.left), oy: snap(r.top + (h - m.height * scale) / 2, r.top) });
  }

  /** Vector overlay in screen space: tight box with its size, shapes being drawn, brush cursor. */
  drawOverlay(): void {
    const c = this.overlay;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { scale, ox, oy } = this.surface.view;
    const sx = (x: number) => x * scale + ox;
    const sy = (y: number) => y * scale + oy;
    const accent = getComputedStyle(this.wrapper).getPropertyValue('--accent').trim() || '#4f8cff';
    const prefs = this.host.prefs();
    // Pixel grid once pixels are big enough to aim at one.
    if (scale >= 12) {
      const m = this.surface.mask;
      const w = c.width / dpr, h = c.height / dpr;
      const x0 = Math.max(0, Math.floor(-ox / scale)), x1 = Math.min(m.width, Math.ceil((w - ox) / scale));
      const y0 = Math.max(0, Math.floor(-oy / scale)), y1 = Math.min(m.height, Math.ceil((h - oy) / scale));
      ctx.beginPath();
      for (let x = x0; x <= x1; x++) {
        ctx.moveTo(Math.round(sx(x)) + 0.5, sy(y0));
        ctx.lineTo(Math.round(sx(x)) + 0.5, sy(y1));
      }
      for (let y = y0; y <= y1; y++) {
        ctx.moveTo(sx(x0), Math.round(sy(y)) + 0.5);
        ctx.lineTo(sx(x1), Math.round(sy(y)) + 0.5);
      }
      ctx.strokeStyle = 'rgba(128,128,128,0.35)';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    if (prefs.showBox && this.liveBox) {
      const b = this.liveBox;
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = accent;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(sx(b.x), sy(b.y), b.width * scale, b.height * scale);
      ctx.setLineDash([]);
      const label = `${b.width}×${b.height}`;
      ctx.font = '12px system-ui, sans-serif';
      const tw = ctx.measureText(label).width;
      const lx = sx(b.x), ly = Math.max(14, sy(b.y) - 4);
      ctx.fillStyle = 'rgba(0,0,0,0.7)';
      ctx.fillRect(lx, ly - 13, tw + 8, 16);
      ctx.fillStyle = '#fff';
      ctx.fillText(label, lx + 4, ly);
    }
    const path = (pts: Point[], closed: boolean) => {
      ctx.beginPath();
      pts.forEach((p, i) => (i === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
      if (closed) ctx.closePath();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.stroke();
      for (const [i, p] of pts.entries()) {
        ctx.fillStyle = i === 0 && !closed ? accent : '#fff';
        ctx.fillRect(sx(p.x) - 3.5, sy(p.y) - 3.5, 7, 7);
      }
    };
    if (this.polygon.length > 0) {
      const pts = this.hover ? [...this.polygon, this.surface.toImage(this.hover.x, this.hover.y)] : this.polygon;
      path(pts, false);
    } else if (prefs.tool === 'polygon' && this.lastPolygon && this.lastPolygon.head === this.surface.history.head) {
      path(this.lastPolygon.points, true);
    }
    if (this.rectDrag) {
      const r = rectFromCorners(this.rectDrag.from, this.rectDrag.to);
      ctx.strokeStyle = '#fff';
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(sx(r.x), sy(r.y), r.width * scale, r.height * scale);
      ctx.setLineDash([]);
    }
    if (this.hover && (prefs.tool === 'brush' || prefs.tool === 'eraser') && !this.spaceDown) {
      const r = (prefs.brushSize / 2) * scale;
      ctx.beginPath();
      ctx.arc(this.hover.x, this.hover.y, Math.max(1, r), 0, Math.PI * 2);
      ctx.strokeStyle = 'rgba(0,0,0,0.8)';
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.strokeStyle = prefs.tool === 'eraser' ? '#fff' : prefs.colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
}
