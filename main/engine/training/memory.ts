// How much of the wasm heap a training step may spend on the gradient tape, and the micro-batch
// sizes that follow from it (the trainers' memory plan; measured figures in BENCHMARKS.md).

/**
 * A lower bound of the bytes the gradient tape keeps per image through a pre-norm ViT (tfjs keeps
 * every op output of the forward alive until the backward): ~30 tensors of [L, D], 5 of [L, inner]
 * and 3 attention maps [H, L, L] per layer. CLIP ViT-B/16 at 224 px: ~430 MB by this count; the wasm
 * heap was measured growing by ~2.2 GB for one such image's forward + backward.
 */
export function tapeBytesPerImage(
  v: { image_size: number; patch_size: number; hidden_size: number; intermediate_size: number; num_hidden_layers: number; num_attention_heads: number },
  opts: { checkpointing?: boolean } = {},
): number {
  const L = (v.image_size / v.patch_size) ** 2 + 1;
  const perLayer = 30 * L * v.hidden_size + 5 * L * v.intermediate_size + 3 * v.num_attention_heads * L * L;
  // Checkpointed (layers/checkpoint.ts): every layer's input [L, D] stays, and one layer's tape plus
  // its gradients exist at a time during its recomputation (3 layers' worth: measured ~100 MB per
// 224-px image at ViT-B/16, BENCHMARKS.md).
  if (opts.checkpointing) return 4 * (v.num_hidden_layers * L * v.hidden_size + 3 * perLayer);
  return 4 * v.num_hidden_layers * perLayer;
}

/** Pairs per micro-batch so the tape of `imagesPerPair` images stays under `budgetBytes` (at least 1). */
export function microBatchFor(budgetBytes: number, bytesPerImage: number, imagesPerPair: number): number {
  return Math.max(1, Math.floor(budgetBytes / (bytesPerImage * imagesPerPair)));
}

/** The tape budget: a third of the wasm backend's 4 GiB heap (the rest holds weights, moments, gradients). */
export const TAPE_BUDGET_BYTES = 1.4e9;

/** The wasm backend's heap: 4 GiB (32-bit addresses). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/**
 * Pairs per micro-batch while checkpointed encoders train on the wasm heap: what is left of it after
 * the weights, both AdamW moments, the accumulated and the current micro-batch's gradients (5 × the
 * parameters) and ~0.8 GB of backward transients (embedding-table gradients, one layer's recompute).
 * CLIP ViT-B/16 (150 M parameters): 1 pair — measured peak 3.85 GB live, 4.12 GB heap (BENCHMARKS.md).
 * Kept as is with the optimiser state on the host (`optimizer_state`, host-optim.ts), where only the
 * weights and one micro-batch's gradients stay on the heap: the freed ~3 × the parameters would allow
 * larger micro-batches, but this estimate's per-image tape is not measured well enough to spend it
 * (BLIP-base: 2 images in one micro-batch measured 2.87 GB heap with host state; BENCHMARKS.md).
 */
export function checkpointedMicroBatch(numParams: number, bytesPerImage: number, imagesPerPair: number): number {
  const budget = WASM_HEAP_BYTES - 5 * 4 * numParams - 0.8e9;
  return Math.max(1, Math.floor(budget / (bytesPerImage * imagesPerPair)));
}
