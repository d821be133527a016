// Unsaved edits are never lost: after each edit (debounced), on leaving the sample and on closing
// the window the mask is written as a draft (drafts.ts); on return a draft that started from the
// version the sample still has is restored, one that started elsewhere is offered with a notice.
import { useCallback, useEffect, useRef, useState, type MutableRefObject } from 'react';
import type { MaskEditorSample } from '../../../../shared/api/masks';
import { rleFromBase64, rleToBase64 } from '../../../../shared/mask/index';
import { dropDraft, readDraft, writeDraft } from './drafts';
import type { MaskSurface } from './engine';
import type { ToolController } from './interaction';

export interface SaveState {
  /** The stored version the edits started from (null: no mask yet). */
  baseVersion: MutableRefObject<number | null>;
  /** The history position that matches the stored version. */
  savedHead: MutableRefObject<number>;
}

export interface MaskDraftControl {
  /** Writes the draft now (or drops it when nothing is unsaved); false when storage refused it. */
  flush(): boolean;
  /** Writes the draft a moment after the last edit. */
  schedule(): void;
  /** A draft from an earlier visit that started from another version, to offer. */
  notice: string | null;
  restoreOld(): void;
  discard(): void;
}

export function useMaskDraft(
  sample: MaskEditorSample,
  surface: MaskSurface,
  controller: ToolController | null,
  save: SaveState,
  onRestored: (text: string) => void,
): MaskDraftControl {
  const { baseVersion, savedHead } = save;
  const timer = useRef(0);
  const [notice, setNotice] = useState<string | null>(null);

  const flush = useCallback((): boolean => {
    window.clearTimeout(timer.current);
    timer.current = 0;
    if (surface.history.head === savedHead.current) {
      dropDraft(sample.id);
      return true;
    }
    return writeDraft({ sampleId: sample.id, baseVersion: baseVersion.current, width: sample.width, height: sample.height, rle: rleToBase64(surface.mask.data), savedAt: new Date().toISOString() });
  }, [sample.id, sample.width, sample.height, surface, baseVersion, savedHead]);

  const schedule = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(flush, 800);
  }, [flush]);

  // A draft from an earlier visit: restore it when it started from the version we have.
  useEffect(() => {
    if (!controller) return;
    const d = readDraft(sample.id);
    if (!d || d.width !== sample.width || d.height !== sample.height) return;
    const current = sample.mask?.version ?? null;
    if (d.baseVersion !== current) {
      setNotice(`Unsaved edits from ${new Date(d.savedAt).toLocaleString()} started from ${d.baseVersion === null ? 'no mask' : `v${d.baseVersion}`}; the mask is now ${current === null ? 'empty' : `v${current}`}.`);
      return;
    }
    try {
      const pixels = rleFromBase64(d.rle, sample.width * sample.height);
      controller.applyWhole('Restore draft', () => surface.mask.data.set(pixels));
      onRestored(`Restored unsaved edits from ${new Date(d.savedAt).toLocaleTimeString()}. Undo (Ctrl+Z) drops them.`);
    } catch {
      dropDraft(sample.id);
    }
    // onRestored is a message setter: a new one must not restore the draft again.
  }, [controller, sample.id, sample.width, sample.height, sample.mask?.version, surface]);

  // Edits are never lost on close: the draft is written now; if the browser refuses, ask.
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (surface.history.head === savedHead.current) return;
      if (!flush()) e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      flush();
    };
  }, [surface, flush, savedHead]);

  const restoreOld = () => {
    const d = readDraft(sample.id);
    if (!d || !controller) return;
    controller.applyWhole('Restore draft', () => surface.mask.data.set(rleFromBase64(d.rle, sample.width * sample.height)));
    setNotice(null);
  };
  const discard = () => {
    dropDraft(sample.id);
    setNotice(null);
  };
  return { flush, schedule, notice, restoreOld, discard };
}
