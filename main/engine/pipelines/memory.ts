// How much memory an edit or an editor training step needs, before it starts: the weights (exact,
// from the configs' parameter shapes), the activations (a per-block model of what the engine keeps:
// skip connections, one block's working set, the tape when training, with or without checkpointing;
// its coefficients measured on this engine, test/main/engine/pipelines/memory.test.ts), and whether
// the peak fits the wasm backend's 4 GiB heap. Used by `ric doctor` and the Edit view to refuse a job
// that cannot fit rather than let it die half-way.
import { unetParamShapes, unetPlan, type UNetConfig } from '../models/unet/index.js';
import { vaeParamShapes, type VaeConfig } from '../models/vae/index.js';

/** The wasm backend's heap limit (WebAssembly memory32: 65536 pages of 64 KiB). */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/**
 * The wasm heap holds more than the live tensors (allocator fragmentation, XNNPACK's operator state):
 * SD 1.5's UNet step peaked at 3.71 GB of tensors in a 4.08 GB heap (measured, bench/editor.mjs).
 */
const WASM_HEAP_SLACK = 1.05;

export interface EditorMemoryQuery {
  unetConfig: UNetConfig;
  /** null: a pixel-space pipeline (`"vae": [null, null]`, models/vae/pixel-space.ts) — no VAE weights, no decode pass */
  vaeConfig: VaeConfig | null;
  /** the text encoder's parameter count (CLIP ViT-L/14 text: 123 M; 0 when not resident) */
  textEncoderParams?: number;
  /** the VAE stays loaded through the denoising loop (default true); false: only the UNet is resident there */
  vaeResident?: boolean;
  /** image side in pixels (square) or [height, width] */
  resolution: number | [number, number];
  /** images per call: an edit runs the UNet on 3 × batch (the guidance branches) unless `separateBranches` */
  batch: number;
  /** a training step (UNet forward + backward, VAE decode + backward for the region/global losses) instead of an edit */
  training?: boolean;
  /** per-block gradient checkpointing (training) */
  checkpointing?: boolean;
  /** three UNet calls per step instead of one batch of three (edits) */
  separateBranches?: boolean;
  /** where AdamW's two moments live during training: 'host' (wasm default) or 'device' */
  optimizerState?: 'host' | 'device';
  backend?: string;
}

export interface EditorMemoryEstimate {
  /** UNet + VAE + text encoder weights, float32 */
  weights: { unet: number; vae: number; textEncoder: number; total: number };
  /** gradients + optimizer moments kept on the device while training (0 for an edit) */
  training: number;
  /** the activation peak of the largest stage (UNet step or VAE decode); training: both tapes together */
  activations: number;
  /** the two stages apart: the UNet pass (at the branch batch) and the VAE decode */
  stages: { unet: number; decode: number };
  /** copies the kernels make of the largest weight (a transposed filter, XNNPACK's packed copy): 2× its size */
  transient: number;
  /** weights + training state + activations + transient copies: what the backend must hold at once */
  peak: number;
  /** host (JS) memory for optimizer moments kept there */
  host: number;
  /** whether the peak fits the wasm heap (false when it does not; null for other backends: their limit is the device's) */
  fitsWasmHeap: boolean | null;
  /** one line a user can read */
  summary: string;
}

const F32 = 4;
const numel = (s: number[]) => s.reduce((x, y) => x * y, 1);
const count = (shapes: Map<string, number[]>) => [...shapes.values()].reduce((a, s) => a + numel(s), 0);
const largest = (shapes: Map<string, number[]>) => [...shapes.values()].reduce((a, s) => Math.max(a, numel(s)), 0);

// Floats the engine keeps per element, measured block by block on this engine (wasm, 2026-12):
// a resnet's inference working set and its tape (forward saved + backward transient) per element of
// input + output; a transformer's per token-channel, on top of the attention probabilities (one head's
// scores and probabilities when inferring; every head's probabilities on the tape, plus one head's
// backward transient of ~7 L² floats).
const RESNET_WORK = 5;
const RESNET_TAPE = 36;
const TRANSFORMER_WORK = 40;
const TRANSFORMER_TAPE = 320;
const HEAD_BACKWARD = 7;

interface BlockCost {
  /** floats alive while the block runs without a tape */
  work: number;
  /** floats its tape and backward need */
  tape: number;
  /** floats a checkpoint keeps (its inputs) */
  input: number;
}

interface Pass {
  blocks: BlockCost[];
  /** floats alive through the whole pass (the UNet's skip connections) */
  kept: number;
}

function unetPass(c: UNetConfig, n: number, h: number, w: number): Pass {
  const plan = unetPlan(c);
  const blocks: BlockCost[] = [];
  let res = h * w;
  let kept = n * res * c.block_out_channels[0]!;
  const visit = (b: { resnets: { inChannels: number; outChannels: number }[]; attentions: { channels: number; heads: number; depth: number }[] }, skip: boolean) => {
    const px = n * res;
    b.resnets.forEach((r, j) => {
      const io = px * (r.inChannels + r.outChannels);
      blocks.push({ work: RESNET_WORK * io, tape: RESNET_TAPE * io, input: px * r.inChannels });
      const a = b.attentions[j];
      if (a) {
        const tokens2 = res * res;
        blocks.push({
          work: TRANSFORMER_WORK * px * a.channels + 2 * tokens2,
          tape: a.depth * (TRANSFORMER_TAPE * px * a.channels + n * a.heads * tokens2) + HEAD_BACKWARD * tokens2,
          input: px * a.channels,
        });
      }
      if (skip) kept += px * (a ? a.channels : r.outChannels);
    });
  };
  for (const b of plan.down) {
    visit(b, true);
    if (b.sampler) {
      res /= 4;
      kept += n * res * b.sampler.channels;
    }
  }
  if (plan.mid) visit(plan.mid, false);
  for (const b of plan.up) {
    visit(b, false);
    if (b.sampler) res *= 4;
  }
  return { blocks, kept };
}

function vaeDecodePass(c: VaeConfig, n: number, h: number, w: number): Pass {
  const ch = [...c.block_out_channels].reverse();
  const down = 2 ** (ch.length - 1);
  const blocks: BlockCost[] = [];
  let res = (h / down) * (w / down);
  const tokens2 = res * res;
  // the mid block: resnet, one-head attention over every latent pixel, resnet
  const c0 = ch[0]!;
  for (let k = 0; k < 2; k++) blocks.push({ work: RESNET_WORK * n * res * 2 * c0, tape: RESNET_TAPE * n * res * 2 * c0, input: n * res * c0 });
  blocks.push({ work: TRANSFORMER_WORK * n * res * c0 + 2 * tokens2, tape: TRANSFORMER_TAPE * n * res * c0 + n * tokens2 + HEAD_BACKWARD * tokens2, input: n * res * c0 });
  ch.forEach((co, i) => {
    const ci = i === 0 ? co : ch[i - 1]!;
    for (let j = 0; j <= c.layers_per_block; j++) {
      const io = n * res * ((j === 0 ? ci : co) + co);
      blocks.push({ work: RESNET_WORK * io, tape: RESNET_TAPE * io, input: n * res * (j === 0 ? ci : co) });
    }
    if (i < ch.length - 1) res *= 4;
  });
  return { blocks, kept: 0 };
}

/** Floats at the peak of a pass: inference, the whole tape, or checkpointed (inputs + one block's tape). */
function passPeak(p: Pass, mode: 'inference' | 'tape' | 'checkpointed'): number {
  const max = (f: (b: BlockCost) => number) => p.blocks.reduce((m, b) => Math.max(m, f(b)), 0);
  const sum = (f: (b: BlockCost) => number) => p.blocks.reduce((m, b) => m + f(b), 0);
  if (mode === 'inference') return p.kept + max((b) => b.work);
  if (mode === 'tape') return sum((b) => b.tape);
  return sum((b) => b.input) + max((b) => b.tape);
}

export function estimateEditorMemory(q: EditorMemoryQuery): EditorMemoryEstimate {
  const [h, w] = typeof q.resolution === 'number' ? [q.resolution, q.resolution] : q.resolution;
  const down = q.vaeConfig ? 2 ** (q.vaeConfig.block_out_channels.length - 1) : 1;
  if (h % down !== 0 || w % down !== 0) throw new Error(`resolution ${h}×${w} is not a multiple of the VAE's ${down}`);
  const lh = h / down;
  const lw = w / down;
  const unetShapes = unetParamShapes(q.unetConfig);
  const vaeShapes = q.vaeConfig ? vaeParamShapes(q.vaeConfig) : new Map<string, number[]>();
  const unetParams = count(unetShapes);
  const training = q.training ?? false;
  const vaeResident = training || (q.vaeResident ?? true);
  const weights = { unet: unetParams * F32, vae: vaeResident ? count(vaeShapes) * F32 : 0, textEncoder: (q.textEncoderParams ?? 0) * F32, total: 0 };
  weights.total = weights.unet + weights.vae + weights.textEncoder;
  const transient = 2 * Math.max(largest(unetShapes), vaeResident ? largest(vaeShapes) : 0) * F32;
  const checkpointing = q.checkpointing ?? training;
  const n = training ? q.batch : q.separateBranches ? q.batch : 3 * q.batch;
  const unet = unetPass(q.unetConfig, n, lh, lw);
  const decode: Pass = q.vaeConfig ? vaeDecodePass(q.vaeConfig, q.batch, h, w) : { blocks: [], kept: 0 };
  let activations: number;
  let stages: EditorMemoryEstimate['stages'];
  let trainingBytes = 0;
  let host = 0;
  if (training) {
    const mode = checkpointing ? 'checkpointed' : 'tape';
    // The region/global losses back-propagate through decode(x̂0) and then the UNet: both tapes are alive.
    stages = { unet: passPeak(unet, mode) * F32, decode: passPeak(decode, mode) * F32 };
    activations = stages.unet + stages.decode;
    const moments = 2 * unetParams * F32;
    const onHost = (q.optimizerState ?? (q.backend === 'wasm' || q.backend === undefined ? 'host' : 'device')) === 'host';
    trainingBytes = unetParams * F32 + (onHost ? 0 : moments);
    host = onHost ? moments + unetParams * F32 : 0; // the moments and the summed gradients kept there
  } else {
    stages = { unet: passPeak(unet, 'inference') * F32, decode: passPeak(decode, 'inference') * F32 };
    activations = vaeResident ? Math.max(stages.unet, stages.decode) : stages.unet;
  }
  const peak = weights.total + trainingBytes + activations + transient;
  const onWasm = q.backend === undefined || q.backend === 'wasm';
  const fitsWasmHeap = onWasm ? peak * WASM_HEAP_SLACK <= WASM_HEAP_BYTES : null;
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  const what = training ? `a training step at ${h}×${w}, batch ${q.batch}${checkpointing ? ' (checkpointed)' : ''}` : `an edit at ${h}×${w}, batch ${q.batch}`;
  const verdict = fitsWasmHeap === null ? '' : fitsWasmHeap ? ' — fits the wasm heap (4 GiB)' : ` — does NOT fit the wasm heap (4 GiB): needs a GPU backend${training ? '' : ' or a smaller model'}`;
  return { weights, training: trainingBytes, activations, stages, transient, peak, host, fitsWasmHeap, summary: `${what}: weights ${gb(weights.total)}, activations ${gb(activations)}, peak ${gb(peak)}${verdict}` };
}
