// The parity runner: finds every case manifest (README.json with inputs and outputs) under any
// folder, runs the cases whose family has a runner, and compares each output tensor with the
// reference: max absolute error, max error relative to the reference's largest magnitude, and a
// pass when every element is within tol + tol·|ref| (fixtures/README.md suggests 1e-4 for float32).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../io/safetensors.js';
import { parityRunner, type Criterion } from './runners.js';

export interface TensorComparison {
  tensor: string;
  shape: number[];
  maxAbs: number;
  /** max |got − ref| / max |ref| */
  maxRel: number;
  tolerance: number;
  pass: boolean;
  problem?: string;
}

export interface CaseResult {
  /** the case folder */
  dir: string;
  family: string;
  case: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  reason?: string;
  tensors: TensorComparison[];
  seconds: number;
}

interface Manifest {
  family?: unknown;
  case?: unknown;
  inputs?: { file?: unknown; tensors?: unknown };
  outputs?: { file?: unknown; tensors?: { name: string; shape: number[] }[] };
  /** scheduler cases: one file holds the recorded sequence, inputs and expected values together */
  data?: { file?: unknown; tensors?: { name: string; shape: number[] }[] };
}

/** Every README.json below `root` (or `root` itself) that describes one case. */
export function findCases(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new Error(`${dir}: cannot read folder: ${(err as Error).message}`);
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name === 'README.json' && isCaseManifest(p)) found.push(path.dirname(p));
    }
  };
  if (!fs.existsSync(root)) throw new Error(`${root}: no such folder`);
  visit(root);
  return found;
}

function readManifest(file: string): Manifest {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
}

function isCaseManifest(file: string): boolean {
  const m = readManifest(file);
  return typeof m.family === 'string' && (m.outputs !== undefined || 'scheduler_class' in m);
}

export function compareTensor(
  name: string,
  got: Float32Array | Int32Array,
  gotShape: number[],
  ref: Float32Array | Int32Array,
  refShape: number[],
  tolerance: number,
  criterion: Criterion = 'elementwise',
): TensorComparison {
  const base = { tensor: name, shape: refShape, tolerance };
  if (gotShape.length !== refShape.length || gotShape.some((d, i) => d !== refShape[i])) {
    return { ...base, maxAbs: Infinity, maxRel: Infinity, pass: false, problem: `shape [${gotShape.join(', ')}], expected [${refShape.join(', ')}]` };
  }
  let maxAbs = 0;
  let refMax = 0;
  let pass = true;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    const r = Math.abs(ref[i]!);
    if (!(d <= tolerance + tolerance * r)) pass = false; // NaN fails too
    if (!(d <= maxAbs)) maxAbs = d;
    if (r > refMax) refMax = r;
  }
  const maxRel = refMax > 0 ? maxAbs / refMax : maxAbs;
  if (criterion === 'tensor-max') pass = maxRel <= tolerance; // NaN fails
  if (criterion === 'abs-or-tensor-max') pass = maxAbs <= tolerance || maxRel <= tolerance;
  return { ...base, maxAbs, maxRel, pass };
}

export interface ParityOptions {
  /** Override every family's default tolerance. */
  tolerance?: number;
}

export async function runCase(dir: string, options: ParityOptions = {}): Promise<CaseResult> {
  const started = performance.now();
  const manifestFile = path.join(dir, 'README.json');
  const m = readManifest(manifestFile);
  const family = String(m.family);
  const result: CaseResult = { dir, family, case: typeof m.case === 'string' ? m.case : path.basename(dir), status: 'skipped', tensors: [], seconds: 0 };
  const entry = parityRunner(family);
  if (!entry) {
    result.reason = `no parity runner for family "${family}"`;
    return result;
  }
  const tolerance = options.tolerance ?? entry.tolerance;
  try {
    const inputsOnly = new Set(entry.inputsOnly ?? []);
    const specs = (m.outputs?.tensors ?? m.data?.tensors)?.filter((t) => !inputsOnly.has(t.name));
    if (!Array.isArray(specs)) throw new Error(`${manifestFile}: outputs.tensors is missing`);
    const inputs = readSafetensors(path.join(dir, path.basename(String(m.inputs?.file ?? m.data?.file ?? 'inputs.safetensors'))));
    const expected = readSafetensors(path.join(dir, path.basename(String(m.outputs?.file ?? m.data?.file ?? 'outputs.safetensors'))));
    const outputs = await entry.run(dir, inputs);
    try {
      for (const spec of specs) {
        const ref = expected.get(spec.name);
        const got = outputs.get(spec.name);
        if (!ref) result.tensors.push({ tensor: spec.name, shape: spec.shape, maxAbs: NaN, maxRel: NaN, tolerance, pass: false, problem: 'not in outputs.safetensors' });
        else if (!got) result.tensors.push({ tensor: spec.name, shape: spec.shape, maxAbs: NaN, maxRel: NaN, tolerance, pass: false, problem: 'not computed by the runner' });
        else {
          const tol = options.tolerance ?? entry.tensorTolerance?.(spec.name) ?? tolerance;
          result.tensors.push(compareTensor(spec.name, (await got.data()) as Float32Array, got.shape, ref.values, ref.shape, tol, entry.tensorCriterion?.(spec.name) ?? entry.criterion));
        }
      }
    } finally {
      tf.dispose([...outputs.values()]);
    }
    result.status = result.tensors.every((t) => t.pass) ? 'pass' : 'fail';
  } catch (err) {
    result.status = 'error';
    result.reason = err instanceof Error ? err.message : String(err);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Runs every case found under each folder. */
export async function runParity(dirs: readonly string[], options: ParityOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const d of dirs) for (const c of findCases(path.resolve(d))) results.push(await runCase(c, options));
  return results;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** The table `ric model parity` prints. */
export function formatParityTable(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.family}/${r.case}  ${r.status.toUpperCase()}${r.reason ? `  (${r.reason})` : ''}  ${r.dir}  ${r.seconds.toFixed(1)} s`);
    if (!r.tensors.length) continue;
    const w = Math.max(6, ...r.tensors.map((t) => t.tensor.length));
    lines.push(`  ${'tensor'.padEnd(w)}  ${'max abs err'.padStart(11)}  ${'max rel err'.padStart(11)}  ${'tolerance'.padStart(9)}  result`);
    for (const t of r.tensors) {
      lines.push(`  ${t.tensor.padEnd(w)}  ${fmt(t.maxAbs).padStart(11)}  ${fmt(t.maxRel).padStart(11)}  ${fmt(t.tolerance).padStart(9)}  ${t.pass ? 'pass' : 'FAIL'}${t.problem ? ` (${t.problem})` : ''}`);
    }
  }
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  lines.push(`${results.length} cases: ${count('pass')} passed, ${count('fail')} failed, ${count('error')} errors, ${count('skipped')} skipped`);
  return lines.join('\n');
}
