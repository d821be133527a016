import { describe, expect, it } from 'vitest';
import { createDispatcher, type ApiHandlers } from '../../../main/api/dispatcher.js';
import { ApiError } from '../../../main/api/errors.js';
import { ApiCallError, describeError } from '../../../shared/api/index.js';

// Only the methods under test have handlers; the dispatcher never touches the others here.
const handlersWith = (overrides: Partial<ApiHandlers>): ApiHandlers => overrides as ApiHandlers;

describe('dispatcher', () => {
  it('passes parsed arguments (defaults applied) to the handler and returns its value', async () => {
    const seen: unknown[] = [];
    const d = createDispatcher(
      handlersWith({
        'system.ping': (args) => {
          seen.push(args);
          return { echo: args.echo, time: 1 };
        },
      }),
    );
    expect(await d.call('system.ping', { echo: 'hi' }, { transport: 'in-process' })).toEqual({ ok: true, value: { echo: 'hi', time: 1 } });
    expect(await d.call('system.ping', undefined, { transport: 'in-process' })).toEqual({ ok: true, value: { time: 1 } });
    expect(seen).toEqual([{ echo: 'hi' }, {}]);
  });

  it('maps ApiError to its code, and a thrown bug to internal without crashing', async () => {
    const bugs: string[] = [];
    const d = createDispatcher(
      handlersWith({
        'system.ping': (args) => {
          if (args.echo === 'missing') throw new ApiError('not_found', 'sample 7 not found');
          throw new TypeError('boom');
        },
      }),
      { onInternalError: (m) => bugs.push(m) },
    );
    expect(await d.call('system.ping', { echo: 'missing' }, { transport: 'in-process' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'sample 7 not found' },
    });
    const r = await d.call('system.ping', { echo: 'x' }, { transport: 'in-process' });
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(bugs).toEqual(['system.ping']);
  });

  it('refuses a handler result that breaks the result schema', async () => {
    const d = createDispatcher(handlersWith({ 'system.ping': () => ({ time: 'later' }) as never }));
    expect(await d.call('system.ping', {}, { transport: 'in-process' })).toMatchObject({
      ok: false,
      error: { code: 'internal', message: expect.stringContaining('does not match its schema') },
    });
  });
});

describe('the dispatcher words refusals for people', () => {
  const d = createDispatcher(handlersWith({ 'settings.update': () => ({}) as never }));
  it('names the field by its label, keeps the code and the path, never the method', async () => {
    const r = await d.call('settings.update', { vlm: { baseUrl: 'not a url' }, theme: 3 }, { transport: 'in-process' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_args');
    expect(r.error.message).toBe('VLM endpoint URL: must be an http:// or https:// URL');
    expect(r.error.message).not.toMatch(/settings\.update|Invalid input|expected/);
    expect(r.error.issues?.map((i) => i.path.join('.'))).toEqual(['vlm.baseUrl', 'theme']);
    expect(describeError(new ApiCallError(r.error))).toBe('VLM endpoint URL: must be an http:// or https:// URL; Theme: must be one of: dark, light');
  });
});
