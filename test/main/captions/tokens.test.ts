import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenBudget } from '../../../main/captions/tokens.js';
import { tempDir } from './fixtures.js';
import { writeTinyTokenizer } from './tiny-tokenizer.js';

describe('token budget with the real tokenizer of a model folder', () => {
  it('counts text tokens, knows the special tokens and where the reader stops', () => {
    const folder = writeTinyTokenizer(path.join(tempDir(), 'clip'), 8);
    const text = 'A red circle on grey  circles, the end';
    const b = tokenBudget(text, 'clip', folder);
    expect(b.available).toBe(true);
    expect(b.window).toBe(8);
    expect(b.specialTokens).toBe(2);
    // a red circle on grey circle ##s , the [UNK] [UNK]
    expect(b.tokens.map((t) => t.text)).toEqual(['a', 'red', 'circle', 'on', 'grey', 'circle', '##s', ',', 'the', '[UNK]']);
    expect(b.count).toBe(10);
    expect(b.tokens.map((t) => text.slice(t.start, t.end))).toEqual(['A', 'red', 'circle', 'on', 'grey', 'circle', 's', ',', 'the', 'end']);
    // 8 positions - [CLS] - [SEP] = 6 text tokens: the model reads "A red circle on grey circle"
    expect(b.readUntil).toBe(text.indexOf('circles') + 'circle'.length);
    expect(text.slice(0, b.readUntil!)).toBe('A red circle on grey  circle');
  });

  it('reads everything when the text fits, and takes the window from config.json without model_max_length', () => {
    const folder = writeTinyTokenizer(path.join(tempDir(), 'blip'), null, 512);
    const b = tokenBudget('a blue square', 'blip', folder);
    expect(b).toMatchObject({ available: true, window: 512, count: 3, readUntil: null });
  });

  it('gives no count without a folder, and says why', () => {
    const none = tokenBudget('a red circle', 'clip', null);
    expect(none).toMatchObject({ available: false, count: 0, readUntil: null });
    expect(none.reason).toMatch(/no CLIP model folder is configured/);
    const missing = tokenBudget('a', 'blip', path.join(tempDir(), 'nothing-here'));
    expect(missing.available).toBe(false);
    expect(missing.reason).toMatch(/nothing-here\/tokenizer\.json: not found/);
    const noWindow = writeTinyTokenizer(path.join(tempDir(), 'no-window'), null);
    expect(tokenBudget('a', 'clip', noWindow).reason).toMatch(/window is not known/);
  });
});

describe('token budget with a CLIP-style BPE tokenizer (</w> suffix, byte-level)', () => {
  it('places tokens, including a word split into pieces, and cuts after the window', async () => {
    const { writeTinyClipBpe } = await import('./tiny-bpe.js');
    const folder = writeTinyClipBpe(path.join(tempDir(), 'clip-bpe'), 6, ['red', 'circle', 're']);
    const text = 'A Red circle, reds!';
    const b = tokenBudget(text, 'clip', folder);
    expect(b.specialTokens).toBe(2);
    expect(b.tokens.map((t) => t.text)).toEqual(['a</w>', 'red</w>', 'circle</w>', ',</w>', 're', 'd', 's</w>', '!</w>']);
    expect(b.tokens.map((t) => text.slice(t.start, t.end))).toEqual(['A', 'Red', 'circle', ',', 're', 'd', 's', '!']);
    expect(b.count).toBe(8);
    // 6 positions - 2 special = 4 text tokens: the unread part starts at the split word.
    expect(text.slice(b.readUntil!)).toBe('reds!');
  });
});
