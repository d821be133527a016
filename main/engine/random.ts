// The engine's own seeded random numbers (xoshiro128**, seeded through splitmix32; normals by
// Box–Muller): the same seed gives the same noise on every backend, machine and run, which tfjs's
// random ops do not promise across backends. Nobody can reproduce torch's generator, so tests that
// replay a reference inject its noise instead (the schedulers and pipelines take noise tensors).
import * as tf from '@tensorflow/tfjs';

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class SeededRandom {
  private readonly s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`random seed must be an integer, got ${seed}`);
    const next = splitmix32((seed ^ Math.floor(seed / 2 ** 32)) >>> 0);
    for (let i = 0; i < 4; i++) this.s[i] = next();
  }

  /** A uniform 32-bit integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in (0, 1): never 0, so log() is finite. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 2 ** 32;
  }

  /** A standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** A float32 tensor of standard normals in row-major order. */
  normalTensor(shape: number[]): tf.Tensor {
    return tf.tensor(this.normals(shape.reduce((a, b) => a * b, 1)), shape, 'float32');
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
