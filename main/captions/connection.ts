// Settings' "Test connection" (issue 17): one tiny request to a VLM endpoint — an 8×8 image and a
// one-line prompt, a few tokens, no retries, a short timeout — through the same client the caption
// jobs use, so what it reports is what a job would meet: the answer and the model the server named,
// or the reason it failed in the client's words (connection refused, HTTP 401: ..., not a chat
// completion, ...).
import type { VlmTestResult } from '../../shared/api/settings.js';
import { VlmClient, VlmError } from './vlm-client.js';

const TEST_TIMEOUT_MS = 20_000;
const TEST_MAX_TOKENS = 16;
const TEST_PROMPT = 'What colour is this image? Answer in one word.';

export async function testVlmConnection(args: { baseUrl: string; model: string; apiKey?: string | undefined }): Promise<VlmTestResult> {
  // sharp loads on first use: the Api's settings handlers import this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
  const client = new VlmClient({ baseUrl: args.baseUrl, model: args.model, apiKey: args.apiKey, timeoutMs: TEST_TIMEOUT_MS, maxRetries: 0 });
  const started = performance.now();
  try {
    const r = await client.describe({ image, mediaType: 'image/png', prompt: TEST_PROMPT, maxTokens: TEST_MAX_TOKENS, temperature: 0 });
    const served = r.endpointModel && r.endpointModel !== args.model ? ` (the server says it is ${r.endpointModel})` : '';
    return {
      ok: true,
      message: `${args.model}${served} answered in ${Math.round(r.durationMs)} ms: "${r.text.slice(0, 200)}"`,
      answer: r.text.slice(0, 2000),
      endpointModel: r.endpointModel,
      durationMs: r.durationMs,
    };
  } catch (err) {
    const reason = err instanceof VlmError ? err.message : err instanceof Error ? err.message : String(err);
    const hint = /\b401\b|\b403\b/.test(reason) ? ' Check the API key.' : /\b404\b/.test(reason) ? ' Check the URL (it usually ends in /v1) and the model name.' : '';
    return { ok: false, message: `No usable answer from ${args.baseUrl}: ${reason}.${hint}`, answer: null, endpointModel: null, durationMs: performance.now() - started };
  }
}
