// A typed wrapper over tf.customGrad for two-input ops (tfjs types the inputs as a rest array
// mixing tensors and the save function).
import * as tf from '@tensorflow/tfjs';

export type BinaryGradFunc = (
  a: tf.Tensor,
  b: tf.Tensor,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

export function customGrad2(f: BinaryGradFunc): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  const g = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) =>
    f(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2] as tf.GradSaveFunc)) as Parameters<typeof tf.customGrad>[0]);
  return (a, b) => g(a, b);
}
