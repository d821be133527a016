// The editor's toolbar: tools, history, whole-mask operations, view, and save.
import type { RefObject } from 'react';
import { clearMask, invertMask, type MaskHistory, type Rect } from '../../../../shared/mask/index';
import type { MaskSurface } from './engine';
import type { ToolController } from './interaction';
import type { MaskPrefs, Tool } from './prefs';

const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'eraser', label: 'Eraser', key: 'E' },
  { tool: 'polygon', label: 'Polygon', key: 'P' },
  { tool: 'rectangle', label: 'Rectangle', key: 'R' },
  { tool: 'fill', label: 'Fill', key: 'F' },
];

export interface MaskToolbarProps {
  prefs: MaskPrefs;
  setPrefs(patch: Partial<MaskPrefs>): void;
  controller: ToolController | null;
  history: MaskHistory;
  surface: MaskSurface;
  whole(label: string, op: () => Rect | void): void;
  showTarget: boolean;
  toggleTarget(): void;
  hasTarget: boolean;
  showHelp(): void;
  /** The zoom readout: written by the canvas on every view change (useMaskCanvas). */
  zoomRef: RefObject<HTMLSpanElement | null>;
  dirty: boolean;
  saving: boolean;
  onSave(): void;
}

export function MaskToolbar(p: MaskToolbarProps) {
  const { prefs, controller, history: h } = p;
  return (
    <div className="mask-toolbar" role="toolbar" aria-label="Mask tools">
      <h1 className="mask-title" tabIndex={-1} data-view-title>
        Masks
      </h1>
      {TOOLS.map((t) => (
        <button key={t.tool} type="button" className={`mask-tool${prefs.tool === t.tool ? ' active' : ''}`} aria-pressed={prefs.tool === t.tool} title={`${t.label} (${t.key})`} onClick={() => p.setPrefs({ tool: t.tool })}>
          {t.label} <kbd>{t.key}</kbd>
        </button>
      ))}
      <span className="mask-sep" />
      <button type="button" className="mask-tool" onClick={() => controller?.undo()} disabled={!h.canUndo} title={h.undoLabel ? `Undo ${h.undoLabel} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}>
        Undo
      </button>
      <button type="button" className="mask-tool" onClick={() => controller?.redo()} disabled={!h.canRedo} title={h.redoLabel ? `Redo ${h.redoLabel} (Shift+Ctrl+Z)` : 'Redo (Shift+Ctrl+Z)'}>
        Redo
      </button>
      <button type="button" className="mask-tool" onClick={() => p.whole('Invert', () => invertMask(p.surface.mask))} title="Invert (I)">
        Invert
      </button>
      <button type="button" className="mask-tool" onClick={() => p.whole('Clear', () => clearMask(p.surface.mask))} title="Clear (Delete)">
        Clear
      </button>
      <span className="mask-sep" />
      <button type="button" className="mask-tool" aria-pressed={p.showTarget} onClick={p.toggleTarget} title="Swap source / target (X)" disabled={!p.hasTarget}>
        {p.showTarget ? 'Target' : 'Source'}
      </button>
      <button type="button" className="mask-tool" onClick={() => controller?.fit()} title="Fit (0)">
        Fit
      </button>
      <button type="button" className="mask-tool" onClick={() => controller?.fit(1 / (window.devicePixelRatio || 1))} title="1:1 (1)">
        1:1
      </button>
      <span className="mask-zoom muted" ref={p.zoomRef} aria-label="Zoom" title="Screen pixels per image pixel" data-testid="mask-zoom" />
      <button type="button" className="mask-tool" onClick={p.showHelp} title="Shortcuts (?)">
        ?
      </button>
      <span className="mask-spacer" />
      <span className={`mask-dirty${p.dirty ? ' on' : ''}`} data-testid="mask-dirty">
        {p.dirty ? 'Unsaved edits' : 'Saved'}
      </span>
      <button type="button" className="primary" onClick={p.onSave} disabled={p.saving} data-testid="mask-save" title="Save as a new version (Ctrl+S)">
        {p.saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
