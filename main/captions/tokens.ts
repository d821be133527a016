// The token budget of a description, counted by the real tokenizer of the model that will read it
// (DESIGN.md §1: CLIP reads 77 positions, BLIP 512; longer texts are truncated by the tokenizer).
// The window and the count come from the engine's tokenizer (the truncation training applies); the
// token strings for the offsets from the same tokenizer.json. Without a folder there is no count at
// all, never an estimate.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenBudget, TokenReader } from '../../shared/api/captions.js';
import { ModelTokenizer } from '../engine/tokenizers/index.js';

/** The readers' windows, shown while no tokenizer is configured (CLIP ViT-B/16, BLIP base). */
export const DEFAULT_WINDOWS: Record<TokenReader, number> = { clip: 77, blip: 512 };

interface Loaded {
  /** The engine's tokenizer: the window and the truncation training applies (main/engine/tokenizers). */
  model: ModelTokenizer;
  /** The same tokenizer.json, for the token strings the offsets are placed by. */
  raw: Tokenizer;
  window: number;
  specialTokens: number;
  stamp: string;
}

const cache = new Map<string, Loaded>();

function readJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Loads (and caches, until the files change) the tokenizer of a model folder. Throws with a readable reason. */
export function loadTokenizer(folder: string, reader: TokenReader): Loaded {
  const stampOf = (name: string) => {
    try {
      const st = fs.statSync(path.join(folder, name));
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return '-';
    }
  };
  const stamp = ['tokenizer.json', 'tokenizer_config.json', 'config.json'].map(stampOf).join('|');
  const key = `${reader}:${folder}`;
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit;
  // The engine's wrapper decides the window exactly as training will truncate.
  const model = ModelTokenizer.fromDir(folder);
  const file = path.join(folder, 'tokenizer.json');
  let raw: Tokenizer;
  try {
    raw = new Tokenizer(readJson(file) ?? {}, readJson(path.join(folder, 'tokenizer_config.json')) ?? {});
  } catch (err) {
    throw new Error(`${file} could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const specialTokens = model.encode('').ids.length;
  const loaded = { model, raw, window: model.maxLength, specialTokens, stamp };
  cache.set(key, loaded);
  return loaded;
}

/** Strips the word-piece markers the common tokenizers put on tokens (BERT ##, CLIP </w>, GPT-2 Ġ, SentencePiece ▁). */
function surface(token: string): string {
  return token.replace(/^##/, '').replace(/<\/w>$/, '').replace(/^[Ġ▁]/, '');
}

/**
 * Each token with its [start, end) offsets. The tokenizers package gives no offsets, so the text is
 * tokenised word by word (every supported reader splits on whitespace first) and tokens are placed
 * inside their word by their surface text. Returns undefined when word-by-word tokenisation does not
 * reproduce the whole-text tokens, so the caller can fall back to a prefix search.
 */
function tokensWithOffsets(tokenizer: Tokenizer, text: string, expected: string[]): TokenBudget['tokens'] | undefined {
  const out: TokenBudget['tokens'] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const word = m[0];
    const wordStart = m.index;
    const pieces = tokenizer.encode(word, { add_special_tokens: false }).tokens;
    const lower = word.toLowerCase();
    let cursor = 0;
    pieces.forEach((piece: string, i: number) => {
      const s = surface(piece).toLowerCase();
      const at = s.length > 0 ? lower.indexOf(s, cursor) : -1;
      const start = at >= 0 && at - cursor < 2 ? at : cursor;
      const end = i === pieces.length - 1 ? word.length : at >= 0 && at - cursor < 2 ? at + s.length : Math.min(word.length, cursor + Math.max(1, s.length));
      out.push({ text: piece, start: wordStart + start, end: wordStart + Math.max(start, end) });
      cursor = Math.max(cursor, end);
    });
  }
  if (out.length !== expected.length || out.some((t, i) => t.text !== expected[i])) return undefined;
  return out;
}

/** Largest prefix (in characters) whose tokens fit in `budget`: the tokenizer is monotone in prefix length. */
function prefixWithin(model: ModelTokenizer, specialTokens: number, text: string, budget: number): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (model.encode(text.slice(0, mid)).length - specialTokens <= budget) lo = mid;
    else hi = mid - 1;
  }
  // Cut at the last whitespace so the greyed part starts at a word the model does not read.
  const space = text.slice(0, lo + 1).search(/\s\S*$/);
  return space > 0 && lo < text.length && !/\s/.test(text[lo] ?? ' ') ? space : lo;
}

export function tokenBudget(text: string, reader: TokenReader, folder: string | null): TokenBudget {
  const empty = { reader, folder, window: DEFAULT_WINDOWS[reader], specialTokens: 0, count: 0, tokens: [], readUntil: null };
  if (!folder) return { ...empty, available: false, reason: `no ${reader.toUpperCase()} model folder is configured (Settings, Model folders)` };
  let loaded: Loaded;
  try {
    loaded = loadTokenizer(folder, reader);
  } catch (err) {
    return { ...empty, available: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const { model, raw, window, specialTokens } = loaded;
  const count = model.encode(text).length - specialTokens;
  const whole: string[] = raw.encode(text, { add_special_tokens: false }).tokens;
  const budget = Math.max(0, window - specialTokens);
  const aligned = whole.length === count ? tokensWithOffsets(raw, text, whole) : undefined;
  let readUntil: number | null = null;
  if (count > budget) {
    readUntil = aligned ? aligned[budget]!.start : prefixWithin(model, specialTokens, text, budget);
  }
  return {
    reader,
    available: true,
    reason: null,
    folder,
    window,
    specialTokens,
    count,
    tokens: aligned ?? whole.map((t: string) => ({ text: t, start: 0, end: 0 })),
    readUntil,
  };
}
