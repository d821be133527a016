// The token budget of a description, counted by the real tokenizer of the model that will read it
// (DESIGN.md §1: CLIP reads 77 positions, BLIP 512; longer texts are truncated by the tokenizer).
// tokenizer.json is read from the configured model folder with @huggingface/tokenizers; without a
// folder there is no count at all, never an estimate.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenBudget, TokenReader } from '../../shared/api/captions.js';

/** The readers' windows when neither tokenizer_config.json nor config.json says (CLIP ViT-B/16, BLIP base). */
export const DEFAULT_WINDOWS: Record<TokenReader, number> = { clip: 77, blip: 512 };

interface Loaded {
  tokenizer: Tokenizer;
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

const positiveInt = (v: unknown, below = 100_000): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < below ? v : undefined);

/** model_max_length (tokenizer_config.json), else the text encoder's max_position_embeddings (config.json). */
function windowOf(folder: string, reader: TokenReader, tokenizerConfig: Record<string, unknown> | undefined): number {
  const fromTokenizer = positiveInt(tokenizerConfig?.model_max_length);
  if (fromTokenizer) return fromTokenizer;
  const config = readJson(path.join(folder, 'config.json'));
  const text = config?.text_config as Record<string, unknown> | undefined;
  return positiveInt(text?.max_position_embeddings) ?? positiveInt(config?.max_position_embeddings) ?? DEFAULT_WINDOWS[reader];
}

/** Loads (and caches, until the file changes) the tokenizer of a model folder. Throws with a readable reason. */
export function loadTokenizer(folder: string, reader: TokenReader): Loaded {
  const file = path.join(folder, 'tokenizer.json');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${file} not found`);
  }
  const configFile = path.join(folder, 'tokenizer_config.json');
  const configStat = fs.existsSync(configFile) ? fs.statSync(configFile).mtimeMs : 0;
  const stamp = `${stat.mtimeMs}:${stat.size}:${configStat}`;
  const key = `${reader}:${folder}`;
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit;
  let tokenizer: Tokenizer;
  let config: Record<string, unknown> | undefined;
  try {
    config = readJson(configFile);
    tokenizer = new Tokenizer(readJson(file) ?? {}, config ?? {});
  } catch (err) {
    throw new Error(`${file} could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const specialTokens = tokenizer.encode('', { add_special_tokens: true }).ids.length;
  const loaded = { tokenizer, window: windowOf(folder, reader, config), specialTokens, stamp };
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
function prefixWithin(tokenizer: Tokenizer, text: string, budget: number): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (tokenizer.encode(text.slice(0, mid), { add_special_tokens: false }).ids.length <= budget) lo = mid;
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
  const { tokenizer, window, specialTokens } = loaded;
  const whole = tokenizer.encode(text, { add_special_tokens: false }).tokens;
  const budget = Math.max(0, window - specialTokens);
  const aligned = tokensWithOffsets(tokenizer, text, whole);
  let readUntil: number | null = null;
  if (whole.length > budget) {
    readUntil = aligned ? aligned[budget]!.start : prefixWithin(tokenizer, text, budget);
  }
  return {
    reader,
    available: true,
    reason: null,
    folder,
    window,
    specialTokens,
    count: whole.length,
    tokens: aligned ?? whole.map((t: string) => ({ text: t, start: 0, end: 0 })),
    readUntil,
  };
}
