// Tensor backend choice behind one interface (DESIGN.md §3). Order: tfjs-node-gpu (CUDA), WebGPU
// through Dawn (`webgpu` package) on a hardware adapter, tfjs-node (native CPU), wasm, cpu. The
// native packages are optional dependencies (their installers download libtensorflow), so each is
// loaded with import() and every failure keeps its reason for `ric doctor` and the Settings view.
// A software WebGPU adapter (SwiftShader) is never chosen for speed; tests force it to prove the GPU
// code path (ENVIRONMENT.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TensorBackendName } from '../../shared/api/system.js';
import { fastWasmSlices } from './layers/wasm-slice.js';

export type { TensorBackendName };
export const BACKEND_ORDER: readonly TensorBackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendProbe {
  name: TensorBackendName;
  /** What it is, for people. */
  label: string;
  status: 'active' | 'available' | 'unavailable' | 'not tried';
  /** Why it is unavailable (or a note when available). */
  reason?: string;
  /** Adapter / device description when known. */
  device?: string;
}

export interface BackendReport {
  active: TensorBackendName;
  probes: BackendProbe[];
}

export interface BackendOptions {
  /** 'auto' (default) walks BACKEND_ORDER; a name insists on that backend and fails with its reason. */
  prefer?: 'auto' | TensorBackendName;
  /** Accept a software WebGPU adapter (SwiftShader): for tests of the GPU path, never for speed. */
  allowSoftwareGpu?: boolean;
  /** Probe every backend (for `ric doctor`) instead of stopping at the first that works. */
  probeAll?: boolean;
}

const LABELS: Record<TensorBackendName, string> = {
  'tensorflow-gpu': 'TensorFlow native, CUDA (@tensorflow/tfjs-node-gpu)',
  webgpu: 'WebGPU through Dawn (webgpu + @tensorflow/tfjs-backend-webgpu)',
  tensorflow: 'TensorFlow native, CPU (@tensorflow/tfjs-node)',
  wasm: 'WebAssembly SIMD (@tensorflow/tfjs-backend-wasm)',
  cpu: 'plain JavaScript (@tensorflow/tfjs cpu)',
};

/** The tfjs registry name each backend runs under. */
const TFJS_NAME: Record<TensorBackendName, string> = { 'tensorflow-gpu': 'tensorflow', webgpu: 'webgpu', tensorflow: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

class Unavailable extends Error {}

let current: BackendReport | null = null;

/** The backend the engine runs on, or null before initBackend(). */
export function activeBackend(): BackendReport | null {
  return current;
}

/**
 * Reads RIC_BACKEND / RIC_ALLOW_SOFTWARE_GPU so a test run or a user can force a backend; without
 * RIC_BACKEND, `setting` (Settings → tensor backend, for the jobs the app starts) chooses.
 */
export function backendOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, setting: BackendOptions['prefer'] = 'auto'): BackendOptions {
  const prefer = (env.RIC_BACKEND || setting) as BackendOptions['prefer'];
  if (prefer && prefer !== 'auto' && !BACKEND_ORDER.includes(prefer)) {
    throw new Error(`RIC_BACKEND=${prefer} is not a backend (one of auto, ${BACKEND_ORDER.join(', ')})`);
  }
  return { prefer: prefer ?? 'auto', allowSoftwareGpu: env.RIC_ALLOW_SOFTWARE_GPU === '1' };
}

/** Chooses and activates a backend; returns what was tried and why each other one was not used. */
export async function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  const prefer = options.prefer ?? 'auto';
  const order = prefer === 'auto' ? BACKEND_ORDER : [prefer];
  const probes = new Map<TensorBackendName, BackendProbe>(BACKEND_ORDER.map((n) => [n, { name: n, label: LABELS[n], status: 'not tried' }]));
  let active: TensorBackendName | undefined;
  for (const name of options.probeAll ? BACKEND_ORDER : order) {
    if (active && !options.probeAll) break;
    const probe = probes.get(name)!;
    // Two native TensorFlow packages register the same tfjs name: the second cannot load.
    if (name === 'tensorflow' && probes.get('tensorflow-gpu')!.status !== 'unavailable' && probes.get('tensorflow-gpu')!.status !== 'not tried') {
      probe.status = 'unavailable';
      probe.reason = 'tfjs-node-gpu is loaded and owns the native TensorFlow binding';
      continue;
    }
    try {
      probe.device = await LOADERS[name](options);
      probe.status = 'available';
      if (!active && order.includes(name)) {
        if (!(await tf.setBackend(TFJS_NAME[name]))) throw new Unavailable('tfjs could not initialise it');
        await tf.ready();
        active = name;
        probe.status = 'active';
      }
    } catch (err) {
      probe.status = 'unavailable';
      probe.reason = err instanceof Error ? err.message : String(err);
    }
  }
  const report = { active: active!, probes: [...probes.values()] };
  if (!active) {
    const why = order.map((n) => `${n}: ${probes.get(n)!.reason ?? 'unavailable'}`).join('; ');
    throw new Error(`no tensor backend could be started (${why})`);
  }
  // wasm's stock Slice/Unpack/SplitV copy their whole input per output: every model gets the copying-
  // only-the-slice kernels from the start, not only those that happen to call a layer that installs
  // them (the Region-CLIP phase-1 step unstacked its conv taps the slow way: ~140 ms a step, each
  // tensor worker paying it again — issue 13).
  if (active === 'wasm') fastWasmSlices();
  current = report;
  return report;
}

async function importOptional(spec: string): Promise<unknown> {
  try {
    return await import(spec);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && e.message.includes(spec)) {
      throw new Unavailable(`${spec} is not installed (optional dependency; its installer downloads libtensorflow, which needs internet)`);
    }
    throw err;
  }
}

function explainNativeFailure(err: unknown, gpu: boolean): Error {
  if (err instanceof Unavailable) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const lib = /(lib[\w.+-]*\.so[\w.]*)/.exec(msg)?.[1];
  if (gpu && lib && /cud|cublas|cufft|curand|cusolver|cusparse/.test(lib)) {
    return new Unavailable(`${lib} not found: tfjs-node-gpu (libtensorflow 2.9.1) needs CUDA 11.2 and cuDNN 8.1 on the library path (${msg.split('\n')[0]})`);
  }
  if (lib) return new Unavailable(`${lib} could not be loaded: ${msg.split('\n')[0]}`);
  return new Unavailable(`failed to load: ${msg.split('\n')[0]}`);
}

interface NativeBackend {
  isUsingGpuDevice?: boolean;
}

const LOADERS: Record<TensorBackendName, (o: BackendOptions) => Promise<string | undefined>> = {
  async 'tensorflow-gpu'() {
    try {
      await importOptional('@tensorflow/tfjs-node-gpu');
    } catch (err) {
      throw explainNativeFailure(err, true);
    }
    const backend = tf.findBackend('tensorflow') as NativeBackend | null;
    if (backend && backend.isUsingGpuDevice === false) throw new Unavailable('tfjs-node-gpu loaded but TensorFlow found no usable CUDA GPU');
    return 'CUDA';
  },
  async tensorflow() {
    try {
      await importOptional('@tensorflow/tfjs-node');
    } catch (err) {
      throw explainNativeFailure(err, false);
    }
    return os.cpus()[0]?.model;
  },
  webgpu: loadWebGpu,
  async wasm() {
    await import('@tensorflow/tfjs-backend-wasm');
    return 'single-threaded SIMD in Node';
  },
  async cpu() {
    return undefined;
  },
};

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Whether the dynamic linker can find the Vulkan loader (Linux: LD_LIBRARY_PATH or ld.so.cache). */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')))) return true;
  try {
    return fs.readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
  }
}

async function loadWebGpu(options: BackendOptions): Promise<string> {
  if (options.allowSoftwareGpu) {
    // The Vulkan loader reads these when Dawn creates its instance, so setting them here is enough
    // (LD_LIBRARY_PATH, in contrast, must be set before the process starts).
    if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    if (!process.env.XDG_RUNTIME_DIR) {
      const dir = path.join(os.tmpdir(), `ric-xdg-${process.getuid?.() ?? 0}`);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      process.env.XDG_RUNTIME_DIR = dir;
    }
  }
  let webgpu: { create(flags: string[]): GPU; globals: object };
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu;
  } catch (err) {
    throw new Unavailable(`the webgpu (Dawn) package failed to load: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!vulkanLoaderPresent()) {
    // Checked first: Dawn would only print a warning and offer no adapter.
    throw new Unavailable('no Vulkan loader (libvulkan.so.1 not found: apt-get install libvulkan1, or for SwiftShader tests start with LD_LIBRARY_PATH=/usr/lib/chromium), so WebGPU has no adapter');
  }
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Unavailable('no WebGPU adapter: no Vulkan/Metal/D3D12 GPU driver offers one');
  const info = ((adapter as unknown as { info?: AdapterInfoLike }).info ?? {}) as AdapterInfoLike;
  const described = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const software = info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(described);
  const device = `${described || 'unnamed adapter'}${software ? ' (software)' : ''}`;
  if (software && !options.allowSoftwareGpu) {
    throw new Unavailable(`only a software adapter (${device}): never chosen for speed (RIC_ALLOW_SOFTWARE_GPU=1 forces it, for tests)`);
  }
  // tfjs-backend-webgpu registers itself only if navigator.gpu exists when it is imported.
  Object.assign(globalThis, webgpu.globals);
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav), { gpu }), configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Unavailable('@tensorflow/tfjs-backend-webgpu did not register (was it imported before navigator.gpu existed?)');
  return device;
}

/**
 * Kernel coverage: the kernels (forward and gradient) a model needs that the active backend lacks.
 * Tests call it with the list the models' training uses, so a missing gradient kernel fails loudly.
 */
export function missingKernels(kernelNames: readonly string[], backendName = tf.getBackend()): string[] {
  return kernelNames.filter((k) => !tf.getKernel(k, backendName));
}

/**
 * Kernels a CLIP/ViT forward + backward step runs (recorded with tf.profile on the cpu backend;
 * test/main/engine/backend.test.ts re-records them and fails if this list falls behind), plus
 * Sigmoid for quick_gelu.
 */
export const ENGINE_KERNELS: readonly string[] = [
  'Abs', 'Add', 'ArgMax', 'BatchMatMul', 'Cast', 'Concat', 'Equal', 'Erf', 'Exp', 'ExpandDims', 'GatherV2', 'GreaterEqual',
  'Identity', 'LessEqual', 'LogicalAnd', 'Mean', 'Multiply', 'Neg', 'OneHot', 'Pack', 'PadV2', 'Pow', 'Range', 'RealDiv',
  'Reshape', 'Rsqrt', 'ScatterNd', 'Select', 'Sigmoid', 'Slice', 'Softmax', 'SplitV', 'Sqrt', 'Square', 'Step', 'Sub', 'Sum',
  'Tile', 'Transpose', 'Unpack', 'ZerosLike',
];
