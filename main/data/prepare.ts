// One sample from its source to rows ready for the store: text checked, every image decoded and
// thumbnailed, the mask normalised, and the blobs made durable (fsync + rename) before any row
// refers to them. A problem becomes a SampleFieldError naming the field; nothing is written then.
import type { BlobRef, NewImage, NewSample, Store } from '../store/index.js';
import { decodeImage, encodeMask, normaliseMask, SampleFieldError, type DecodedImage, type MaskOptions, type NormalisedMask } from './images.js';
import { splitOf } from './shapes.js';
import type { LoadedSample } from './source.js';

export const MAX_INSTRUCTION_CHARS = 10_000;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function checkText(value: string | Uint8Array | null | undefined, field: string, required: boolean, max = MAX_INSTRUCTION_CHARS): string | null {
  if (value === null || value === undefined) {
    if (required) throw new SampleFieldError(field, `missing ${field}`);
    return null;
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = strictUtf8.decode(value);
    } catch {
      throw new SampleFieldError(field, `the ${field} is not valid UTF-8 (${value.byteLength} bytes)`);
    }
  }
  if (text.length > max) throw new SampleFieldError(field, `the ${field} is ${text.length} characters long; the limit is ${max}`);
  if (required && text.trim() === '') throw new SampleFieldError(field, `empty ${field}`);
  return text;
}

export interface PreparedSample {
  row: NewSample;
  /** Encoded blobs to write, in the order they must be durable. */
  blobs: Uint8Array[];
}

/** Decodes and checks everything (CPU work, no writes). */
export async function prepareSample(externalId: string, s: LoadedSample, maskOptions: MaskOptions): Promise<PreparedSample> {
  const instruction = checkText(s.instruction, 'instruction', true) as string;
  const regionDescription = checkText(s.regionDescription, 'region_description', false);
  const sceneDescription = checkText(s.sceneDescription, 'scene_description', false);
  const inputCaption = checkText(s.inputCaption, 'input_caption', false);
  const outputCaption = checkText(s.outputCaption, 'output_caption', false);
  if (!s.source) throw new SampleFieldError('source', 'missing source image');
  if (!s.target) throw new SampleFieldError('target', 'missing pair: no target image');
  const [source, target] = await Promise.all([decodeImage(s.source, 'source'), decodeImage(s.target, 'target')]);
  if (target.width !== source.width || target.height !== source.height) {
    throw new SampleFieldError('target', `the target is ${target.width}×${target.height} but the source is ${source.width}×${source.height}`);
  }
  let mask: NormalisedMask | null = null;
  if (s.mask instanceof Uint8Array) mask = await normaliseMask(s.mask, maskOptions, source);
  else if (s.mask) {
    if (s.mask.width !== source.width || s.mask.height !== source.height || s.mask.pixels.length !== source.width * source.height) {
      throw new SampleFieldError('mask', `the mask is ${s.mask.width}×${s.mask.height} but the source image is ${source.width}×${source.height}`);
    }
    mask = await encodeMask(s.mask.pixels, s.mask.width, s.mask.height);
  }
  const image = (d: DecodedImage, sha256: string, thumbSha256: string): NewImage => ({
    sha256,
    width: d.width,
    height: d.height,
    channels: d.channels,
    format: d.format,
    thumbSha256,
  });
  // Hashes are filled in by writeBlobs; placeholders keep the row's shape here.
  const row: NewSample = {
    externalId,
    sessionId: s.sessionId ?? null,
    turnIndex: s.turnIndex ?? null,
    split: s.split ?? splitOf(externalId),
    editType: s.editType ?? null,
    instruction,
    regionDescription,
    sceneDescription,
    inputCaption,
    outputCaption,
    source: image(source, '', ''),
    target: image(target, '', ''),
    mask: mask && {
      pngSha256: '',
      width: mask.width,
      height: mask.height,
      area: mask.area,
      box: mask.box,
      source: s.maskSource ?? 'dataset',
      author: 'import',
    },
    meta: s.meta ?? {},
  };
  const blobs = [source.bytes, source.thumb, target.bytes, target.thumb, ...(mask ? [mask.png] : [])];
  return { row, blobs };
}

/** Fills the hashes of the sample's (now durable) blobs into its row, in `blobs` order. */
export function withHashes(p: PreparedSample, hashes: readonly string[]): NewSample {
  const [src, srcThumb, tgt, tgtThumb, maskPng] = hashes;
  const row = p.row;
  row.source.sha256 = src as string;
  row.source.thumbSha256 = srcThumb as string;
  if (row.target) {
    row.target.sha256 = tgt as string;
    row.target.thumbSha256 = tgtThumb as string;
  }
  if (row.mask) row.mask.pngSha256 = maskPng as string;
  return row;
}

/** Blob files made durable, whose rows are still to be recorded (with the samples that use them). */
export interface WrittenBlobs {
  refs: BlobRef[];
  bytes: Uint8Array[];
}

/**
 * Makes the blob files of these samples durable (fsyncs in parallel) and returns their rows. The
 * blob rows are recorded by the caller in the transaction that inserts the samples
 * (Store.blobs.record), so no committed blob row is ever left without the sample that uses it.
 */
export async function writeBlobs(store: Store, prepared: readonly PreparedSample[]): Promise<{ rows: NewSample[]; blobs: WrittenBlobs }> {
  const bytes = prepared.flatMap((p) => p.blobs);
  const refs = await store.blobs.writeFiles(bytes);
  let at = 0;
  const rows = prepared.map((p) => {
    const hashes = refs.slice(at, at + p.blobs.length).map((r) => r.sha256);
    at += p.blobs.length;
    return withHashes(p, hashes);
  });
  return { rows, blobs: { refs, bytes } };
}
