// A Stable Diffusion pipeline's tokenizer/ folder holds CLIP's slow-tokenizer files (vocab.json,
// merges.txt, tokenizer_config.json), not tokenizer.json: the tokenizer built from them gives the
// ids the equivalent tokenizer.json gives (CLIPConverter's layout), pads to the window with the
// config's pad token, and names a broken file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelTokenizer } from '../../../../main/engine/tokenizers/index.js';
import { clipTokenizerFromVocab, pipelineTokenizer } from '../../../../main/engine/tokenizers/clip-vocab.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-clipvocab-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
const vocab: Record<string, number> = {};
letters.forEach((c, i) => {
  vocab[c] = i;
  vocab[`${c}</w>`] = 26 + i;
});
const merges = ['r e', 're d</w>', 'm a', 'ma k', 'mak e</w>', 'i t</w>'];
for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
vocab['<|startoftext|>'] = 98;
vocab['<|endoftext|>'] = 99;
const config = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: '<|endoftext|>', model_max_length: 8 };
const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tokenizerJson = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [added(98, '<|startoftext|>'), added(99, '<|endoftext|>')],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
  pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
  ] },
  post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 99], cls: ['<|startoftext|>', 98], trim_offsets: false, add_prefix_space: false },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, vocab, merges },
};

describe('CLIP tokenizer from vocab.json + merges.txt', () => {
  it('gives the ids of the equivalent tokenizer.json, padded with the pad token to the window', () => {
    const slow = path.join(tmp, 'slow');
    fs.mkdirSync(slow);
    fs.writeFileSync(path.join(slow, 'vocab.json'), JSON.stringify(vocab));
    fs.writeFileSync(path.join(slow, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
    fs.writeFileSync(path.join(slow, 'tokenizer_config.json'), JSON.stringify(config));
    const fast = path.join(tmp, 'fast');
    fs.mkdirSync(fast);
    fs.writeFileSync(path.join(fast, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    fs.writeFileSync(path.join(fast, 'tokenizer_config.json'), JSON.stringify(config));
    const a = pipelineTokenizer(slow);
    const b = ModelTokenizer.fromDir(fast);
    for (const text of ['Make it  RED', 'make it red!', '', 'a very long instruction that is cut']) expect(a.encode(text), text).toEqual(b.encode(text));
    expect(a.encode('make it red').ids).toEqual([98, Object.keys(vocab).indexOf('make</w>'), Object.keys(vocab).indexOf('it</w>'), Object.keys(vocab).indexOf('red</w>'), 99]);
    const batch = a.encodeBatch(['make it red', ''], 'max_length');
    expect(batch.shape).toEqual([2, 8]);
    expect(Array.from(batch.inputIds.slice(8))).toEqual([98, 99, 99, 99, 99, 99, 99, 99]);
  });

  it('names a missing or broken file', () => {
    const dir = path.join(tmp, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{"a": "zero"}');
    fs.writeFileSync(path.join(dir, 'merges.txt'), '');
    expect(() => clipTokenizerFromVocab(dir)).toThrow(/vocab\.json: not a token → id map/);
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{"a": 0}');
    expect(() => clipTokenizerFromVocab(dir)).toThrow(/vocab\.json: no id for the special token <\|startoftext\|>/);
    fs.rmSync(path.join(dir, 'merges.txt'));
    expect(() => clipTokenizerFromVocab(dir)).toThrow(/merges\.txt: not found/);
  });
});
