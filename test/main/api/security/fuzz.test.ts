// Property-based fuzz of every Api method over every transport (issue 10): in-process, HTTP and
// WebSocket against the real `ric serve`, Electron IPC through registerIpcTransport with a stand-in
// for ipcMain (no Electron runtime here). Payloads are either the method's own argument shape broken
// in one place (arbitraries.ts) or anything at all. The answer must be a well-formed ApiResult with
// a typed error — invalid_args or too_large, never internal — and the server must stay up.
// A fixed seed and RIC_FUZZ_RUNS (default 12 per method and property) keep it to a few seconds per
// transport; RIC_FUZZ_RUNS=500 RIC_FUZZ_SEED=$RANDOM npx vitest run test/main/api/security/fuzz.test.ts
// is the long run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { registerIpcTransport } from '../../../../main/electron/ipc.js';
import { APP_ORIGIN } from '../../../../main/electron/security.js';
import { createInProcessTransport } from '../../../../main/api/transports/in-process.js';
import { API_BOUNDS, apiMethodNames, apiMethods, apiResultSchema, checkValue, type ApiMethodName, type ApiResult } from '../../../../shared/api/index.js';
import { openTestApp, type TestApp } from '../../../helpers/app.js';
import { anyArgs, brokenArgs, FUZZ_RUNS, FUZZ_SEED, tooDeepArgs, wideObject } from './arbitraries.js';
import { alive, call as httpCall, startServe, type Serve } from './serve.js';

vi.mock('electron', () => ({}));

interface Transport {
  call(method: string, args: unknown): Promise<ApiResult>;
  /** What the main side receives for `args` (the transport's serialisation), or undefined if it cannot be sent. */
  deliver(args: unknown): { value: unknown } | undefined;
}

const json = (args: unknown) => {
  try {
    const text = JSON.stringify({ args });
    return { value: (JSON.parse(text) as { args?: unknown }).args };
  } catch {
    return undefined;
  }
};
const clone = (args: unknown) => {
  try {
    return { value: structuredClone(args) };
  } catch {
    return undefined;
  }
};

/** What the dispatcher must answer for what arrived: a typed refusal, or null where the call is valid. */
function expectedRefusal(method: ApiMethodName, delivered: unknown): 'invalid_args' | 'too_large' | null {
  const violation = checkValue(delivered, API_BOUNDS);
  if (violation) return violation.code;
  return apiMethods[method].args.safeParse(delivered === undefined ? {} : delivered).success ? null : 'invalid_args';
}

function checkAnswer(raw: unknown, expected: 'invalid_args' | 'too_large', label: string): void {
  const result = apiResultSchema.parse(raw);
  expect(result.ok, label).toBe(false);
  if (!result.ok) {
    expect(result.error.code, `${label}: ${result.error.message}`).not.toBe('internal');
    expect(result.error.code, `${label}: ${result.error.message}`).toBe(expected);
  }
}

function fuzzTransport(name: string, open: () => Promise<{ transport: Transport; close(): Promise<void>; up(): Promise<boolean> }>): void {
  describe(`fuzz over ${name}`, () => {
    let t: Transport;
    let close: () => Promise<void>;
    let up: () => Promise<boolean>;
    beforeAll(async () => {
      ({ transport: t, close, up } = await open());
    });
    afterAll(async () => {
      await close();
    });

    it('unknown method names answer unknown_method', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 300 }), async (method) => {
          fc.pre(!(apiMethodNames as string[]).includes(method) && method.length > 0);
          const result = apiResultSchema.parse(await t.call(method, {}));
          expect(result).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
        }),
        { numRuns: FUZZ_RUNS * 4, seed: FUZZ_SEED },
      );
    });

    it('every method: its argument shape broken in one place answers invalid_args or too_large', async () => {
      for (const method of apiMethodNames) {
        let sent = 0;
        await fc.assert(
          fc.asyncProperty(brokenArgs(method), async ({ args }) => {
            const delivered = t.deliver(args);
            fc.pre(delivered !== undefined);
            const expected = expectedRefusal(method, delivered!.value);
            fc.pre(expected !== null); // still valid after the break (a union took it): nothing to refuse
            sent++;
            checkAnswer(await t.call(method, args), expected!, method);
          }),
          { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, maxSkipsPerRun: 1000 },
        );
        // numRuns counts only payloads that ran: every method got its full share.
        expect(sent, method).toBe(FUZZ_RUNS);
      }
      expect(await up()).toBe(true);
    });

    it('every method: a value nested past the depth bound anywhere in its arguments is refused by the bound', async () => {
      for (const method of apiMethodNames) {
        await fc.assert(
          fc.asyncProperty(tooDeepArgs(method), async (args) => {
            fc.pre(t.deliver(args) !== undefined);
            checkAnswer(await t.call(method, args), 'invalid_args', method);
          }),
          { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
        );
      }
      expect(await up()).toBe(true);
    });

    it('more values than the bound where a record takes anything (job parameters) is too_large', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: API_BOUNDS.maxValues + 1, max: API_BOUNDS.maxValues + 100 }), fc.constantFrom('evaluate', 'edit', 'import', 'train-blip'), fc.boolean(), async (n, kind, keyed) => {
          // An array is cheap to build and clone; a keyed object costs ~1 s here, so only sometimes.
          const params = keyed && n % 4 === 0 ? wideObject(n) : { values: new Array<number>(n).fill(0) };
          checkAnswer(await t.call('jobs.start', { kind, params }), 'too_large', 'jobs.start');
        }),
        { numRuns: 4, seed: FUZZ_SEED },
      );
    });

    it('every method: anything at all answers a typed error, never internal', async () => {
      for (const method of apiMethodNames) {
        let sent = 0;
        await fc.assert(
          fc.asyncProperty(anyArgs, async (args) => {
            const delivered = t.deliver(args);
            fc.pre(delivered !== undefined);
            const expected = expectedRefusal(method, delivered!.value);
            fc.pre(expected !== null); // a valid call would act (write files, queue jobs): not sent
            sent++;
            checkAnswer(await t.call(method, args), expected!, method);
          }),
          { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, maxSkipsPerRun: 1000 },
        );
        expect(sent, method).toBe(FUZZ_RUNS);
      }
      expect(await up()).toBe(true);
    });
  });
}

async function inProcess() {
  const app: TestApp = openTestApp();
  const transport = createInProcessTransport(app.app.dispatcher, app.app.events);
  return {
    transport: { call: (m: string, a: unknown) => transport.call(m, a), deliver: clone },
    close: async () => app.close(),
    up: async () => (await transport.call('system.ping', {})).ok,
  };
}

async function ipc() {
  const app: TestApp = openTestApp();
  let handler: ((event: unknown, method: unknown, args: unknown) => Promise<ApiResult>) | undefined;
  registerIpcTransport({
    ipcMain: { handle: (_c: string, fn: never) => (handler = fn), removeHandler: () => undefined } as never,
    dispatcher: app.app.dispatcher,
    events: app.app.events,
    ownContents: new Set([1]),
    targets: () => [],
  });
  const own = { sender: { id: 1 }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } };
  // Electron clones what the renderer sends; the answer comes back cloned too.
  const send = async (m: string, a: unknown) => structuredClone(await handler!(own, m, clone(a)?.value));
  return { transport: { call: send, deliver: clone }, close: async () => app.close(), up: async () => (await send('system.ping', {})).ok };
}

let serve: Serve | undefined;
async function sharedServe(): Promise<Serve> {
  serve ??= await startServe();
  return serve;
}
afterAll(async () => {
  await serve?.stop();
});

async function http() {
  const s = await sharedServe();
  return {
    transport: { call: async (m: string, a: unknown) => JSON.parse((await httpCall(s, m, a)).body) as ApiResult, deliver: json },
    close: async () => undefined,
    up: () => alive(s),
  };
}

async function socket() {
  const s = await sharedServe();
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { Cookie: s.cookie, Origin: s.origin } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map<number, (r: ApiResult) => void>();
  ws.on('message', (d) => {
    const frame = JSON.parse(String(d)) as { id?: number; result?: ApiResult };
    if (typeof frame.id === 'number' && frame.result) pending.get(frame.id)?.(frame.result);
  });
  let next = 1;
  const send = (m: string, a: unknown) =>
    new Promise<ApiResult>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method: m, args: a }));
    });
  return {
    transport: { call: send, deliver: json },
    close: async () => ws.close(),
    up: async () => (await send('system.ping', {})).ok && (await alive(s)),
  };
}

fuzzTransport('the in-process transport', inProcess);
fuzzTransport('Electron IPC (ipcMain stood in for)', ipc);
fuzzTransport('HTTP (real ric serve)', http);
fuzzTransport('the WebSocket (real ric serve)', socket);
