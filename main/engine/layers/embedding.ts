// Embedding lookup whose gradient is a scatter-add of the output gradient into the table's rows.
// The built-in gradient of gather is UnsortedSegmentSum, which the wasm backend lacks
// (ENVIRONMENT.md); ScatterNd sums duplicate indices on every backend (checked in the tests)
// and needs no [tokens × vocab] one-hot (49408 × 4928 floats would be 1 GB for a CLIP batch).
import * as tf from '@tensorflow/tfjs';
import { customGrad2 } from './custom-grad.js';

const gatherRows = customGrad2((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const [vocab, dim] = table.shape as [number, number];
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [idsSaved] = saved as [tf.Tensor];
      return tf.tidy(() => {
        const n = idsSaved.size;
        const dTable = tf.scatterND(tf.reshape(idsSaved, [n, 1]), tf.reshape(dy, [n, dim]), [vocab, dim]);
        return [dTable, tf.zerosLike(idsSaved)];
      });
    },
  };
});

/** table [vocab, dim], ids int32 of any shape → [...ids.shape, dim]. */
export function embedding(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (table.rank !== 2) throw new Error(`embedding: table must be [vocab, dim], got [${table.shape.join(', ')}]`);
  if (ids.dtype !== 'int32') throw new Error(`embedding: ids must be int32, got ${ids.dtype}`);
  return gatherRows(table, ids);
}
