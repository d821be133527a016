// A tiny dataset with exact ground truth for evaluation tests (vitest and the Compare e2e, which
// passes the built store from dist/): each sample is a grey card with a red square (source), the
// same card with the square blue (target), and the square as its mask. Result sets are made of real
// PNGs: 'perfect' (the targets), 'noop' (the sources: nothing edited), and any other pixels a test
// asks for. Only type imports from main/, so the e2e can hand in dist's store.
import sharp from 'sharp';
import type { Store } from '../../main/store/index.js';

export const W = 32;
export const H = 24;
export const SQUARE = { x: 8, y: 6, width: 10, height: 10 };
const GREY = [128, 128, 128] as const;
export const RED = [200, 30, 30] as const;
export const BLUE = [30, 30, 200] as const;

/** RGB pixels of the card with the square painted `colour` (shifted by `shift` pixels to the right). */
export function card(colour: readonly [number, number, number], shift = 0): Buffer {
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const inSquare = x >= SQUARE.x + shift && x < SQUARE.x + shift + SQUARE.width && y >= SQUARE.y && y < SQUARE.y + SQUARE.height;
      px.set(inSquare ? colour : GREY, (y * W + x) * 3);
    }
  return px;
}

export const png = (rgb: Buffer, channels = 3) => sharp(rgb, { raw: { width: W, height: H, channels: channels as 3 } }).png().toBuffer();

type SeedStore = Pick<Store, 'blobs' | 'datasets' | 'samples' | 'results'>;

async function putPng(store: SeedStore, rgb: Buffer) {
  const bytes = await png(rgb);
  const blob = store.blobs.put(bytes, 'image/png');
  return { sha256: blob.sha256, width: W, height: H, channels: 3, format: 'png', thumbSha256: null, size: blob.size };
}

/** `count` samples (externalId e0, e1, ...); every other one without a target caption. */
export async function seedEvalDataset(store: SeedStore, count: number, name = 'eval-cards'): Promise<{ datasetId: number; sampleIds: number[] }> {
  const datasetId = store.datasets.create({ name, format: 'folder', sourcePath: null, options: {} });
  const source = await putPng(store, card(RED));
  const target = await putPng(store, card(BLUE));
  const maskPx = Buffer.alloc(W * H);
  for (let y = SQUARE.y; y < SQUARE.y + SQUARE.height; y++) maskPx.fill(255, y * W + SQUARE.x, y * W + SQUARE.x + SQUARE.width);
  const maskBlob = store.blobs.put(await sharp(maskPx, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer(), 'image/png');
  store.samples.insertMany(
    datasetId,
    Array.from({ length: count }, (_, i) => ({
      externalId: `e${i}`, sessionId: null, turnIndex: null, split: i % 3 === 2 ? 'val' : 'train', editType: i % 2 ? 'recolour' : 'add', instruction: `make the square blue (${i})`,
      regionDescription: null, sceneDescription: null, inputCaption: null, outputCaption: i % 2 ? null : 'a blue square on grey',
      source: { sha256: source.sha256, width: W, height: H, channels: 3, format: 'png', thumbSha256: null },
      target: { sha256: target.sha256, width: W, height: H, channels: 3, format: 'png', thumbSha256: null },
      mask: { pngSha256: maskBlob.sha256, width: W, height: H, area: SQUARE.width * SQUARE.height, box: SQUARE, source: 'dataset', author: 'seed' },
      meta: {},
    })),
  );
  store.datasets.setStatus(datasetId, 'ready');
  return { datasetId, sampleIds: store.results.editTargets(datasetId).map((t) => t.id) };
}

/** A result set whose image for sample i is `pixels(i)` (null: no image for that sample). */
export async function seedResultSet(store: SeedStore, datasetId: number, sampleIds: readonly number[], name: string, method: string, pixels: (i: number) => Buffer | null, seed: number | null = null): Promise<number> {
  const id = store.results.create({ datasetId, name, method, origin: 'import', jobId: null, provenance: seed === null ? { kind: 'import' } : { kind: 'edit', seed } });
  for (let i = 0; i < sampleIds.length; i++) {
    const px = pixels(i);
    if (!px) continue;
    const img = await putPng(store, px);
    store.results.putImage(id, { sampleId: sampleIds[i]!, status: 'done', image: img, size: img.size, seconds: null, seed, jobId: null });
  }
  store.results.setStatus(id, 'complete');
  return id;
}
