// The tokenizer wrapper on two tokenizer.json files built here in the shapes of the real ones
// (the parity fixtures ship no tokenizer): CLIP's byte-level BPE with </w> word ends and
// RobertaProcessing, BERT's WordPiece with [CLS] $A [SEP] — truncation keeps the specials and is reported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelTokenizer } from '../../../../main/engine/tokenizers/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-tok-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, tokenizer: object, extra: Record<string, object> = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  for (const [f, v] of Object.entries(extra)) fs.writeFileSync(path.join(dir, f), JSON.stringify(v));
  return dir;
}

const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

// CLIP: lower-cased, split into words, byte-level, BPE with '</w>' ending each word.
const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
const clipVocab: Record<string, number> = {};
letters.forEach((c, i) => {
  clipVocab[c] = i;
  clipVocab[`${c}</w>`] = 26 + i;
});
const merges = ['r e', 're d</w>', 'b l', 'bl u', 'blu e</w>', 'c i', 'ci r', 'cir c', 'circ l', 'circl e</w>'];
for (const m of merges) clipVocab[m.replace(' ', '')] = Object.keys(clipVocab).length;
clipVocab['<|startoftext|>'] = 98;
clipVocab['<|endoftext|>'] = 99;
const CLIP_TOKENIZER = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [added(98, '<|startoftext|>'), added(99, '<|endoftext|>')],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 99], cls: ['<|startoftext|>', 98], trim_offsets: false, add_prefix_space: false },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, vocab: clipVocab, merges },
};

const bertVocab = Object.fromEntries(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'red', 'blue', 'circle', 'on', 'the', 'left', '##s', '.'].map((w, i) => [w, i]));
const BERT_TOKENIZER = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [added(0, '[PAD]'), added(1, '[UNK]'), added(2, '[CLS]'), added(3, '[SEP]')],
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: bertVocab },
};

describe('ModelTokenizer', () => {
  it('CLIP BPE: <|startoftext|> words </w> <|endoftext|>, padded with the pad token of tokenizer_config.json', () => {
    const dir = folder('clip', CLIP_TOKENIZER, { 'tokenizer_config.json': { model_max_length: 8, pad_token: '<|endoftext|>' } });
    const tok = ModelTokenizer.fromDir(dir);
    expect(tok.maxLength).toBe(8);
    expect(tok.padId).toBe(99);
    const e = tok.encode('A  Red CIRCLE');
    expect(e.ids).toEqual([98, 0 + 26, clipVocab['red</w>'], clipVocab['circle</w>'], 99]);
    expect(e.truncated).toBe(false);
    expect(tok.decode(e.ids)).toBe('a red circle');
    const batch = tok.encodeBatch(['red', 'blue circle']);
    expect(batch.shape).toEqual([2, 4]);
    expect(Array.from(batch.inputIds)).toEqual([98, clipVocab['red</w>'], 99, 99, 98, clipVocab['blue</w>'], clipVocab['circle</w>'], 99]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('CLIP: a text longer than the window is cut before <|endoftext|> and reported', () => {
    const tok = ModelTokenizer.fromDir(folder('clip-cut', CLIP_TOKENIZER), { maxLength: 5 });
    const e = tok.encode('red blue circle red blue');
    expect(e).toEqual({ ids: [98, clipVocab['red</w>'], clipVocab['blue</w>'], clipVocab['circle</w>'], 99], length: 7, truncated: true });
    const batch = tok.encodeBatch(['red', 'red blue circle red blue'], 'max_length');
    expect(batch.shape).toEqual([2, 5]);
    expect(batch.truncated).toEqual([{ index: 1, length: 7, window: 5 }]);
  });

  it('BERT WordPiece: [CLS] … [SEP], ## continuations, window from config.json, pad 0', () => {
    const dir = folder('bert', BERT_TOKENIZER, { 'config.json': { text_config: { max_position_embeddings: 6, pad_token_id: 0 } } });
    const tok = ModelTokenizer.fromDir(dir);
    expect(tok.maxLength).toBe(6);
    expect(tok.padId).toBe(0);
    expect(tok.encode('Red circles.').ids).toEqual([2, 5, 7, 11, 12, 3]);
    const cut = tok.encode('a red circle on the left');
    expect(cut).toEqual({ ids: [2, 4, 5, 7, 8, 3], length: 8, truncated: true });
    expect(tok.encode('a green circle').ids).toEqual([2, 4, 1, 7, 3]);
  });

  it('names the file when tokenizer.json is missing or broken, and the window when unknown', () => {
    expect(() => ModelTokenizer.fromDir(path.join(tmp, 'nope'))).toThrow(/nope\/tokenizer\.json: not found/);
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'tokenizer.json'), '{');
    expect(() => ModelTokenizer.fromDir(broken)).toThrow(/broken\/tokenizer\.json: invalid JSON/);
    expect(() => ModelTokenizer.fromDir(folder('nowindow', BERT_TOKENIZER))).toThrow(/window is not known/);
  });
});
