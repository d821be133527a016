// Slice, Unpack and SplitV kernels for the wasm backend that copy only the sliced elements.
// tfjs-backend-wasm 4.22's Slice first reads its whole input out of the heap (`readSync` is a copy),
// so unstacking 24 attention heads copies the tensor 24 times, splitting GEGLU's projection in two
// copies it twice (44 ms for 0.8 M floats, measured) and each 3×3 tap of a feature map
// costs a full copy (13 ms per million floats, measured). Same results, registered over the stock
// kernels once the wasm backend's own are registered; other backends are untouched.
import * as tf from '@tensorflow/tfjs';

interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface SliceArgs {
  inputs: { x: WasmTensorInfo };
  attrs: { begin: number | number[]; size?: number | number[] };
  backend: WasmBackendLike;
}

let installed = false;

function sliceInto(x: WasmTensorInfo, begin: number[], size: number[], backend: WasmBackendLike): WasmTensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  // Views taken after makeOutput: growing the heap detaches earlier views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  // The innermost axis from which on the slice is contiguous in x: every later axis is taken whole.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === x.shape[k]) k--;
  const run = size.slice(k).reduce((a, b) => a * b, 1);
  const inner = k === rank - 1 ? 1 : strides[k]!;
  const outer = size.slice(0, k);
  const idx = new Array<number>(k).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[k]! * inner;
    for (let a = 0; a < k; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    dst.set(src.subarray(off, off + run), o);
    o += run;
    let a = k - 1;
    while (a >= 0 && ++idx[a]! === outer[a]!) idx[a--] = 0;
    if (a < 0) break;
  }
  return out;
}

/** Registers the copying-only-what-is-sliced kernels for wasm (once; a no-op elsewhere). */
export function fastWasmSlices(): void {
  if (installed || tf.getBackend() !== 'wasm') return;
  const stockSlice = tf.getKernel('Slice', 'wasm');
  if (!stockSlice || !tf.getKernel('Unpack', 'wasm') || !tf.getKernel('SplitV', 'wasm')) return;
  installed = true;
  const slice = (args: SliceArgs): WasmTensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return stockSlice.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as WasmTensorInfo;
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo, args.attrs.begin, args.attrs.size);
    return sliceInto(x, begin!, size!, args.backend);
  };
  const unpack = (args: { inputs: { value: WasmTensorInfo }; attrs: { axis: number }; backend: WasmBackendLike }): WasmTensorInfo[] => {
    const { value } = args.inputs;
    const axis = args.attrs.axis < 0 ? args.attrs.axis + value.shape.length : args.attrs.axis;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = value.shape.map(() => 0);
    const size = value.shape.slice();
    size[axis] = 1;
    return Array.from({ length: value.shape[axis]! }, (_, i) => {
      begin[axis] = i;
      const out = sliceInto(value, begin, size, args.backend);
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    });
  };
  const splitV = (args: { inputs: { x: WasmTensorInfo }; attrs: { numOrSizeSplits: number | number[]; axis: number | number[] }; backend: WasmBackendLike }): WasmTensorInfo[] => {
    const { x } = args.inputs;
    const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, args.attrs.numOrSizeSplits, axis);
    const begin = x.shape.map(() => 0);
    const size = x.shape.slice();
    return sizes.map((n) => {
      size[axis] = n;
      const out = sliceInto(x, begin.slice(), size.slice(), args.backend);
      begin[axis] = begin[axis]! + n;
      return out;
    });
  };
  for (const [kernelName, kernelFunc] of [['Slice', slice], ['Unpack', unpack], ['SplitV', splitV]] as const) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
