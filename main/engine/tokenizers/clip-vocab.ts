// CLIP's tokenizer from a slow-tokenizer folder (vocab.json + merges.txt + tokenizer_config.json), the
// form Stable Diffusion and InstructPix2Pix pipelines ship in tokenizer/: turned into the
// tokenizer.json transformers' CLIPConverter would write (NFC + whitespace + lowercase, the CLIP word
// split, byte-level BPE with "</w>" word ends, <|startoftext|> … <|endoftext|> around each text).
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelTokenizer } from './index.js';

type Json = Record<string, unknown>;
const MAX_BYTES = 64 * 1024 * 1024;

function readText(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${file}: not found`);
  }
  if (stat.size > MAX_BYTES) throw new Error(`${file}: ${stat.size} bytes is too large for a tokenizer file`);
  return fs.readFileSync(file, 'utf8');
}

function tokenName(v: unknown, fallback: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return fallback;
}

export function clipTokenizerFromVocab(dir: string, options: { maxLength?: number } = {}): ModelTokenizer {
  const vocabFile = path.join(dir, 'vocab.json');
  let vocab: unknown;
  try {
    vocab = JSON.parse(readText(vocabFile));
  } catch (err) {
    throw new Error((err as Error).message.startsWith(vocabFile) ? (err as Error).message : `${vocabFile}: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab) || !Object.values(vocab).every((v) => Number.isInteger(v))) {
    throw new Error(`${vocabFile}: not a token → id map`);
  }
  const merges = readText(path.join(dir, 'merges.txt')).split('\n').filter((l, i) => l.trim() && !(i === 0 && l.startsWith('#version')));
  const configFile = path.join(dir, 'tokenizer_config.json');
  let config: Json = {};
  if (fs.existsSync(configFile)) {
    try {
      config = JSON.parse(readText(configFile)) as Json;
    } catch (err) {
      throw new Error(`${configFile}: invalid JSON: ${(err as Error).message}`);
    }
  }
  const ids = vocab as Record<string, number>;
  const bos = tokenName(config.bos_token, '<|startoftext|>');
  const eos = tokenName(config.eos_token, '<|endoftext|>');
  const unk = tokenName(config.unk_token, '<|endoftext|>');
  const pad = tokenName(config.pad_token, eos);
  for (const t of [bos, eos]) if (ids[t] === undefined) throw new Error(`${vocabFile}: no id for the special token ${t}`);
  const special = (content: string) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...new Set([bos, eos, unk, pad])].filter((t) => ids[t] !== undefined).map(special),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [eos, ids[eos]], cls: [bos, ids[bos]], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: unk, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, vocab: ids, merges },
  };
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (err) {
    throw new Error(`${dir}: cannot build the CLIP tokenizer from vocab.json + merges.txt: ${(err as Error).message}`);
  }
  const window = options.maxLength ?? (typeof config.model_max_length === 'number' && config.model_max_length < 1_000_000 ? config.model_max_length : 77);
  return new ModelTokenizer(tokenizer, window, ids[pad] ?? ids[eos]!, vocabFile);
}

/** tokenizer.json when present, else CLIP's vocab.json + merges.txt. */
export function pipelineTokenizer(dir: string, options: { maxLength?: number } = {}): ModelTokenizer {
  if (fs.existsSync(path.join(dir, 'tokenizer.json'))) return ModelTokenizer.fromDir(dir, options);
  return clipTokenizerFromVocab(dir, options);
}
