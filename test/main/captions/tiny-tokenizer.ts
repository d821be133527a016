// A tiny BERT-style WordPiece tokenizer.json (lowercasing, [CLS] text [SEP]) written into a model
// folder, so the token budget runs the real @huggingface/tokenizers code on a known vocabulary.
import fs from 'node:fs';
import path from 'node:path';

const WORDS = ['a', 'red', 'blue', 'green', 'circle', 'square', 'triangle', 'on', 'grey', 'background', 'the', 'large', 'small', 'at', 'top', 'left', 'and', '.', ','];

export function writeTinyTokenizer(folder: string, modelMaxLength: number | null, configMaxPositions?: number): string {
  fs.mkdirSync(folder, { recursive: true });
  const special = ['[UNK]', '[CLS]', '[SEP]'];
  const vocab: Record<string, number> = {};
  [...special, ...WORDS, '##s', '##ish'].forEach((w, i) => (vocab[w] = i));
  const added = special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify(modelMaxLength === null ? { do_lower_case: true } : { model_max_length: modelMaxLength, do_lower_case: true }));
  if (configMaxPositions !== undefined) fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ text_config: { max_position_embeddings: configMaxPositions } }));
  return folder;
}
