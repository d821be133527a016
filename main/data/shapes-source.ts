// The ShapesEdit generator as an import source: each sample is rendered and PNG-encoded only when
// the store does not hold it yet, so a re-run after a kill generates just the missing ones.
import { generateShapesSample, shapesExternalId } from './shapes.js';
import type { DatasetSource, SourceItem } from './source.js';

export interface ShapesOptions {
  count: number;
  seed: number;
  size: number;
}

async function png(rgb: Uint8Array, size: number): Promise<Uint8Array> {
  // sharp loads on first use: the Api's handlers reach this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

export function shapesSource(options: ShapesOptions): DatasetSource {
  return {
    total: options.count,
    async *items(signal): AsyncIterable<SourceItem> {
      for (let i = 0; i < options.count; i++) {
        if (signal.aborted) return;
        yield {
          kind: 'sample',
          ref: shapesExternalId(i),
          load: async () => {
            const s = generateShapesSample(options.seed, i, options.size);
            return {
              split: s.split,
              editType: s.editType,
              instruction: s.instruction,
              regionDescription: s.regionDescription,
              sceneDescription: s.sceneDescription,
              inputCaption: s.inputCaption,
              source: await png(s.source, s.size),
              target: await png(s.target, s.size),
              mask: { pixels: s.mask, width: s.size, height: s.size },
              maskSource: 'generated',
              meta: { seed: options.seed, index: i, sceneGraph: { before: s.before, after: s.after }, edit: s.edit },
            };
          },
        };
      }
    },
  };
}
