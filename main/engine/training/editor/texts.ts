// The frozen text side of a step: the instruction's text-encoder states (the empty prompt's where
// conditioning dropout drops the text, as InstructPix2Pix trains), and the targets of the region and
// global losses — CLIP's text features of t_r and BLIP's normalised ITC features of t_f — cached by
// text (they never change: the towers are frozen), so each description is encoded once per run.
import * as tf from '@tensorflow/tfjs';
import { textTensors } from '../text.js';
import type { EditorPair, SampleDraw } from './data.js';
import type { EditorModels } from './models.js';

export interface TextInputs {
  /** [n, L, D] (caller disposes) */
  textStates: tf.Tensor;
  /** [n, P] / [n, D], owned by the cache's batch (caller disposes) */
  regionText: tf.Tensor2D | null;
  sceneText: tf.Tensor2D | null;
}

export class TextFeatureCache {
  private readonly region = new Map<string, Float32Array>();
  private readonly scene = new Map<string, Float32Array>();
  private nullStates: tf.Tensor | null = null;

  constructor(private readonly models: EditorModels) {}

  /** text_encoder(tokenizer(texts, padding="max_length")).last_hidden_state, no attention mask (as diffusers' IP2P training). */
  encodeInstructions(texts: readonly string[]): tf.Tensor {
    const b = this.models.tokenizer.encodeBatch(texts, 'max_length');
    return tf.tidy(() => this.models.textEncoder.encode(tf.tensor2d(b.inputIds, b.shape, 'int32')).lastHiddenState);
  }

  private async features(cache: Map<string, Float32Array>, texts: readonly string[], encode: (ids: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor, tokenize: (t: readonly string[]) => { inputIds: Int32Array; attentionMask: Int32Array; shape: [number, number] }): Promise<tf.Tensor2D> {
    const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
    if (missing.length) {
      const { ids, mask } = textTensors(tokenize(missing));
      const f = tf.tidy(() => encode(ids, mask));
      const values = (await f.data()) as Float32Array;
      const d = f.shape[1]!;
      missing.forEach((t, i) => cache.set(t, values.slice(i * d, (i + 1) * d)));
      tf.dispose([ids, mask, f]);
    }
    const d = cache.get(texts[0]!)!.length;
    const out = new Float32Array(texts.length * d);
    texts.forEach((t, i) => out.set(cache.get(t)!, i * d));
    return tf.tensor2d(out, [texts.length, d]);
  }

  async batchInputs(pairs: readonly EditorPair[], draws: readonly Pick<SampleDraw, 'dropText'>[]): Promise<TextInputs> {
    const m = this.models;
    if (!this.nullStates) this.nullStates = this.encodeInstructions(['']);
    const states = this.encodeInstructions(pairs.map((p) => p.instruction));
    const nullStates = this.nullStates;
    const textStates = draws.some((d) => d.dropText)
      ? tf.tidy(() => {
          const n = pairs.length;
          const keep = tf.tensor3d(Float32Array.from(draws.map((d) => (d.dropText ? 0 : 1))), [n, 1, 1]);
          // states·keep + null·(1 − keep): the dropped rows become the empty prompt's states exactly.
          return tf.add(tf.mul(states, keep), tf.mul(tf.tile(nullStates, [n, 1, 1]), tf.sub(1, keep)));
        })
      : tf.clone(states);
    states.dispose();
    const rc = m.towers.regionClip;
    const blip = m.towers.blip;
    const regionText = rc && m.regionTexts ? await this.features(this.region, pairs.map((p) => p.regionText), (ids, mask) => rc.textEmbedding(ids, mask), (t) => m.regionTexts!.encode(t)) : null;
    const sceneText = blip && m.sceneTexts ? await this.features(this.scene, pairs.map((p) => p.sceneText), (ids, mask) => blip.textFeatures(ids, mask), (t) => m.sceneTexts!.encode(t)) : null;
    return { textStates, regionText, sceneText };
  }

  dispose(): void {
    this.nullStates?.dispose();
    this.nullStates = null;
  }
}
