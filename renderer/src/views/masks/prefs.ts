// Tool settings that follow the user between samples and sessions (UI preferences, so
// localStorage rather than the store).
import { useCallback, useState } from 'react';

export type Tool = 'brush' | 'eraser' | 'polygon' | 'rectangle' | 'fill' | 'pan';
export type NavFilter = 'all' | 'flagged' | 'withMask' | 'withoutMask';

export interface MaskPrefs {
  tool: Tool;
  /** In image pixels; 0 = sized to the image (autoBrushSize) until the user picks a size. */
  brushSize: number;
  hardness: number;
  pressure: boolean;
  colour: string;
  opacity: number;
  onion: number;
  showBox: boolean;
  growBy: number;
  filter: NavFilter;
  author: string;
}

export const defaultPrefs: MaskPrefs = {
  tool: 'brush',
  brushSize: 0,
  hardness: 1,
  pressure: true,
  colour: '#ff4060',
  opacity: 0.5,
  onion: 0,
  showBox: true,
  growBy: 4,
  filter: 'all',
  author: '',
};

const KEY = 'ric.maskEditor.prefs';

export function loadPrefs(): MaskPrefs {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return defaultPrefs;
    const parsed = JSON.parse(raw) as Partial<MaskPrefs>;
    const merged = { ...defaultPrefs, ...parsed };
    // Anything out of range falls back to the default rather than breaking the editor.
    if (!(merged.brushSize >= 0 && merged.brushSize <= 2048)) merged.brushSize = defaultPrefs.brushSize;
    if (!(merged.hardness >= 0 && merged.hardness <= 1)) merged.hardness = defaultPrefs.hardness;
    if (!(merged.opacity >= 0 && merged.opacity <= 1)) merged.opacity = defaultPrefs.opacity;
    if (!(merged.onion >= 0 && merged.onion <= 1)) merged.onion = defaultPrefs.onion;
    if (!/^#[0-9a-f]{6}$/i.test(merged.colour)) merged.colour = defaultPrefs.colour;
    return merged;
  } catch {
    return defaultPrefs;
  }
}

export function usePrefs(): [MaskPrefs, (patch: Partial<MaskPrefs>) => void] {
  const [prefs, setPrefs] = useState(loadPrefs);
  const update = useCallback((patch: Partial<MaskPrefs>) => {
    setPrefs((p) => {
      const next = { ...p, ...patch };
      try {
        localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        // Preferences are a convenience; a full storage quota must not stop editing.
      }
      return next;
    });
  }, []);
  return [prefs, update];
}

/** Brush sizes step by about 20% so [ and ] reach 1 px and 1000 px in a few presses. */
export function stepSize(size: number, up: boolean): number {
  const next = up ? Math.max(size + 1, Math.round(size * 1.2)) : Math.min(size - 1, Math.round(size / 1.2));
  return Math.min(2048, Math.max(1, next));
}

/**
 * The brush that fits an image: a sixteenth of its shorter side (4 px on a 64 px ShapesEdit image,
 * 32 px on 512 px), so the first stroke covers about what a region is, not a quarter of the image.
 */
export function autoBrushSize(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 16));
}

/** The prefs the tools use: the brush size resolved for this image. */
export function withBrushFor(prefs: MaskPrefs, width: number, height: number): MaskPrefs {
  return prefs.brushSize > 0 ? prefs : { ...prefs, brushSize: autoBrushSize(width, height) };
}
