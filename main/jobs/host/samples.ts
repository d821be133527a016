// Sample outputs stored at every checkpoint of a training run, for the Training view's step slider:
// retrieval examples (each of a few fixed validation images, the descriptions it ranks first among
// the set's, with scores and whether the true one won) computed with the checkpoint just written,
// through the trainers' own task code (RegionClipTask / BlipTask: the same preprocessing and
// embeddings as validation). A checkpoint is loaded a second time for this, so it is done only for
// models small enough that the copy does not matter; larger runs say so in their log once.
import path from 'node:path';
import type { Store } from '../../store/index.js';
import type { RegionPair, ScenePair } from '../../engine/training/index.js';

export const SAMPLE_PAIRS = 6;
const TOP = 3;
/** Above this checkpoint size a second in-memory copy is not worth a few examples. */
export const SAMPLE_MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024;

interface Ranked {
  query: string;
  truth: string;
  direction: 'image→text';
  retrieved: { text: string; score: number; correct: boolean }[];
}

export async function retrievalExamples(
  family: 'regionclip' | 'blip',
  checkpointDir: string,
  maxTextTokens: number,
  pairs: readonly (RegionPair | ScenePair)[],
): Promise<Ranked[]> {
  const tf = await import('@tensorflow/tfjs');
  const training = await import('../../engine/training/index.js');
  const { folderTextEncoder } = await import('../../engine/training/text.js');
  const { trainerProcessing } = await import('../../engine/preprocess/index.js');
  let similarity: number[][];
  if (family === 'regionclip') {
    const { RegionClip } = await import('../../engine/models/fusion/region-clip.js');
    const model = await RegionClip.load(checkpointDir, { trainable: false });
    try {
      const side = path.join(checkpointDir, 'clip');
      const t = model.clip.config.text_config;
      const task = new training.RegionClipTask(model, folderTextEncoder(side, Math.min(maxTextTokens, t.max_position_embeddings), t.pad_token_id), side, {
        maxTextTokens: Math.min(maxTextTokens, t.max_position_embeddings),
        processing: trainerProcessing(side, 'clip', model.clip.config.vision_config.image_size),
        featureCacheBytes: 0,
      });
      const batch = await task.makeBatch(pairs as RegionPair[], 'eval');
      const sims = tf.tidy(() => tf.matMul(training.l2Normalize(task.imageEmbeddings(batch)), training.l2Normalize(task.textEmbeddings(batch)), false, true));
      similarity = (await sims.array()) as number[][];
      tf.dispose(sims);
      batch.dispose();
    } finally {
      model.dispose();
    }
  } else {
    const { fromPretrained } = await import('../../engine/models/registry.js');
    const { BlipForImageTextRetrieval } = await import('../../engine/models/blip/index.js');
    const model = await fromPretrained<InstanceType<typeof BlipForImageTextRetrieval>>(checkpointDir);
    try {
      const t = model.config.text_config;
      const task = new training.BlipTask(model, folderTextEncoder(checkpointDir, Math.min(maxTextTokens, t.max_position_embeddings), t.pad_token_id), checkpointDir, {
        maxTextTokens: Math.min(maxTextTokens, t.max_position_embeddings),
        processing: trainerProcessing(checkpointDir, 'blip', model.config.vision_config.image_size),
      });
      const batch = await task.makeBatch(pairs as ScenePair[]);
      const sims = tf.tidy(() => tf.matMul(training.l2Normalize(task.imageEmbeddings(batch)), training.l2Normalize(task.textEmbeddings(batch)), false, true));
      similarity = (await sims.array()) as number[][];
      tf.dispose(sims);
      batch.dispose();
    } finally {
      model.dispose();
    }
  }
  return pairs.map((p, i) => {
    const row = similarity[i]!;
    const order = row.map((_, j) => j).sort((a, b) => row[b]! - row[a]!);
    return {
      query: p.id,
      truth: p.text,
      direction: 'image→text',
      retrieved: order.slice(0, TOP).map((j) => ({ text: pairs[j]!.text, score: row[j]!, correct: j === i })),
    };
  });
}

/** One transaction: the examples of a step, each with its image blob for the panel. */
export function storeRunSamples(store: Store, runId: number, step: number, examples: Ranked[], imageOf: (id: string) => string | null): void {
  store.runs.replaceSamples(runId, step, examples.map((e) => ({ kind: 'retrieval', payload: e, blobSha256: imageOf(e.query) })));
}
