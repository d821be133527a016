// A model's parameters by their Hugging Face state-dict names, as tfjs variables, so a checkpoint
// loads and saves without renaming and the layers get their LinearParams etc. by prefix.
import * as tf from '@tensorflow/tfjs';
import { writeSafetensors, type WritableTensor } from '../io/safetensors.js';
import type { LayerNormParams, LinearParams } from '../layers/index.js';

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  /** Transposed 2-D weights for frozen inference (prepareInference). */
  private readonly transposed = new Map<string, tf.Tensor>();

  constructor(private readonly owner = 'model') {}

  /** Adds (or replaces) a parameter; takes ownership of `value` (it is disposed, the variable keeps its data). */
  set(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    this.vars.get(name)?.dispose();
    this.transposed.get(name)?.dispose();
    this.transposed.delete(name);
    // Unnamed: tfjs variable names are global, and two loaded copies of a model must coexist.
    const v = tf.variable(value, trainable);
    value.dispose();
    this.vars.set(name, v);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`${this.owner}: no parameter "${name}"`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  get size(): number {
    return this.vars.size;
  }

  /** `${prefix}.weight` and, when present, `${prefix}.bias` (and the prepared transpose, see prepareInference). */
  linear(prefix: string): LinearParams {
    const bias = `${prefix}.bias`;
    return { weight: this.get(`${prefix}.weight`), bias: this.vars.get(bias), weightT: this.transposed.get(`${prefix}.weight`) };
  }

  /**
   * For a frozen model used only for inference (the metric backbones): keeps a transposed copy of
   * every 2-D `*.weight` so linear() skips its per-call transpose. Costs the memory of those weights
   * once more; undone by setTrainable(true) and dispose(). Refuses a model with trainable parameters
   * (no gradient would reach the weights through the copies).
   */
  prepareInference(): void {
    const trainable = [...this.vars.entries()].filter(([, v]) => v.trainable).map(([n]) => n);
    if (trainable.length) throw new Error(`${this.owner}: prepareInference on a model with trainable parameters (${trainable.slice(0, 3).join(', ')}${trainable.length > 3 ? ', …' : ''})`);
    // Embedding tables (CLIP's token_embedding: 101 MB) are gathered from, never multiplied by.
    for (const [n, v] of this.vars) if (v.rank === 2 && n.endsWith('.weight') && !/embedding/.test(n) && !this.transposed.has(n)) this.transposed.set(n, tf.transpose(v));
  }

  private dropPrepared(): void {
    for (const t of this.transposed.values()) t.dispose();
    this.transposed.clear();
  }

  layerNorm(prefix: string): LayerNormParams {
    return { weight: this.get(`${prefix}.weight`), bias: this.get(`${prefix}.bias`) };
  }

  /** Variables whose names start with one of the prefixes (all when none given), e.g. for an optimizer. */
  variables(prefixes?: readonly string[]): tf.Variable[] {
    return [...this.vars.entries()].filter(([n]) => !prefixes || prefixes.some((p) => n.startsWith(p))).map(([, v]) => v);
  }

  /** Marks parameters trainable or frozen by name prefix (all when none given). */
  setTrainable(trainable: boolean, prefixes?: readonly string[]): void {
    if (trainable) this.dropPrepared();
    for (const [n, v] of this.vars) if (!prefixes || prefixes.some((p) => n.startsWith(p))) v.trainable = trainable;
  }

  numParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Saves every parameter as F32 under its state-dict name (loadable by fromPretrained and transformers). */
  async save(file: string, metadata: Record<string, string> = { format: 'pt' }): Promise<void> {
    const out = new Map<string, WritableTensor>();
    for (const [n, v] of this.vars) out.set(n, { shape: v.shape, values: (await v.data()) as Float32Array, dtype: 'F32' });
    writeSafetensors(file, out, metadata);
  }

  dispose(): void {
    this.dropPrepared();
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
