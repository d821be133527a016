// The safetensors format (https://github.com/huggingface/safetensors): u64 little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}} (+ optional
// __metadata__), then the raw little-endian data. Tensors are read one at a time from an open file
// descriptor into their own buffer, so a 3 GB checkpoint is never held twice in memory: F32 lands
// directly in the Float32Array it is returned in; F16/BF16 are widened to F32 (DESIGN.md §3);
// I64 is narrowed to int32 (tfjs has no int64) with a range check.
import fs from 'node:fs';
import path from 'node:path';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** dtypes this reader turns into tensors. */
const READABLE = new Set<SafetensorsDtype>(['F32', 'F16', 'BF16', 'I64', 'I32']);
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offsets in the file. */
  begin: number;
  end: number;
}

/** A tensor in host memory, in the dtypes tfjs computes in. */
export interface HostTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly tensor?: string,
  ) {
    super(`${file}${tensor ? `: tensor "${tensor}"` : ''}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** An open safetensors file: the header is parsed at open, tensors are read on demand. */
export class SafetensorsFile {
  private fd: number | undefined;
  readonly entries: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Record<string, string>;

  private constructor(
    readonly file: string,
    fd: number,
    entries: Map<string, TensorEntry>,
    metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.entries = entries;
    this.metadata = metadata;
  }

  static open(file: string): SafetensorsFile {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new SafetensorsError(file, `cannot open: ${(err as Error).message}`);
    }
    try {
      const { entries, metadata } = readHeader(file, fd);
      return new SafetensorsFile(file, fd, entries, metadata);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(this.file, 'not in this file', name);
    return e;
  }

  /** Reads one tensor (one allocation for F32/I32, two for the widened/narrowed dtypes). */
  read(name: string): HostTensor {
    if (this.fd === undefined) throw new SafetensorsError(this.file, 'file is closed', name);
    const e = this.entry(name);
    if (!READABLE.has(e.dtype)) {
      throw new SafetensorsError(this.file, `dtype ${e.dtype} is not supported (F32, F16, BF16, I64, I32 are)`, name);
    }
    const n = numel(e.shape);
    const bytes = e.end - e.begin;
    const raw = new ArrayBuffer(bytes);
    readFully(this.file, this.fd, new Uint8Array(raw), e.begin, name);
    switch (e.dtype) {
      case 'F32':
        return { dtype: 'float32', shape: e.shape, values: new Float32Array(raw, 0, n) };
      case 'I32':
        return { dtype: 'int32', shape: e.shape, values: new Int32Array(raw, 0, n) };
      case 'F16':
        return { dtype: 'float32', shape: e.shape, values: widenF16(new Uint16Array(raw, 0, n)) };
      case 'BF16':
        return { dtype: 'float32', shape: e.shape, values: widenBF16(new Uint16Array(raw, 0, n)) };
      case 'I64': {
        const src = new BigInt64Array(raw, 0, n);
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const v = src[i]!;
          if (v > 2147483647n || v < -2147483648n) {
            throw new SafetensorsError(this.file, `I64 value ${v} at index ${i} does not fit in int32`, name);
          }
          out[i] = Number(v);
        }
        return { dtype: 'int32', shape: e.shape, values: out };
      }
      default:
        throw new SafetensorsError(this.file, `dtype ${e.dtype} is not supported`, name);
    }
  }

  readAll(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    for (const name of this.entries.keys()) out.set(name, this.read(name));
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads every tensor of a file. */
export function readSafetensors(file: string): Map<string, HostTensor> {
  const f = SafetensorsFile.open(file);
  try {
    return f.readAll();
  } finally {
    f.close();
  }
}

function readFully(file: string, fd: number, into: Uint8Array, position: number, tensor?: string): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new SafetensorsError(file, `file ends early (truncated?): wanted ${into.length} bytes at ${position}, got ${done}`, tensor);
    done += n;
  }
}

function readHeader(file: string, fd: number): { entries: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw new SafetensorsError(file, `not a safetensors file (${size} bytes; the 8-byte header length is missing)`);
  const lenBuf = Buffer.alloc(8);
  readFully(file, fd, lenBuf, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
    throw new SafetensorsError(file, `header length ${headerLen} exceeds the file (${size} bytes): truncated or not a safetensors file`);
  }
  const headerBuf = Buffer.alloc(headerLen);
  readFully(file, fd, headerBuf, 8);
  let header: unknown;
  try {
    header = JSON.parse(headerBuf.toString('utf8'));
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof r?.dtype !== 'string' || !(r.dtype in ITEM_SIZE)) {
      throw new SafetensorsError(file, `unknown dtype ${JSON.stringify(r?.dtype)}`, name);
    }
    const dtype = r.dtype as SafetensorsDtype;
    if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `bad shape ${JSON.stringify(r.shape)}`, name);
    }
    const offs = r.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0] > offs[1]) {
      throw new SafetensorsError(file, `bad data_offsets ${JSON.stringify(offs)}`, name);
    }
    const shape = r.shape as number[];
    const [b, e] = offs as [number, number];
    const expected = numel(shape) * ITEM_SIZE[dtype];
    if (e - b !== expected) {
      throw new SafetensorsError(file, `${e - b} bytes for ${dtype}[${shape.join(', ')}], which needs ${expected}`, name);
    }
    if (dataStart + e > size) {
      throw new SafetensorsError(file, `data ends at byte ${dataStart + e} but the file has ${size} bytes (truncated?)`, name);
    }
    entries.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + e });
  }
  return { entries, metadata };
}

// IEEE half -> single, exact (every half is representable as a single).
function widenF16(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

// bfloat16 is the top half of a float32.
function widenBF16(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return new Float32Array(bits.buffer);
}

// float32 -> bfloat16, round to nearest even (NaN kept quiet).
function narrowBF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

// float32 -> IEEE half, round to nearest even, overflow to infinity, subnormals kept.
function narrowF16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    let e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      let m = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      if (rest > half || (rest === half && m & 1)) m++;
      out[i] = sign | m;
      continue;
    }
    let m = mant >>> 13;
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
      m++;
      if (m === 0x400) {
        m = 0;
        e++;
        if (e >= 31) {
          out[i] = sign | 0x7c00;
          continue;
        }
      }
    }
    out[i] = sign | (e << 10) | m;
  }
  return out;
}

/** A tensor to write. int32 values are written as I64 by default (as torch stores ids). */
export interface WritableTensor {
  shape: readonly number[];
  values: Float32Array | Int32Array;
  /** Stored dtype; F16/BF16 round float32 to nearest even (for fp16 checkpoints and tests). */
  dtype?: 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | HostTensor['dtype'];
}

/**
 * Writes a safetensors file (tensors sorted by name, header padded to 8 bytes as the reference
 * writer does). Writes to a temporary file and renames, so a crash never leaves half a checkpoint.
 */
export function writeSafetensors(file: string, tensors: Record<string, WritableTensor> | Map<string, WritableTensor>, metadata: Record<string, string> = { format: 'pt' }): void {
  const list = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const plan: { bytes: Uint8Array }[] = [];
  for (const [name, t] of list) {
    const n = numel(t.shape);
    if (t.values.length !== n) throw new SafetensorsError(file, `has ${t.values.length} values for shape [${t.shape.join(', ')}]`, name);
    // A HostTensor (dtype float32/int32) writes as F32/I64, the layout torch uses.
    const dtype = t.dtype === 'float32' ? 'F32' : t.dtype === 'int32' ? 'I64' : (t.dtype ?? (t.values instanceof Float32Array ? 'F32' : 'I64'));
    if (!['F32', 'F16', 'BF16', 'I64', 'I32'].includes(dtype)) throw new SafetensorsError(file, `cannot write dtype ${String(dtype)}`, name);
    let bytes: Uint8Array;
    if (dtype === 'I64') {
      const wide = new BigInt64Array(n);
      for (let i = 0; i < n; i++) wide[i] = BigInt(Math.trunc(t.values[i]!));
      bytes = new Uint8Array(wide.buffer);
    } else if (dtype === 'F16' || dtype === 'BF16') {
      const f = t.values instanceof Float32Array ? t.values : Float32Array.from(t.values);
      const half = dtype === 'F16' ? narrowF16(f) : narrowBF16(f);
      bytes = new Uint8Array(half.buffer);
    } else if (dtype === 'F32') {
      const f = t.values instanceof Float32Array ? t.values : Float32Array.from(t.values);
      bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    } else {
      const iv = t.values instanceof Int32Array ? t.values : Int32Array.from(t.values);
      bytes = new Uint8Array(iv.buffer, iv.byteOffset, iv.byteLength);
    }
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    plan.push({ bytes });
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  // write(2) may write less than asked when the disk fills, with the error only on the next call:
  // every buffer is written to its end, and a failure removes the temporary file (issue 10).
  const writeAll = (fd: number, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.byteLength; ) at += fs.writeSync(fd, bytes, at);
  };
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, len);
      writeAll(fd, headerBytes);
      for (const { bytes } of plan) writeAll(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (err instanceof Error && (err as NodeJS.ErrnoException).path === undefined) (err as NodeJS.ErrnoException).path = file;
    throw err;
  }
}
