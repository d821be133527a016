// A client for OpenAI-compatible chat-completions servers (vLLM serving DeepSeek-VL2-Tiny, SGLang,
// LM Studio, Ollama), built on the `openai` package. One call = one image + one prompt -> one
// description (Sec. 3.2.3). Retries are ours, not the package's, so that Retry-After on 429/503 is
// honoured with our caps, every attempt is cancellable, and garbage answers are named precisely.
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { ImageUrlForm } from '../../shared/api/captions.js';
import { backoffMs, MAX_RETRY_AFTER_MS, retryAfterMs, sleep } from './retry.js';

export interface VlmClientOptions {
  /** e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  /** How the image part is sent: `{image_url: {url}}` (OpenAI), a plain string (some servers), or auto-detect. */
  imageUrlForm?: ImageUrlForm;
  /** Per attempt. */
  timeoutMs?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  maxRetryAfterMs?: number;
}

export interface DescribeRequest {
  image: Uint8Array;
  mediaType: string;
  prompt: string;
  /** Greedy decoding by default: the same image and prompt give the same description. */
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal | undefined;
}

export interface DescribeResult {
  text: string;
  /** The model id the endpoint reported in its answer. */
  endpointModel: string | null;
  finishReason: string | null;
  durationMs: number;
  attempts: number;
  imageUrlForm: 'object' | 'string';
  sampling: { temperature: number; max_tokens: number };
}

/** A request that failed for good; `reason` is what the reviewer reads next to the sample. */
export class VlmError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
    readonly waitMs?: number,
  ) {
    super(message);
    this.name = 'VlmError';
  }
}

/** The request was cancelled by its AbortSignal (a cancelled job), not a failure of the sample. */
export class VlmAborted extends Error {
  constructor() {
    super('cancelled');
    this.name = 'VlmAborted';
  }
}

export const DEFAULT_MAX_TOKENS = 520;

const completionSchema = z.object({
  model: z.string().optional().nullable(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({ content: z.string().nullable() }),
      }),
    )
    .min(1),
});

/**
 * The package reads an error's text only from `{error: {message}}`; vLLM answers
 * `{object: 'error', message}`, FastAPI-based servers `{detail}`. Rewrite those bodies so the
 * reason a reviewer reads says what the server said.
 */
async function fetchWithErrorMessages(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (res.ok) return res;
  const text = await res.text();
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.error === 'object' && body.error !== null) return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    const detail = body.message ?? body.detail ?? body.error;
    if (detail !== undefined) message = typeof detail === 'string' ? detail : JSON.stringify(detail);
  } catch {
    // Not JSON: the raw text is the message.
  }
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Response(JSON.stringify({ error: { message: message || res.statusText || `HTTP ${res.status}` } }), { status: res.status, statusText: res.statusText, headers });
}

/** The innermost reason of a failed fetch ("connect ECONNREFUSED 127.0.0.1:8000", not "fetch failed"). */
function rootCause(err: Error): string {
  let e: unknown = err;
  let message = err.message;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e.message) message = e.message;
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}

/** A signal that aborts when `parent` does, until `dispose` unlinks it. */
function linkedSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (!parent) return { signal: controller.signal, dispose: () => undefined };
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** The `openai` package, loaded on the first request: the Api's handlers reach this module, and every `ric` start paid for it. */
type OpenAiSdk = typeof import('openai');
let sdkLoading: Promise<OpenAiSdk> | null = null;
const loadSdk = (): Promise<OpenAiSdk> => (sdkLoading ??= import('openai'));

export class VlmClient {
  private openai: OpenAI | null = null;
  private form: 'object' | 'string';
  private readonly autoForm: boolean;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(readonly options: VlmClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
    const form = options.imageUrlForm ?? 'auto';
    this.autoForm = form === 'auto';
    this.form = form === 'string' ? 'string' : 'object';
  }

  private client(sdk: OpenAiSdk): OpenAI {
    const options = this.options;
    return (this.openai ??= new sdk.default({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      // Local servers take no key, but the package refuses to start without one: without a key the
      // placeholder is set and the Authorization header removed (null drops a header in this SDK),
      // so a server never sees a made-up credential.
      apiKey: options.apiKey ?? 'no-key',
      ...(options.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
      maxRetries: 0,
      timeout: this.timeoutMs,
      fetch: fetchWithErrorMessages,
    }));
  }

  /** The image-part form in use (auto mode switches to 'string' once a server complains). */
  get imageUrlForm(): 'object' | 'string' {
    return this.form;
  }

  async describe(req: DescribeRequest): Promise<DescribeResult> {
    const sampling = { temperature: req.temperature ?? 0, max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS };
    const dataUri = `data:${req.mediaType};base64,${Buffer.from(req.image).toString('base64')}`;
    const started = performance.now();
    let attempts = 0;
    // The complaint that made auto mode try the plain-string form, while that try is pending.
    let formComplaint: string | null = null;
    const sdk = await loadSdk();
    for (let retry = 0; ; retry++) {
      if (req.signal?.aborted) throw new VlmAborted();
      attempts++;
      try {
        const text = await this.once(sdk, dataUri, req.prompt, sampling, req.signal);
        return { ...text, durationMs: performance.now() - started, attempts, imageUrlForm: this.form, sampling };
      } catch (err) {
        if (err instanceof VlmAborted) throw err;
        const failure = this.classify(sdk, err, req.signal);
        if ('switchForm' in failure) {
          // Not counted as a retry: the server told us which form it wants.
          this.form = 'string';
          formComplaint = failure.message;
          retry--;
          continue;
        }
        if (formComplaint !== null && (failure.status === 400 || failure.status === 422)) {
          // Refused in both forms: the complaint was about something else. Back to the standard form.
          this.form = 'object';
          throw new VlmError(`${formComplaint} (the plain-string image_url form was refused too: ${failure.message})`, false, failure.status);
        }
        formComplaint = null;
        if (!failure.retriable || retry >= this.maxRetries) {
          const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
          throw new VlmError(`${failure.message}${tries}`, false, failure.status);
        }
        const wait = failure.waitMs ?? backoffMs(retry, this.backoffBaseMs);
        if (wait > this.maxRetryAfterMs) {
          throw new VlmError(`${failure.message}; the server asked to wait ${Math.round(wait / 1000)} s, longer than ${Math.round(this.maxRetryAfterMs / 1000)} s`, false, failure.status);
        }
        try {
          await sleep(wait, req.signal);
        } catch {
          throw new VlmAborted();
        }
      }
    }
  }

  private async once(
    sdk: OpenAiSdk,
    dataUri: string,
    prompt: string,
    sampling: { temperature: number; max_tokens: number },
    signal: AbortSignal | undefined,
  ): Promise<{ text: string; endpointModel: string | null; finishReason: string | null }> {
    const imagePart = this.form === 'object' ? { type: 'image_url', image_url: { url: dataUri } } : { type: 'image_url', image_url: dataUri };
    // The plain-string form is not in OpenAI's types; servers that want it accept the same body otherwise.
    const body = {
      model: this.options.model,
      messages: [{ role: 'user', content: [imagePart, { type: 'text', text: prompt }] }],
      temperature: sampling.temperature,
      max_tokens: sampling.max_tokens,
      stream: false,
    } as unknown as ChatCompletionCreateParamsNonStreaming;
    // The package adds an abort listener to the signal it is given and never removes it: handed the
    // job's own signal, a job of more than ten requests trips Node's MaxListenersExceededWarning
    // (and keeps every listener alive). Each request gets a signal of its own, linked to the job's
    // for exactly as long as the request runs.
    const link = linkedSignal(signal);
    let raw: unknown;
    try {
      raw = await this.client(sdk).chat.completions.create(body, { signal: link.signal, timeout: this.timeoutMs });
    } finally {
      link.dispose();
    }
    if (typeof raw === 'string') {
      throw new VlmError(`the server answered non-JSON: ${JSON.stringify(raw.slice(0, 120))}`, false);
    }
    const parsed = completionSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VlmError(`the answer is not a chat completion (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'wrong schema'})`, false);
    }
    const choice = parsed.data.choices[0]!;
    const text = (choice.message.content ?? '').trim();
    if (text === '') {
      throw new VlmError(`the server answered an empty description (finish_reason ${choice.finish_reason ?? 'none'})`, false);
    }
    return { text, endpointModel: parsed.data.model ?? null, finishReason: choice.finish_reason ?? null };
  }

  private classify(sdk: OpenAiSdk, err: unknown, signal: AbortSignal | undefined): { message: string; retriable: boolean; status?: number; waitMs?: number } | { switchForm: true; message: string } {
    if (err instanceof sdk.APIUserAbortError || signal?.aborted) throw new VlmAborted();
    if (err instanceof VlmError) return { message: err.message, retriable: err.retriable };
    if (err instanceof sdk.APIConnectionTimeoutError) return { message: `no answer within ${this.timeoutMs} ms`, retriable: true };
    if (err instanceof sdk.APIConnectionError) return { message: `connection failed: ${rootCause(err)}`, retriable: true };
    if (err instanceof sdk.APIError) {
      const status = err.status ?? 0;
      const detail = err.message.replace(/^\d{3}\s*/, '').slice(0, 300);
      if ((status === 400 || status === 422) && this.autoForm && this.form === 'object' && /image_url|image|url|str|content|type/i.test(detail)) {
        return { switchForm: true, message: `HTTP ${status}: ${detail}` };
      }
      if (status === 429 || status === 503) {
        const wait = retryAfterMs(err.headers);
        return { message: `HTTP ${status}: ${detail}`, retriable: true, status, ...(wait !== undefined ? { waitMs: wait } : {}) };
      }
      return { message: `HTTP ${status}: ${detail}`, retriable: status >= 500, status };
    }
    if (err instanceof SyntaxError) return { message: `the server answered malformed JSON (${err.message})`, retriable: false };
    // undici reports a connection dropped while reading the body as a TypeError ("terminated").
    if (err instanceof TypeError) return { message: `connection dropped: ${err.message}`, retriable: true };
    return { message: err instanceof Error ? err.message : String(err), retriable: false };
  }
}
