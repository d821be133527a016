// The editing canvas of one sample: the MaskSurface (engine.ts) and its tool controller
// (interaction.ts) attached to the stage's two canvases and kept at the stage's size. The view —
// zoom, and where the image's top-left pixel lands in the stage — is written straight to the DOM
// (the zoom readout, and data-scale / data-image-x / data-image-y on the stage, as data-area and
// data-box carry the mask's stats): a pan or a zoom must not re-render the editor.
import { useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { MaskEditorSample } from '../../../../shared/api/masks';
import { MaskSurface, type View } from './engine';
import { ToolController } from './interaction';
import type { MaskPrefs } from './prefs';

export interface MaskCanvas {
  surface: MaskSurface;
  /** Null until the stage is laid out. */
  controller: ToolController | null;
  stageRef: RefObject<HTMLDivElement | null>;
  canvasRef: RefObject<HTMLCanvasElement | null>;
  overlayRef: RefObject<HTMLCanvasElement | null>;
  zoomRef: RefObject<HTMLSpanElement | null>;
}

function showView(stage: HTMLElement, zoom: HTMLElement | null, v: View): void {
  const dpr = window.devicePixelRatio || 1;
  stage.dataset.scale = String(v.scale);
  stage.dataset.imageX = String(v.ox);
  stage.dataset.imageY = String(v.oy);
  // Screen pixels per image pixel: 100% is 1:1.
  if (zoom) zoom.textContent = `${Math.round(v.scale * dpr * 100)}%`;
}

/** `committed` runs after each editing operation (stats, dirty flag, draft). */
export function useMaskCanvas(sample: MaskEditorSample, initial: Uint8Array | null, prefs: MaskPrefs, committed: () => void): MaskCanvas {
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const zoomRef = useRef<HTMLSpanElement>(null);
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const committedRef = useRef(committed);
  committedRef.current = committed;
  const surface = useMemo(() => new MaskSurface(sample.width, sample.height, initial ? initial.slice() : undefined), [sample.id, sample.width, sample.height, initial]);
  const [controller, setController] = useState<ToolController | null>(null);

  useLayoutEffect(() => {
    const stage = stageRef.current, canvas = canvasRef.current, overlay = overlayRef.current;
    if (!stage || !canvas || !overlay) return;
    surface.attach(canvas);
    surface.onView = (v) => showView(stage, zoomRef.current, v);
    const c = new ToolController(surface, stage, overlay, { prefs: () => prefsRef.current, committed: () => committedRef.current() });
    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      for (const el of [canvas, overlay]) {
        el.width = Math.max(1, Math.round(stage.clientWidth * dpr));
        el.height = Math.max(1, Math.round(stage.clientHeight * dpr));
      }
      surface.invalidateAll();
    };
    resize();
    c.fit();
    const ro = new ResizeObserver(resize);
    ro.observe(stage);
    setController(c);
    return () => {
      ro.disconnect();
      c.dispose();
      surface.onView = null;
      surface.detach();
      setController(null);
    };
  }, [surface]);

  return { surface, controller, stageRef, canvasRef, overlayRef, zoomRef };
}
