// Activation (gradient) checkpointing per encoder layer (Chen et al. 2016, torch.utils.checkpoint).
// tfjs keeps every op output of a forward on the gradient tape until the backward, so one 224-px
// image through a ViT-B/16 grows the wasm heap by ~2.2 GB. Wrapped here, a layer is ONE tape node
// whose forward runs without a tape (tf.customGrad runs its function at kernel depth > 0) and keeps
// only its input; its gradient recomputes the layer's forward on a fresh tape and back-propagates
// through it, returning the gradients of the input, the context tensors and the layer's weights.
// Cost: one more forward of every layer; memory: one layer's tape at a time plus the layer inputs.
import * as tf from '@tensorflow/tfjs';

/**
 * Runs `layer(x, ...context)` as a checkpointed tape node. `context`: other float tensors the layer
 * reads (additive masks, cross-attention states) — they are saved with x and get gradients too.
 * `weights`: the layer's parameters; they must be exactly the tensors the layer uses (the ParamStore's
 * variables), because their gradients are matched by identity. Frozen variables (trainable = false)
 * are left out: they stay constants of the recomputation. Without a gradient tape (inference, the
 * trainer's no-tape embedding pass) this costs nothing over calling `layer` directly.
 */
export function checkpoint(layer: (x: tf.Tensor, ...context: tf.Tensor[]) => tf.Tensor, x: tf.Tensor, context: readonly tf.Tensor[], weights: readonly tf.Tensor[]): tf.Tensor {
  const trainable = weights.filter((w) => !(w instanceof tf.Variable) || w.trainable);
  const nSaved = 1 + context.length;
  const run = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, nSaved) as tf.Tensor[];
    save(inputs);
    return {
      value: layer(inputs[0]!, ...inputs.slice(1)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => recompute(layer, saved, trainable, dy),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return run(x, ...context, ...trainable);
}

/**
 * The backward of a checkpointed layer: its forward again on a tape, then that tape's gradients.
 * It runs while the outer backward walks its (already filtered) tape. At gradient depth 0 the engine's
 * `gradients` starts a fresh `activeTape` and nulls it when done, which would drop the outer tape the
 * outer `gradients` still has to release: it is put back afterwards.
 */
function recompute(layer: (x: tf.Tensor, ...context: tf.Tensor[]) => tf.Tensor, saved: tf.Tensor[], weights: readonly tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine();
  const outerTape = engine.state.activeTape;
  try {
    return tf.tidy(() => {
      const xs = [...saved, ...weights];
      const { value, grads } = engine.gradients(() => layer(saved[0]!, ...saved.slice(1)), xs, dy, true);
      value.dispose();
      // A context tensor the output does not depend on (possible for a mask) gets a zero gradient.
      return xs.map((t, i) => grads[i] ?? tf.zerosLike(t));
    });
  } finally {
    engine.state.activeTape = outerTape;
  }
}

