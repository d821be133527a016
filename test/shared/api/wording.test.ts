// Words for people (issue 17): schema problems in plain words, fields by their labels.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldLabel, plainIssueMessage } from '../../../shared/api/index.js';

const words = (schema: z.ZodType, value: unknown) => (schema.safeParse(value, { error: plainIssueMessage }).error?.issues ?? []).map((i) => [i.path.join('.'), i.message]);

describe('plain issue messages', () => {
  it('say what is wrong without the schema library', () => {
    const s = z
      .object({ a: z.string().max(3), b: z.number().int().min(1), c: z.enum(['x', 'y']), d: z.string().min(1), e: z.boolean(), u: z.string().refine((v) => v.startsWith('http'), 'must be an http:// URL') })
      .strict();
    expect(words(s, { a: 5, b: 1.5, c: 'z', d: '', u: 'ftp', f: 1 })).toEqual([
      ['a', 'must be text'],
      ['b', 'must be a whole number'],
      ['c', 'must be one of: x, y'],
      ['d', 'must not be empty'],
      ['e', 'is required'],
      ['u', 'must be an http:// URL'],
      ['', 'has a field this version does not know: f'],
    ]);
    expect(words(z.number().max(10), 11)).toEqual([['', 'must be at most 10']]);
    expect(words(z.array(z.number()).min(2), [1])).toEqual([['', 'must have at least 2 items']]);
  });

  it('labels fields as the screens do, and words an unknown path', () => {
    expect(fieldLabel(['vlm', 'baseUrl'])).toBe('VLM endpoint URL');
    expect(fieldLabel(['modelFolders', 'clip'])).toBe('CLIP model folder');
    expect(fieldLabel(['config', 'maxTokens'])).toBe('config › max tokens');
  });
});
