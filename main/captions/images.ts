// What the VLM is shown for one sample: the described image (target by default), or for region
// descriptions the crop of that image to the tight box of the current mask (Eq. 6). Crops are put
// in the blob store, so a caption's image_sha256 always names exactly the pixels the model saw.
import type { CaptionKind, CaptionSample, DescribedImage } from '../../shared/api/captions.js';
import { sha256Of, type SampleRecord, type Store } from '../store/index.js';

export interface MaskBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The mask's own size (the box is in its pixels). */
  maskWidth: number;
  maskHeight: number;
}

/** A sample-level problem that fails only this sample, with the reason the reviewer will read. */
export class SampleProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleProblem';
  }
}

export function currentMaskBox(store: Store, sampleId: number): MaskBox | null {
  const mask = store.masks.current(sampleId);
  if (!mask?.box) return null;
  return { ...mask.box, maskWidth: mask.width, maskHeight: mask.height };
}

function imageSize(store: Store, sha256: string): { width: number; height: number } {
  const image = store.samples.image(sha256);
  if (!image) throw new SampleProblem(`image ${sha256.slice(0, 12)} has no row in images`);
  return image;
}

/** The mask box in the described image's pixels (masks may be stored at another size). */
export function scaledBox(box: MaskBox, image: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const sx = image.width / box.maskWidth;
  const sy = image.height / box.maskHeight;
  const x = Math.max(0, Math.floor(box.x * sx));
  const y = Math.max(0, Math.floor(box.y * sy));
  const right = Math.min(image.width, Math.ceil((box.x + box.width) * sx));
  const bottom = Math.min(image.height, Math.ceil((box.y + box.height) * sy));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}

export function describedSha(sample: SampleRecord, which: DescribedImage): string {
  if (which === 'target') {
    if (sample.targetSha256 === null) throw new SampleProblem('the sample has no target image (Settings: describe the source image instead)');
    return sample.targetSha256;
  }
  return sample.sourceSha256;
}

export async function imageForCaption(
  store: Store,
  sample: SampleRecord,
  kind: CaptionKind,
  which: DescribedImage,
): Promise<{ bytes: Uint8Array; mediaType: string; sha256: string; stored: boolean }> {
  const sha = describedSha(sample, which);
  const blob = store.blobs.get(sha);
  const bytes = blob ? store.blobs.read(sha) : undefined;
  if (!blob || !bytes) throw new SampleProblem(`the ${which} image ${sha.slice(0, 12)} is missing from the blob store`);
  if (kind === 'scene') return { bytes, mediaType: blob.mediaType, sha256: sha, stored: true };
  const box = currentMaskBox(store, sample.id);
  if (!box) throw new SampleProblem('no mask (or an empty one): a region description needs the mask box');
  const b = scaledBox(box, imageSize(store, sha));
  // sharp loads on first use: the Api's handlers import this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  const crop = await sharp(bytes).extract({ left: b.x, top: b.y, width: b.width, height: b.height }).png().toBuffer();
  // Not stored yet: the crop's blob lands with the caption that saw it (BlobStore's rules).
  return { bytes: crop, mediaType: 'image/png', sha256: sha256Of(crop), stored: false };
}

/** The reviewer's view of a sample: the described image and the mask box drawn over it. */
export function captionSample(store: Store, sampleId: number, which: DescribedImage): CaptionSample | undefined {
  const s = store.samples.record(sampleId);
  if (!s) return undefined;
  const datasetName = store.datasets.name(s.datasetId);
  const usedWhich: DescribedImage = which === 'target' && s.targetSha256 !== null ? 'target' : 'source';
  const sha = usedWhich === 'target' ? s.targetSha256! : s.sourceSha256;
  const size = store.samples.image(sha) ?? { width: 0, height: 0 };
  const box = currentMaskBox(store, s.id);
  return {
    id: s.id,
    datasetId: s.datasetId,
    datasetName: datasetName ?? String(s.datasetId),
    externalId: s.externalId,
    instruction: s.instruction,
    editType: s.editType,
    regionDescription: s.regionDescription,
    sceneDescription: s.sceneDescription,
    image: { which: usedWhich, sha256: sha, width: size.width, height: size.height },
    maskBox: box && size.width > 0 ? scaledBox(box, size) : null,
  };
}
