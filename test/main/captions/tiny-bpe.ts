// A tiny CLIP-style tokenizer.json: lowercase, CLIP's split regex + byte-level, BPE with the
// `</w>` end-of-word suffix, <|startoftext|> text <|endoftext|> — the shape of openai/clip-*.
import fs from 'node:fs';
import path from 'node:path';

export function writeTinyClipBpe(folder: string, modelMaxLength: number, words: readonly string[]): string {
  fs.mkdirSync(folder, { recursive: true });
  const vocab: Record<string, number> = { '<|startoftext|>': 0, '<|endoftext|>': 1 };
  const add = (t: string) => (vocab[t] ??= Object.keys(vocab).length);
  for (const c of 'abcdefghijklmnopqrstuvwxyz,.!') (add(c), add(`${c}</w>`));
  const merges: string[] = [];
  for (const w of words) {
    let pieces = [...w].map((c, i) => (i === w.length - 1 ? `${c}</w>` : c));
    while (pieces.length > 1) {
      const merged = pieces[0]! + pieces[1]!;
      if (!merges.includes(`${pieces[0]} ${pieces[1]}`)) merges.push(`${pieces[0]} ${pieces[1]}`);
      add(merged);
      pieces = [merged, ...pieces.slice(2)];
    }
  }
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<|startoftext|>'), special(1, '<|endoftext|>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 1], cls: ['<|startoftext|>', 0], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify({ model_max_length: modelMaxLength, do_lower_case: true }));
  return folder;
}
