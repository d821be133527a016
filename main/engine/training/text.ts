// Texts to padded id/mask batches for the trainers. A model folder's tokenizer.json is read with
// @huggingface/tokenizers; texts longer than the reader's window (CLIP 77, BLIP 512 tokens) are
// truncated keeping the closing special token, and the count of truncated texts is reported,
// never silent (DESIGN.md §1).
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as tf from '@tensorflow/tfjs';

export interface EncodedTexts {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** How many of the texts were longer than the window and cut. */
  truncated: number;
}

export interface TextBatchEncoder {
  readonly padId: number;
  encode(texts: readonly string[], maxLength: number): EncodedTexts;
  /** Token ids of one text before truncation (for length checks and reports). */
  ids(text: string): number[];
}

export class FolderTokenizer implements TextBatchEncoder {
  private readonly tokenizer: Tokenizer;
  private readonly cache = new Map<string, number[]>();

  constructor(
    readonly dir: string,
    readonly padId: number,
  ) {
    const jsonFile = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(jsonFile)) throw new Error(`${dir}: no tokenizer.json (the trainers read the model folder's own tokenizer)`);
    const configFile = path.join(dir, 'tokenizer_config.json');
    const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as object;
    const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as object) : {};
    this.tokenizer = new Tokenizer(json, config);
  }

  ids(text: string): number[] {
    const cached = this.cache.get(text);
    if (cached) return cached;
    const ids = this.tokenizer.encode(text).ids;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(text, ids);
    return ids;
  }

  encode(texts: readonly string[], maxLength: number): EncodedTexts {
    let truncated = 0;
    const rows = texts.map((t) => {
      const ids = this.ids(t);
      if (ids.length <= maxLength) return ids;
      truncated++;
      // Keep the first maxLength − 1 ids and the closing special token ([SEP] / <|endoftext|>).
      return [...ids.slice(0, maxLength - 1), ids[ids.length - 1]!];
    });
    const width = Math.max(1, ...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * width).fill(this.padId);
    const mask = new Int32Array(rows.length * width);
    rows.forEach((r, i) => {
      ids.set(r, i * width);
      mask.fill(1, i * width, i * width + r.length);
    });
    return {
      inputIds: tf.tensor2d(ids, [rows.length, width], 'int32'),
      attentionMask: tf.tensor2d(mask, [rows.length, width], 'int32'),
      truncated,
    };
  }
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
