// Tokenizers from a model folder's tokenizer.json (@huggingface/tokenizers: CLIP's byte-level BPE,
// BERT's WordPiece for BLIP). The library does not truncate; we do it as the Rust tokenizers do —
// the text's tokens are cut, the template's special tokens ([CLS]…[SEP], <|startoftext|>…
// <|endoftext|>) are kept — and every cut is reported with how many tokens the text had
// (DESIGN.md §1: CLIP reads 77 positions, BLIP 512; the review screens show truncation).
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

export interface EncodedText {
  ids: number[];
  /** Tokens (with special tokens) before truncation. */
  length: number;
  truncated: boolean;
}

export interface TokenizedBatch {
  /** Row-major [batch, width] ids, padded with padId. */
  inputIds: Int32Array;
  /** 1 for tokens, 0 for padding. */
  attentionMask: Int32Array;
  shape: [number, number];
  /** Texts that were longer than the window: index, their full token count, the window. */
  truncated: { index: number; length: number; window: number }[];
}

export interface TokenizerOptions {
  /** The model's window; default: tokenizer.json truncation, tokenizer_config model_max_length, config.json max_position_embeddings. */
  maxLength?: number;
  /** Padding id; default: tokenizer.json padding, tokenizer_config pad_token, config.json pad_token_id, else 0. */
  padId?: number;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sane = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1_000_000 ? v : undefined);

function readJson(file: string, required: boolean): Json | undefined {
  if (!fs.existsSync(file)) {
    if (required) throw new Error(`${file}: not found`);
    return undefined;
  }
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!isRecord(v)) throw new Error('not a JSON object');
    return v;
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
}

export class ModelTokenizer {
  private readonly prefix: number[];
  private readonly suffix: number[];

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    readonly padId: number,
    readonly source = 'tokenizer',
  ) {
    // The special tokens the post-processor puts around a text: encode a probe with and without them.
    const probe = 'a';
    const full: number[] = tokenizer.encode(probe).ids;
    const bare: number[] = tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const at = full.findIndex((_, i) => bare.every((id, j) => full[i + j] === id));
    this.prefix = at >= 0 ? full.slice(0, at) : [];
    this.suffix = at >= 0 ? full.slice(at + bare.length) : [];
    if (maxLength <= this.prefix.length + this.suffix.length) throw new Error(`${source}: window ${maxLength} leaves no room for text after the special tokens`);
  }

  /** Reads DIR/tokenizer.json (+ tokenizer_config.json, config.json for the window and padding). */
  static fromDir(dir: string, options: TokenizerOptions = {}): ModelTokenizer {
    const file = path.join(dir, 'tokenizer.json');
    const json = readJson(file, true)!;
    const tokConfig = readJson(path.join(dir, 'tokenizer_config.json'), false) ?? {};
    const modelConfig = readJson(path.join(dir, 'config.json'), false) ?? {};
    const textConfig = isRecord(modelConfig.text_config) ? modelConfig.text_config : modelConfig;
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, tokConfig);
    } catch (err) {
      throw new Error(`${file}: cannot build the tokenizer: ${(err as Error).message}`);
    }
    const truncation = isRecord(json.truncation) ? json.truncation : {};
    const maxLength = options.maxLength ?? sane(truncation.max_length) ?? sane(tokConfig.model_max_length) ?? sane(textConfig.max_position_embeddings);
    if (!maxLength) throw new Error(`${dir}: the model's window is not known (no model_max_length in tokenizer_config.json, no max_position_embeddings in config.json): pass maxLength`);
    const padding = isRecord(json.padding) ? json.padding : {};
    const padToken = typeof tokConfig.pad_token === 'string' ? tokConfig.pad_token : isRecord(tokConfig.pad_token) ? String(tokConfig.pad_token.content) : undefined;
    const padId =
      options.padId ??
      (typeof padding.pad_id === 'number' ? padding.pad_id : undefined) ??
      (padToken !== undefined ? tokenizer.token_to_id(padToken) : undefined) ??
      (typeof textConfig.pad_token_id === 'number' ? textConfig.pad_token_id : undefined) ??
      0;
    return new ModelTokenizer(tokenizer, maxLength, padId, file);
  }

  /** One text: the model's ids, cut to the window keeping the special tokens. */
  encode(text: string): EncodedText {
    const content = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const length = content.length + this.prefix.length + this.suffix.length;
    const room = this.maxLength - this.prefix.length - this.suffix.length;
    const truncated = content.length > room;
    return { ids: [...this.prefix, ...(truncated ? content.slice(0, room) : content), ...this.suffix], length, truncated };
  }

  /** Texts as a padded batch ('longest': to the longest row; 'max_length': to the window). */
  encodeBatch(texts: readonly string[], padding: 'longest' | 'max_length' = 'longest'): TokenizedBatch {
    const rows = texts.map((t) => this.encode(t));
    const width = padding === 'max_length' ? this.maxLength : Math.max(1, ...rows.map((r) => r.ids.length));
    const inputIds = new Int32Array(rows.length * width).fill(this.padId);
    const attentionMask = new Int32Array(rows.length * width);
    const truncated: TokenizedBatch['truncated'] = [];
    rows.forEach((r, i) => {
      inputIds.set(r.ids, i * width);
      attentionMask.fill(1, i * width, i * width + r.ids.length);
      if (r.truncated) truncated.push({ index: i, length: r.length, window: this.maxLength });
    });
    return { inputIds, attentionMask, shape: [rows.length, width], truncated };
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}
