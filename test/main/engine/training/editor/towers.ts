// Random tiny Region-CLIP and BLIP folders (seeded, with word tokenizers over the descriptions) for
// the editor trainer's tests: the region and global losses only need frozen towers, trained or not.
import path from 'node:path';
import { BlipForImageTextRetrieval } from '../../../../../main/engine/models/blip/index.js';
import { RegionClip } from '../../../../../main/engine/models/fusion/region-clip.js';
import { tinyBlipConfig, tinyClipConfig } from '../../../../../main/engine/training/index.js';
import { writeWordTokenizer } from '../../../../../main/engine/training/text.js';

export async function writeRandomTowers(dir: string, texts: readonly string[], seed: number): Promise<{ regionclip: string; blip: string }> {
  const regionclip = path.join(dir, 'regionclip');
  const blip = path.join(dir, 'blip');
  const { vocabSize } = writeWordTokenizer(path.join(regionclip, 'clip'), texts, 32);
  const rc = RegionClip.random(tinyClipConfig(vocabSize), {}, seed);
  await rc.save(regionclip);
  rc.dispose();
  writeWordTokenizer(blip, texts, 64);
  const b = BlipForImageTextRetrieval.random(tinyBlipConfig(vocabSize), seed + 1);
  await b.save(blip);
  b.dispose();
  return { regionclip, blip };
}
