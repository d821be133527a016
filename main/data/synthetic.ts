// A large synthetic dataset in seconds, for the 100 000-sample browser test and the search benchmark:
// real ShapesEdit texts and scene graphs for every sample, real images (blobs, thumbnails, masks) for
// a small pool that the samples share. Not an import: nothing is decoded per sample.
import type { BlobRef, NewSample, Store } from '../store/index.js';
import { prepareSample, writeBlobs } from './prepare.js';
import { generateShapesSample, shapesExternalId } from './shapes.js';
import { shapesSource } from './shapes-source.js';

export interface SyntheticOptions {
  name: string;
  count: number;
  seed?: number;
  /** Distinct rendered samples whose images the rest reuse. */
  pool?: number;
  size?: number;
}

export async function seedSyntheticDataset(store: Store, options: SyntheticOptions): Promise<number> {
  const seed = options.seed ?? 0;
  const size = options.size ?? 64;
  const poolSize = Math.min(options.pool ?? 64, options.count);
  const pool: NewSample[] = [];
  const blobs: { refs: BlobRef[]; bytes: Uint8Array[] } = { refs: [], bytes: [] };
  const source = shapesSource({ count: poolSize, seed, size });
  for await (const item of source.items(new AbortController().signal)) {
    if (item.kind !== 'sample') continue;
    const prepared = await prepareSample(item.ref, await item.load(), { polarity: 'white', alphaMarksEdit: false, threshold: 128 });
    const written = await writeBlobs(store, [prepared]);
    pool.push(...written.rows);
    blobs.refs.push(...written.blobs.refs);
    blobs.bytes.push(...written.blobs.bytes);
  }
  const datasetId = store.datasets.create({ name: options.name, format: 'shapes', sourcePath: null, options: { synthetic: true, count: options.count, seed, size } });
  const BATCH = 5000;
  for (let start = 0; start < options.count; start += BATCH) {
    const rows: NewSample[] = [];
    for (let i = start; i < Math.min(options.count, start + BATCH); i++) {
      const base = pool[i % poolSize] as NewSample;
      // Text only: a 16-pixel render is cheap, and the words are the ones a real generation writes.
      const s = generateShapesSample(seed, i, 16);
      rows.push({
        ...base,
        externalId: shapesExternalId(i),
        split: s.split,
        editType: s.editType,
        instruction: s.instruction,
        regionDescription: s.regionDescription,
        sceneDescription: s.sceneDescription,
        inputCaption: s.inputCaption,
        meta: { seed, index: i, synthetic: true },
      });
    }
    // The pool's blob rows land with the first batch of samples that use them.
    store.transaction(() => {
      if (start === 0) store.blobs.record(blobs.refs, blobs.bytes);
      store.samples.insertMany(datasetId, rows);
    });
  }
  store.datasets.setStatus(datasetId, 'ready');
  return datasetId;
}
