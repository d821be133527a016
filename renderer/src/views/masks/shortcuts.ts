// The editor's keyboard shortcuts (listed in the help overlay, Panels.tsx SHORTCUTS).
import { useEffect, type RefObject } from 'react';
import { clearMask, growMask, invertMask, type Rect } from '../../../../shared/mask/index';
import type { MaskSurface } from './engine';
import type { ToolController } from './interaction';
import { stepSize, type MaskPrefs } from './prefs';

/** Keys go to text fields and selects; sliders, checkboxes and colour pickers leave shortcuts working. */
const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  (t.isContentEditable || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || (t instanceof HTMLInputElement && !['range', 'checkbox', 'color', 'radio', 'button'].includes(t.type)));

interface ShortcutContext {
  help: boolean;
  prefs: MaskPrefs;
  setPrefs(patch: Partial<MaskPrefs>): void;
  save(): Promise<void>;
  whole(label: string, op: () => Rect | void): void;
  surface: MaskSurface;
  navigate(direction: 'next' | 'previous'): void;
  setShowTarget(f: (s: boolean) => boolean): void;
  setHelp(on: boolean): void;
  stage: RefObject<HTMLDivElement | null>;
}

export function useMaskShortcuts(controller: ToolController | null, c: ShortcutContext): void {
  const { help, prefs, setPrefs, save, whole, surface, navigate, setShowTarget, setHelp, stage } = c;
  useEffect(() => {
    if (!controller) return;
    const down = (e: KeyboardEvent) => {
      if (help || isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key;
      let handled = true;
      if (mod && k.toLowerCase() === 'z') (e.shiftKey ? controller.redo() : controller.undo());
      else if (mod && k.toLowerCase() === 'y') controller.redo();
      else if (mod && k.toLowerCase() === 's') void save();
      else if (mod || e.altKey) handled = false;
      else if (k === ' ') {
        controller.spaceDown = true;
        stage.current?.classList.add('panning');
      } else if (k === '[' || k === '{') e.shiftKey ? setPrefs({ hardness: Math.max(0, Math.round((prefs.hardness - 0.1) * 10) / 10) }) : setPrefs({ brushSize: stepSize(prefs.brushSize, false) });
      else if (k === ']' || k === '}') e.shiftKey ? setPrefs({ hardness: Math.min(1, Math.round((prefs.hardness + 0.1) * 10) / 10) }) : setPrefs({ brushSize: stepSize(prefs.brushSize, true) });
      else if (k === 'b' || k === 'B') setPrefs({ tool: 'brush' });
      else if (k === 'e' || k === 'E') setPrefs({ tool: 'eraser' });
      else if (k === 'p' || k === 'P') setPrefs({ tool: 'polygon' });
      else if (k === 'r' || k === 'R') setPrefs({ tool: 'rectangle' });
      else if (k === 'f' || k === 'F') setPrefs({ tool: 'fill' });
      else if (k === 'i' || k === 'I') whole('Invert', () => invertMask(surface.mask));
      else if (k === 'Delete') whole('Clear', () => clearMask(surface.mask));
      else if (k === 'g') whole(`Grow ${prefs.growBy}`, () => growMask(surface.mask, prefs.growBy));
      else if (k === 'G') whole(`Shrink ${prefs.growBy}`, () => growMask(surface.mask, -prefs.growBy));
      else if (k === 'x' || k === 'X') setShowTarget((s) => !s);
      else if (k === 'o' || k === 'O') setPrefs({ onion: prefs.onion > 0 ? 0 : 0.5 });
      else if (k === '0') controller.fit();
      else if (k === '1') controller.fit(1 / (window.devicePixelRatio || 1));
      else if (k === '?') setHelp(true);
      else if (k === 'n') navigate('next');
      else if (k === 'N') navigate('previous');
      else if (k === 'Enter' && controller.polygonOpen) controller.closePolygon(e.altKey);
      else if (k === 'Escape' && controller.polygonOpen) controller.cancelPolygon();
      else if (k === 'Backspace' && controller.polygonOpen) controller.removeLastPoint();
      else handled = false;
      if (handled) e.preventDefault();
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === ' ') {
        controller.spaceDown = false;
        stage.current?.classList.remove('panning');
      }
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, [controller, help, prefs, setPrefs, save, whole, surface, navigate, setShowTarget, setHelp, stage]);
}
