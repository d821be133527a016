// What every importer yields: samples whose heavy parts load lazily (a re-run skips a sample that is
// already in the store before reading or decoding anything), and per-sample problems it found itself.
import type { DatasetFormat, MaskPolarity, Split } from '../../shared/api/index.js';
import type { MaskOptions } from './images.js';

export interface LoadedSample {
  sessionId?: string | null;
  turnIndex?: number | null;
  split?: Split;
  editType?: string | null;
  /** Bytes are decoded as strict UTF-8 (a non-UTF-8 instruction is reported, not mangled). */
  instruction: string | Uint8Array | null | undefined;
  regionDescription?: string | null;
  sceneDescription?: string | null;
  inputCaption?: string | null;
  outputCaption?: string | null;
  source: Uint8Array | null | undefined;
  target: Uint8Array | null | undefined;
  /** An encoded mask file (normalised with the import's mask options), or pixels already white = edit. */
  mask?: Uint8Array | { pixels: Uint8Array; width: number; height: number } | null;
  maskSource?: 'dataset' | 'generated';
  meta?: Record<string, unknown>;
}

export type SourceItem =
  | { kind: 'sample'; ref: string; load: () => Promise<LoadedSample> }
  | { kind: 'error'; ref: string; field: string | null; reason: string };

export interface DatasetSource {
  /** Samples expected (for progress), or null when unknown up front. */
  total: number | null;
  items(signal: AbortSignal): AsyncIterable<SourceItem>;
}

export interface ImportOptions {
  maskPolarity?: MaskPolarity;
  alphaMarksEdit?: boolean;
  /** Grey level separating edit from keep after polarity (default 128). */
  maskThreshold?: number;
}

/** Mask conventions differ per dataset: HumanEdit marks the edit black, MagicBrush's test masks by transparency. */
export function maskOptionsFor(format: DatasetFormat, options: ImportOptions): MaskOptions {
  const defaults: Record<DatasetFormat, Omit<MaskOptions, 'threshold'>> = {
    humanedit: { polarity: 'black', alphaMarksEdit: false },
    magicbrush: { polarity: 'white', alphaMarksEdit: true },
    folder: { polarity: 'white', alphaMarksEdit: false },
    shapes: { polarity: 'white', alphaMarksEdit: false },
  };
  const d = defaults[format];
  return {
    polarity: options.maskPolarity ?? d.polarity,
    alphaMarksEdit: options.alphaMarksEdit ?? d.alphaMarksEdit,
    threshold: options.maskThreshold ?? 128,
  };
}

/** The message of an unknown thrown value, first line only. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.trim() || 'unknown error';
}
