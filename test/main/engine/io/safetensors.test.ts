import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsFile, readSafetensors, writeSafetensors } from '../../../../main/engine/io/safetensors.js';
import { FIXTURES } from '../shared-dir.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-st-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A file written byte by byte, independent of our writer. */
function handWritten(file: string, header: object, data: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
}

describe('safetensors', () => {
  it('reads the CLIP fixture: every name and shape of the manifest, I64 inputs as int32', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'parity/clip/case_a/README.json'), 'utf8')) as {
      weights: { params: [string, number[], string][] };
    };
    const f = SafetensorsFile.open(path.join(FIXTURES, 'parity/clip/case_a/model.safetensors'));
    expect(f.names().sort()).toEqual(manifest.weights.params.map(([n]) => n).sort());
    for (const [name, shape] of manifest.weights.params) expect(f.entry(name).shape).toEqual(shape);
    const ls = f.read('logit_scale');
    expect(ls.shape).toEqual([]);
    expect(ls.values[0]).toBeCloseTo(2.6592, 5);
    f.close();
    const inputs = readSafetensors(path.join(FIXTURES, 'parity/clip/case_a/inputs.safetensors'));
    const ids = inputs.get('input_ids')!;
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([2, 12]);
    expect(ids.values[0]).toBe(998);
  });

  it('widens F16 and BF16 to F32 exactly and narrows I64', () => {
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x0000]); // 1, -2, 0.33325, 2^-24, inf, 0
    const bf16 = new Uint16Array([0x3f80, 0xc040, 0x3eab]); // 1, -3, 0.333984375
    const i64 = new BigInt64Array([5n, -7n]);
    const data = Buffer.concat([Buffer.from(f16.buffer), Buffer.from(bf16.buffer), Buffer.from(i64.buffer)]);
    const file = path.join(tmp, 'mixed.safetensors');
    handWritten(file, {
      h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
      i: { dtype: 'I64', shape: [2], data_offsets: [18, 34] },
    }, data);
    const t = readSafetensors(file);
    expect(Array.from(t.get('h')!.values)).toEqual([1, -2, 0.333251953125, 2 ** -24, Infinity, 0]);
    expect(t.get('h')!.dtype).toBe('float32');
    expect(Array.from(t.get('b')!.values)).toEqual([1, -3, 0.333984375]);
    expect(Array.from(t.get('i')!.values)).toEqual([5, -7]);
  });

  it('writes what it reads back (F32 and I64), sorted, 8-byte aligned header', () => {
    const file = path.join(tmp, 'rt.safetensors');
    writeSafetensors(file, {
      'z.weight': { shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) },
      'a.ids': { shape: [3], values: new Int32Array([1, -2, 3]) },
    });
    const f = SafetensorsFile.open(file);
    expect(f.names()).toEqual(['a.ids', 'z.weight']);
    expect(f.entry('a.ids').dtype).toBe('I64');
    expect(Array.from(f.read('z.weight').values)).toEqual([1, 2, 3, 4]);
    expect(Array.from(f.read('a.ids').values)).toEqual([1, -2, 3]);
    expect(f.metadata).toEqual({ format: 'pt' });
    f.close();
    const headerLen = Number(fs.readFileSync(file).readBigUInt64LE(0));
    expect(headerLen % 8).toBe(0);
  });

  it('narrows to F16 and BF16 with round-to-nearest-even: every half survives the round trip', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const file = path.join(tmp, 'halves.safetensors');
    const src = path.join(tmp, 'halves-src.safetensors');
    handWritten(src, { h: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] } }, new Uint8Array(all.buffer));
    const widened = readSafetensors(src).get('h')!.values as Float32Array;
    writeSafetensors(file, { h: { shape: [65536], values: widened, dtype: 'F16' } });
    const back = new Uint16Array(fs.readFileSync(file).subarray(-131072).buffer.slice(-131072));
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const isNaN16 = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNaN16 && back[i] !== i) mismatches++;
      if (isNaN16 && !Number.isNaN(widened[i])) mismatches++;
    }
    expect(mismatches).toBe(0);
    // ties go to even; overflow to infinity; bfloat16 keeps the exponent range
    const ties = path.join(tmp, 'ties.safetensors');
    writeSafetensors(ties, {
      h: { shape: [4], values: new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 1e-8]), dtype: 'F16' },
      b: { shape: [2], values: new Float32Array([1 + 2 ** -8, 1e30]), dtype: 'BF16' },
    });
    const t = readSafetensors(ties);
    expect(Array.from(t.get('h')!.values)).toEqual([1, 1 + 2 ** -9, Infinity, 0]);
    expect(t.get('b')!.values[0]).toBe(1);
    expect(t.get('b')!.values[1]! / 1e30).toBeCloseTo(1, 2);
  });

  it('names the file and tensor when a file is truncated or corrupt', () => {
    const src = fs.readFileSync(path.join(FIXTURES, 'parity/clip/case_a/model.safetensors'));
    const cut = path.join(tmp, 'cut.safetensors');
    fs.writeFileSync(cut, src.subarray(0, src.length - 100));
    expect(() => SafetensorsFile.open(cut)).toThrow(/cut\.safetensors: tensor "visual_projection\.weight": data ends at byte \d+ but the file has \d+ bytes \(truncated/);
    fs.writeFileSync(cut, src.subarray(0, 20));
    expect(() => SafetensorsFile.open(cut)).toThrow(/cut\.safetensors: header length \d+ exceeds the file/);
    const bad = path.join(tmp, 'bad.safetensors');
    handWritten(bad, { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    expect(() => SafetensorsFile.open(bad)).toThrow(/tensor "x": 8 bytes for F32\[3\], which needs 12/);
    handWritten(bad, { x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1));
    expect(() => SafetensorsFile.open(bad)).toThrow(/tensor "x": unknown dtype "F8_E4M3"/);
    expect(() => SafetensorsFile.open(path.join(tmp, 'nope.safetensors'))).toThrow(/nope\.safetensors: cannot open/);
  });
});
