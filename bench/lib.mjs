// Small shared helpers for the benchmarks (run on the built dist/: `npm run build` first).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export function summary(values) {
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: Math.max(...values) };
}

export function machine() {
  return `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`;
}

export function tempDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-'));
}

export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** Starts `ric serve --port 0` and resolves once it printed its URL. */
export function startServe(dataDir) {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), '--data', dataDir, 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = /Open: (http:\/\/\S+\?token=([\w-]+))/.exec(out);
      if (m) resolve({ child, url: m[1], token: m[2], origin: new URL(m[1]).origin, printedMs: performance.now() - started, started });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`ric serve exited ${code}: ${out}`)));
  });
}

/** A bench's command line: `[backend=wasm] [runs]` positionally, `--name=value` options, `--flags`. */
export function benchArgs({ runs = 3 } = {}) {
  const argv = process.argv.slice(2);
  const arg = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
  const positional = argv.filter((a) => !a.startsWith('--'));
  return {
    argv,
    arg,
    flag: (name) => argv.includes(`--${name}`),
    backend: positional[0] ?? 'wasm',
    runs: Number(positional[1] ?? runs),
    /** Only the cases whose name contains this (--case=TEXT). */
    only: arg('case'),
    /** PyTorch's threads (--threads=N; default all cores). */
    threads: Number(arg('threads', os.cpus().length)),
    /** diffusers v0.25's source for the PyTorch side (--diffusers=DIR). */
    diffusersDir: arg('diffusers', process.env.RIC_DIFFUSERS_SRC ?? path.join(os.homedir(), '.cache/ric-diffusers/src')),
  };
}

/** A config of bench/configs (SD 1.5's UNet/VAE, the towers, the small configs). */
export const benchConfig = (file) => JSON.parse(fs.readFileSync(path.join(root, 'bench/configs', file), 'utf8'));

export const gb = (bytes, digits = 2) => (bytes === null ? 'n/a' : `${(bytes / 1e9).toFixed(digits)} GB`);

/** The fastest and the median of `runs` timed calls after one warm-up (kernel setup, operator caches). */
export async function timed(fn, runs) {
  await fn();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  // The fastest run is the least disturbed one on a shared machine; the median is reported beside it.
  return { ms: ts[0], medianMs: ts[Math.floor(ts.length / 2)] };
}

/** The engine modules the editor benches use, from dist/ (`npx tsc -b` first). */
const EDITOR_MODULES = [
  'backend.js',
  'models/registry.js',
  'models/unet/index.js',
  'models/vae/index.js',
  'models/fusion/region-clip.js',
  'models/blip/index.js',
  'models/clip/index.js',
  'pipelines/index.js',
  'schedulers/index.js',
  'training/editor/index.js',
  'training/index.js',
  'random.js',
];

/**
 * The editor benches' engine on `backend`: tf, the exports of EDITOR_MODULES as one object (a name two
 * modules export differently is left out rather than picked), the backend report, live and peak
 * tensor bytes, seeded random weights, the SD schedule's ᾱ and the tiny preset's UNet and towers.
 */
export async function editorBench(backend) {
  const tf = await import('@tensorflow/tfjs');
  const modules = await Promise.all(EDITOR_MODULES.map((p) => import(path.join(root, 'dist/main/engine', p))));
  const e = {};
  const clashes = new Set();
  for (const m of modules) {
    for (const [k, v] of Object.entries(m)) {
      if (k in e && e[k] !== v) clashes.add(k);
      e[k] = v;
    }
  }
  for (const k of clashes) delete e[k];
  const report = await e.initBackend({ prefer: backend });

  // Peak live tensor bytes: the engine's running total, watched on every change (exact, no profiler).
  const state = tf.engine().state;
  let live = state.numBytes;
  let peak = live;
  Object.defineProperty(state, 'numBytes', {
    get: () => live,
    set: (v) => {
      live = v;
      if (v > peak) peak = v;
    },
  });
  const bytes = {
    get live() {
      return live;
    },
    get peak() {
      return peak;
    },
    resetPeak() {
      peak = live;
    },
    // The wasm heap only grows (WebAssembly.Memory.grow): its size now is its peak so far.
    wasmHeap: () => tf.backend().wasm?.HEAPU8?.buffer.byteLength ?? null,
  };

  /** Seeded random weights in host memory: N(0, 1/fan_in) kernels, unit norm weights, zero biases (values do not change time or memory). */
  const randomHost = (shapes, seed) => {
    const rng = new e.SeededRandom(seed);
    const host = new Map();
    for (const [name, shape] of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (shape.length === 1) host.set(name, { shape, values: new Float32Array(n).fill(/norm/.test(name) && name.endsWith('.weight') ? 1 : 0) });
      else {
        const std = 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1));
        host.set(name, { shape, values: rng.normals(n).map((v) => v * std) });
      }
    }
    return host;
  };
  /** Host weights as a model's variables (what loading a checkpoint from the page cache does). */
  const paramsFrom = (host, trainable = true) => {
    const params = new e.ParamStore('random');
    for (const [name, { shape, values }] of host) params.set(name, tf.tensor(values, shape), trainable);
    return params;
  };

  /** Region-CLIP and BLIP with random weights, frozen (the editor's loss towers, Eq. 7–10). */
  const frozenTowers = (configs, checkpointing) => {
    const regionClip = e.RegionClip.random(configs.clip, {}, 3);
    regionClip.clip.params.setTrainable(false);
    regionClip.fusion.params.setTrainable(false);
    regionClip.clip.gradientCheckpointing = checkpointing;
    const blip = e.BlipForImageTextRetrieval.random(configs.blip, 4);
    blip.params.setTrainable(false);
    blip.gradientCheckpointing = checkpointing;
    return { regionClip, blip, clipNorm: e.CLIP_NORMALIZATION, blipNorm: e.CLIP_NORMALIZATION };
  };

  /** A random editorLoss batch of `b` samples (region and scene texts only with their dims). */
  const lossBatch = ({ b, channels, latent, crossDim, resolution: r, regionDim = null, sceneDim = null }) => ({
    sourceLatents: tf.randomNormal([b, channels, latent, latent], 0, 1, 'float32', 5),
    targetLatents: tf.randomNormal([b, channels, latent, latent], 0, 1, 'float32', 6),
    noise: tf.randomNormal([b, channels, latent, latent], 0, 1, 'float32', 7),
    timesteps: Array.from({ length: b }, () => 500),
    textStates: tf.randomNormal([b, 77, crossDim], 0, 1, 'float32', 8),
    boxes: Array.from({ length: b }, () => ({ y0: r / 4, x0: r / 8, y1: r / 2 + r / 8, x1: r - r / 4 })),
    regionText: regionDim === null ? null : tf.randomNormal([b, regionDim], 0, 1, 'float32', 9),
    sceneText: sceneDim === null ? null : tf.randomNormal([b, sceneDim], 0, 1, 'float32', 10),
    gate: Array.from({ length: b }, () => 1),
  });

  /** One editor training step's tensors (Eq. 5–10 through the trainer's editorLoss): the loss, the UNet's gradients, the per-sample terms; the caller reads and frees them. */
  const lossStep = (unet, codec, towers, batch, weights) => {
    let kept = null;
    const { value, grads } = tf.variableGrads(() => {
      kept = e.editorLoss(unet, codec, towers, { alphasCumprod: alphas, predictionType: 'epsilon' }, batch, weights);
      return kept.total;
    }, unet.params.variables());
    // editorLoss keeps its per-sample terms for the trainer's metrics: freed with the rest, as the trainer does.
    return [value, ...Object.values(grads), kept.denoiseEach, kept.regionEach, kept.globalEach].filter(Boolean);
  };

  const alphas = e.alphasCumprodOf(e.makeBetas({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, trained_betas: null }));
  const tiny = {
    /** The tiny preset's pixel-space UNet, in config.json form. */
    unet: { _class_name: 'UNet2DConditionModel', ...e.tinyPipelineConfig().unet },
    towers: { clip: e.tinyClipConfig(64), blip: e.tinyBlipConfig(64) },
  };
  return { tf, e, report, bytes, randomHost, paramsFrom, randomParams: (shapes, seed, trainable = true) => paramsFrom(randomHost(shapes, seed), trainable), frozenTowers, lossBatch, lossStep, alphas, tiny };
}
