// The editing surface, outside React: the mask lives in one byte per image pixel (shared/mask),
// a hidden canvas at image resolution holds its coloured overlay, and the visible canvas (viewport
// size) is redrawn only where something changed — the dirty rectangle — on the next animation
// frame. Editing is at image resolution whatever the zoom; a 4096² image stays responsive because
// a brush segment touches a few thousand pixels, never the whole mask.
import {
  clipRect,
  emptyRect,
  fullRect,
  isEmptyRect,
  isOn,
  MaskHistory,
  maskStats,
  unionRect,
  type MaskBuffer,
  type Point,
  type Rect,
} from '../../../../shared/mask/index';

export interface View {
  /** CSS pixels per image pixel, and where image (0, 0) lands in the canvas (CSS pixels). */
  scale: number;
  ox: number;
  oy: number;
}

export interface Look {
  colour: string;
  opacity: number;
  /** Opacity of the other image drawn over the shown one (0 = off). */
  onion: number;
}

export interface MaskStatsNow {
  area: number;
  fraction: number;
  box: Rect | null;
}

type Layer = ImageBitmap | HTMLCanvasElement;

function parseColour(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [255, 64, 96];
}

export class MaskSurface {
  readonly mask: MaskBuffer;
  readonly history: MaskHistory;
  view: View = { scale: 1, ox: 0, oy: 0 };
  private look: Look = { colour: '#ff4060', opacity: 0.5, onion: 0 };
  private readonly overlayCanvas: HTMLCanvasElement;
  private readonly overlayCtx: CanvasRenderingContext2D;
  private diffCanvas: HTMLCanvasElement | null = null;
  private shown: Layer | null = null;
  private other: Layer | null = null;
  private ctx: CanvasRenderingContext2D | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private dirty: Rect = emptyRect();
  private fullRedraw = true;
  private frame = 0;
  private rgb: [number, number, number] = [255, 64, 96];
  /** Called after every frame that drew (the React side draws its vector overlay then). */
  onFrame: (() => void) | null = null;
  /** Called when the view moves (pan, zoom, fit): the editor shows the zoom and marks the stage. */
  onView: ((view: View) => void) | null = null;

  constructor(width: number, height: number, initial?: Uint8Array) {
    this.mask = { width, height, data: initial ?? new Uint8Array(width * height) };
    this.history = new MaskHistory(this.mask);
    this.overlayCanvas = document.createElement('canvas');
    this.overlayCanvas.width = width;
    this.overlayCanvas.height = height;
    const ctx = this.overlayCanvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context for the mask overlay');
    this.overlayCtx = ctx;
    this.paintOverlay(fullRect(this.mask));
  }

  attach(canvas: HTMLCanvasElement): void {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.invalidateAll();
  }

  detach(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.canvas = null;
    this.ctx = null;
  }

  setImages(shown: Layer | null, other: Layer | null): void {
    this.shown = shown;
    this.other = other;
    this.invalidateAll();
  }

  setLook(look: Look): void {
    const colourChanged = look.colour !== this.look.colour;
    this.look = look;
    if (colourChanged) {
      this.rgb = parseColour(look.colour);
      this.paintOverlay(fullRect(this.mask));
    }
    this.invalidateAll();
  }

  setView(view: View): void {
    this.view = view;
    this.onView?.(view);
    this.invalidateAll();
  }

  /** Diff overlay (image resolution, already coloured), or null to hide it. */
  setDiff(canvas: HTMLCanvasElement | null): void {
    this.diffCanvas = canvas;
    this.invalidateAll();
  }

  /** Image coordinates of a point in canvas CSS pixels. */
  toImage(x: number, y: number): Point {
    return { x: (x - this.view.ox) / this.view.scale, y: (y - this.view.oy) / this.view.scale };
  }

  /**
   * Pixels of `rect` changed: recolour that part of the overlay and redraw it — on the next frame,
   * or at once (`now`, used while painting: Chromium delivers pointer moves once per frame, just
   * before its animation frame, so drawing in the handler puts the pixels into that frame).
   */
  changed(rect: Rect, now = false): void {
    const r = clipRect(rect, this.mask.width, this.mask.height);
    if (isEmptyRect(r)) return;
    this.paintOverlay(r);
    this.dirty = unionRect(this.dirty, r);
    if (now && !this.fullRedraw && this.ctx) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.draw();
    } else this.schedule();
  }

  invalidateAll(): void {
    this.fullRedraw = true;
    this.schedule();
  }

  stats(): MaskStatsNow {
    const s = maskStats(this.mask);
    return { area: s.area, fraction: s.fraction, box: s.box };
  }

  private schedule(): void {
    if (this.frame !== 0 || !this.ctx) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Mask values → overlay RGBA for one rectangle (alpha = mask value; opacity is applied when drawn). */
  private paintOverlay(r: Rect): void {
    if (isEmptyRect(r)) return;
    const img = new ImageData(r.width, r.height);
    const px = new Uint32Array(img.data.buffer);
    const [cr, cg, cb] = this.rgb;
    const colour = (cb << 16) | (cg << 8) | cr;
    const { width: w, data } = this.mask;
    for (let y = 0; y < r.height; y++) {
      const src = (r.y + y) * w + r.x;
      const dst = y * r.width;
      for (let x = 0; x < r.width; x++) {
        const v = data[src + x]!;
        if (v !== 0) px[dst + x] = ((v << 24) | colour) >>> 0;
      }
    }
    this.overlayCtx.putImageData(img, r.x, r.y);
  }

  private draw(): void {
    const ctx = this.ctx;
    const canvas = this.canvas;
    if (!ctx || !canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const { scale, ox, oy } = this.view;
    let region: Rect;
    if (this.fullRedraw) {
      region = fullRect(this.mask);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = getComputedStyle(canvas).getPropertyValue('--mask-backdrop') || '#101216';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    } else {
      region = this.dirty;
    }
    this.fullRedraw = false;
    this.dirty = emptyRect();
    // Only the part of the image that is on screen.
    const visible = clipRect(
      { x: Math.floor(-ox / scale) - 1, y: Math.floor(-oy / scale) - 1, width: Math.ceil(canvas.width / dpr / scale) + 3, height: Math.ceil(canvas.height / dpr / scale) + 3 },
      this.mask.width,
      this.mask.height,
    );
    const r = clipRect({ x: Math.max(region.x, visible.x), y: Math.max(region.y, visible.y), width: Math.min(region.x + region.width, visible.x + visible.width) - Math.max(region.x, visible.x), height: Math.min(region.y + region.height, visible.y + visible.height) - Math.max(region.y, visible.y) }, this.mask.width, this.mask.height);
    if (!isEmptyRect(r)) {
      ctx.save();
      ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * ox, dpr * oy);
      ctx.beginPath();
      ctx.rect(r.x, r.y, r.width, r.height);
      ctx.clip();
      // Crisp pixels when zoomed in (each image pixel a square), smooth when zoomed out.
      ctx.imageSmoothingEnabled = scale * dpr < 1;
      const blit = (layer: Layer, alpha: number) => {
        ctx.globalAlpha = alpha;
        ctx.drawImage(layer, r.x, r.y, r.width, r.height, r.x, r.y, r.width, r.height);
      };
      if (this.shown) blit(this.shown, 1);
      else {
        ctx.fillStyle = '#000';
        ctx.fillRect(r.x, r.y, r.width, r.height);
      }
      if (this.other && this.look.onion > 0) blit(this.other, this.look.onion);
      if (this.look.opacity > 0) blit(this.overlayCanvas, this.look.opacity);
      if (this.diffCanvas) blit(this.diffCanvas, 0.85);
      ctx.restore();
    }
    this.onFrame?.();
  }
}

/** Diff of a version (before) and the editor's pixels (after): added in one colour, removed in another. */
export function diffOverlay(before: Uint8Array, after: MaskBuffer): { canvas: HTMLCanvasElement; added: number; removed: number } {
  const { width, height } = after;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = new ImageData(width, height);
  const px = new Uint32Array(img.data.buffer);
  const ADDED = 0xff50d070 >>> 0; // ABGR: green
  const REMOVED = 0xff00b0ff >>> 0; // ABGR: amber, apart from the default red mask colour
  let added = 0, removed = 0;
  const a = after.data;
  for (let i = 0; i < a.length; i++) {
    const was = isOn(before[i]!), is = isOn(a[i]!);
    if (is && !was) {
      px[i] = ADDED;
      added++;
    } else if (was && !is) {
      px[i] = REMOVED;
      removed++;
    }
  }
  ctx.putImageData(img, 0, 0);
  return { canvas, added, removed };
}
