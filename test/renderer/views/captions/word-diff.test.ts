import { describe, expect, it } from 'vitest';
import { wordDiff } from '../../../../renderer/src/views/captions/wordDiff.js';

describe('word diff of caption versions', () => {
  it('marks removed and added words; the kept and added parts are exactly the new text', () => {
    const before = 'a red circle at the top left on grey';
    const after = 'a large red circle at the top on a grey background';
    const parts = wordDiff(before, after);
    // Words are compared without their spacing; the shown text keeps the newer version's spacing.
    const words = (t: string) => t.split(/\s+/).filter(Boolean);
    expect(words(parts.filter((p) => p.kind !== 'added').map((p) => p.text).join(''))).toEqual(words(before));
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(after);
    expect(parts.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(['large', 'a', 'background']);
    expect(parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['left']);
  });
  it('handles empty and identical texts', () => {
    expect(wordDiff('', 'new text')).toEqual([{ kind: 'added', text: 'new text' }]);
    expect(wordDiff('same words', 'same words')).toEqual([{ kind: 'same', text: 'same words' }]);
  });
});
