// Unsaved edits survive switching samples and closing the window: the editor keeps a draft per
// sample (run-length encoded, so a 4096² mask is kilobytes) and offers it back on return.
export interface MaskDraft {
  sampleId: number;
  /** The saved version the edits started from (null: the sample had no mask). */
  baseVersion: number | null;
  width: number;
  height: number;
  rle: string;
  savedAt: string;
}

const key = (sampleId: number) => `ric.maskDraft.${sampleId}`;

export function readDraft(sampleId: number): MaskDraft | null {
  try {
    const raw = localStorage.getItem(key(sampleId));
    if (!raw) return null;
    const d = JSON.parse(raw) as MaskDraft;
    return d.sampleId === sampleId && typeof d.rle === 'string' ? d : null;
  } catch {
    return null;
  }
}

/** False when the browser refused (quota): the caller must then ask before losing edits. */
export function writeDraft(draft: MaskDraft): boolean {
  try {
    localStorage.setItem(key(draft.sampleId), JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function dropDraft(sampleId: number): void {
  try {
    localStorage.removeItem(key(sampleId));
  } catch {
    // Nothing to do: the draft simply stays.
  }
}
