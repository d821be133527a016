// A tiny InstructPix2Pix pipeline folder for tests, the e2e suite and the bench, built from the
// parity fixture ../shared/fixtures/parity/ip2p_pipeline/a (a seeded diffusers pipeline: unet/ with
// 8 input channels, vae/, text_encoder/ — 32-wide, 2 blocks, 64 px images). The fixture passes token
// ids instead of a tokenizer, so this adds what a real folder has and the fixture lacks:
// - tokenizer/: a word-level WordPiece tokenizer.json (the BERT layout of the tiny training presets'
//   word tokenizer, main/engine/training/text.ts: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, then words),
//   window 16 = the text encoder's max_position_embeddings, vocabulary well under its 1000 ids;
// - scheduler/: the fixture's Euler config named EulerAncestralDiscreteScheduler, as model_index.json
//   (and InstructPix2Pix's own folder) lists it.
// Usage: node test/helpers/tiny-pipeline.mjs OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = () => process.env.RIC_SHARED_DIR ?? path.resolve(root, '../shared');
export const fixtureDir = () => path.join(sharedDir(), 'fixtures/parity/ip2p_pipeline/a');

const WORDS = `a an the and to of in on at make turn change add remove move put replace it them bigger smaller larger
red green blue yellow purple orange black white grey gray pink brown cyan magenta colour color
circle square triangle star shape shapes ellipse rectangle box
left right top bottom middle centre center corner upper lower side background
cat dog car house tree sky sun water snow hat`.split(/\s+/);

export function makeTinyPipeline(out, { parts = ['unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'] } = {}) {
  const src = fixtureDir();
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(path.join(src, 'model_index.json'), path.join(out, 'model_index.json'));
  for (const part of ['unet', 'vae', 'text_encoder']) {
    if (!parts.includes(part)) continue;
    fs.mkdirSync(path.join(out, part), { recursive: true });
    for (const f of fs.readdirSync(path.join(src, part))) fs.copyFileSync(path.join(src, part, f), path.join(out, part, f));
  }
  if (parts.includes('scheduler')) {
    const cfg = JSON.parse(fs.readFileSync(path.join(src, 'scheduler_euler', 'scheduler_config.json'), 'utf8'));
    cfg._class_name = 'EulerAncestralDiscreteScheduler';
    fs.mkdirSync(path.join(out, 'scheduler'), { recursive: true });
    fs.writeFileSync(path.join(out, 'scheduler', 'scheduler_config.json'), JSON.stringify(cfg, null, 2));
  }
  if (parts.includes('tokenizer')) writeTokenizer(path.join(out, 'tokenizer'), WORDS, 16);
  return out;
}

function writeTokenizer(dir, words, maxLength) {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
  const vocab = {};
  specials.forEach((s, i) => (vocab[s] = i));
  for (const w of [...new Set(words)].sort()) vocab[w] = Object.keys(vocab).length;
  const special = (id) => ({ SpecialToken: { id, type_id: 0 } });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
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
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node test/helpers/tiny-pipeline.mjs OUT_DIR');
  console.log(makeTinyPipeline(out));
}
