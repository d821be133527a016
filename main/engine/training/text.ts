// Texts to padded id/mask tensors for the trainers, through the engine's tokenizers (texts longer
// than the reader's window — CLIP 77, BLIP 512 tokens — are cut keeping the special tokens, and
// counted: never silent, DESIGN.md §1). Also the tiny presets' word tokenizer.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelTokenizer } from '../tokenizers/index.js';

/** Padded token ids and attention mask [n, width], row-major, as plain arrays (they cross to tensor workers). */
export interface EncodedTexts {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  shape: [number, number];
  /** How many of the texts were longer than the window and cut. */
  truncated: number;
}

export interface TextBatchEncoder {
  encode(texts: readonly string[]): EncodedTexts;
}

/** The model folder's tokenizer with the trainer's window (≤ the model's max_position_embeddings). */
export function folderTextEncoder(dir: string, maxLength: number, padId: number): TextBatchEncoder {
  const tokenizer = ModelTokenizer.fromDir(dir, { maxLength, padId });
  return {
    encode(texts) {
      const b = tokenizer.encodeBatch(texts);
      return { inputIds: b.inputIds, attentionMask: b.attentionMask, shape: [b.shape[0], b.shape[1]], truncated: b.truncated.length };
    },
  };
}

/** The id and mask tensors of encoded texts (int32 [n, width]). */
export function textTensors(e: { inputIds: Int32Array; attentionMask: Int32Array; shape: readonly [number, number] | readonly number[] }): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const shape: [number, number] = [e.shape[0]!, e.shape[1]!];
  return { ids: tf.tensor2d(e.inputIds, shape, 'int32'), mask: tf.tensor2d(e.attentionMask, shape, 'int32') };
}

/** The words of a text as BERT's pre-tokenizer splits them (lower-cased): runs of letters/digits, single punctuation. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

/**
 * A word-level WordPiece tokenizer (BERT layout: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, then the
 * words) over the vocabulary of `texts`, for the tiny presets that train from scratch: written as
 * tokenizer.json + tokenizer_config.json, so the tiny checkpoints are complete model folders.
 */
export function writeWordTokenizer(dir: string, texts: Iterable<string>, maxLength: number): { vocabSize: number } {
  const words = new Set<string>();
  for (const t of texts) for (const w of wordsOf(t)) words.add(w);
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((s, i) => (vocab[s] = i));
  for (const w of [...words].sort()) vocab[w] = Object.keys(vocab).length;
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    `${JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: maxLength, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]' }, null, 2)}\n`,
  );
  return { vocabSize: Object.keys(vocab).length };
}

/** Copies the tokenizer and preprocessor files of a model folder into a checkpoint folder. */
export function copyModelSideFiles(fromDir: string, toDir: string): void {
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'preprocessor_config.json']) {
    const src = path.join(fromDir, f);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(toDir, f));
  }
}
