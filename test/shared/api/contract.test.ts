import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEventNames, apiEvents, apiMethodNames, apiMethods, apiResultSchema, ApiCallError } from '../../../shared/api/index.js';
import { openTestApp, type TestApp } from '../../helpers/app.js';
import { internalNames } from '../../helpers/internal-names.js';

// Payloads no method accepts: wrong types, and an object with a key no schema declares.
const BAD_PAYLOADS: unknown[] = [null, 42, 'text', [], true, { __unknownField: 1 }];

describe('the Api contract', () => {
  let t: TestApp;
  beforeAll(() => {
    t = openTestApp();
  });
  afterAll(() => t.close());

  it('names every method area.verb and gives each a summary', () => {
    expect(apiMethodNames.length).toBeGreaterThan(3);
    for (const name of apiMethodNames) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(apiMethods[name].summary.length).toBeGreaterThan(5);
    }
    for (const name of apiEventNames) expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
  });

  for (const name of apiMethodNames) {
    it(`${name} answers every bad payload with a typed invalid_args error`, async () => {
      for (const payload of BAD_PAYLOADS) {
        const result = await t.app.dispatcher.call(name, payload, { transport: 'in-process' });
        expect(apiResultSchema.safeParse(result).success).toBe(true);
        expect(result.ok, `${name} accepted ${JSON.stringify(payload)}`).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe('invalid_args');
          // Worded for people (issue 17): no method name, no schema wording; the paths stay in issues.
          expect(internalNames(result.error.message)).toEqual([]);
          expect(result.error.issues?.length).toBeGreaterThan(0);
        }
      }
    });
  }

  it('rejects unknown and non-string method names without throwing', async () => {
    for (const method of ['nope', 'system.infoo', '__proto__', 'constructor', 'toString', 42, null, undefined, {}]) {
      const result = await t.app.dispatcher.call(method, {}, { transport: 'in-process' });
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
  });

  it('validates push events against their schemas before sending', () => {
    for (const name of apiEventNames) expect(apiEvents[name]).toBeDefined();
    expect(() => t.app.events.emit('job.progress', { jobId: 'x' } as never)).toThrow();
  });

  it('turns errors into ApiCallError for client callers, with the field path', async () => {
    const err = await t.client.call('settings.update', { vlm: { baseUrl: 'ftp://x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).code).toBe('invalid_args');
    expect((err as ApiCallError).issues?.[0]?.path).toEqual(['vlm', 'baseUrl']);
  });
});
