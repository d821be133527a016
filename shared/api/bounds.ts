// How big and how deep anything crossing a boundary may be (issue 10): Api calls on every
// transport, and the messages between main and an engine host. One place, so every entry point
// refuses the same things the same way, and before any costly work: a JSON text is scanned
// (bytes, nesting, number of values) before JSON.parse builds it, and a value that arrives already
// built (structured clone over IPC or in-process) is walked without recursion, so no input can
// overflow the stack or keep the event loop busy for seconds.

export interface Bounds {
  /** Most bytes of JSON text (UTF-8), or UTF-16 units of strings in a built value. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers, ...) in one message. */
  maxValues: number;
}

/**
 * Api calls. Bytes: a mask's run-length code may be 48 MB (shared/api/masks.ts) and is one string,
 * cheap to parse. Values: no method takes more than a few thousand; 200 000 keeps the parse of the
 * worst accepted body near 100 ms. Depth: the deepest legitimate argument (a trainer config in
 * jobs.start) nests 4 levels.
 */
export const API_BOUNDS: Bounds = { maxBytes: 64 * 1024 * 1024, maxDepth: 64, maxValues: 200_000 };

export type BoundsViolation = { code: 'too_large' | 'invalid_args'; message: string };

export class BoundsError extends Error {
  constructor(readonly violation: BoundsViolation) {
    super(violation.message);
    this.name = 'BoundsError';
  }
}

const tooDeep = (b: Bounds, what: string): BoundsViolation => ({ code: 'invalid_args', message: `${what} nests deeper than ${b.maxDepth} levels` });
const tooMany = (b: Bounds, what: string): BoundsViolation => ({ code: 'too_large', message: `${what} holds more than ${b.maxValues} values` });
const tooBig = (b: Bounds, what: string, size: number): BoundsViolation => ({
  code: 'too_large',
  message: `${what} is ${formatBytes(size)}, over the limit of ${formatBytes(b.maxBytes)}`,
});

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Scans JSON text for its nesting depth and its number of values without building anything.
 * Strings are skipped with indexOf (native), so a long string costs almost nothing; structure
 * costs one step per character. Does not validate: JSON.parse does that after.
 * `byteLength` is the text's size in bytes where the caller knows it (the body it read).
 */
export function scanJson(text: string, bounds: Bounds, what = 'the message', byteLength = text.length): BoundsViolation | null {
  if (byteLength > bounds.maxBytes) return tooBig(bounds, what, byteLength);
  let depth = 0;
  let values = 1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return null; // unterminated: JSON.parse will say so
        let slashes = 0;
        for (let k = end - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      // { [
      if (++depth > bounds.maxDepth) return tooDeep(bounds, what);
      if (++values > bounds.maxValues) return tooMany(bounds, what);
    } else if (c === 125 || c === 93) {
      // } ]
      depth--;
    } else if (c === 44 || c === 58) {
      // , :  — each separates one more value (a key counts as one)
      if (++values > bounds.maxValues) return tooMany(bounds, what);
    }
  }
  return null;
}

/**
 * scanJson over bytes as they arrive (a request body, chunk by chunk): the read can stop at the
 * first chunk that crosses a bound, before the rest is read, decoded or parsed. Strings are skipped
 * with indexOf; the positions of the next quote and backslash are remembered, so the scan is linear
 * even for strings full of escapes. UTF-8 continuation bytes are never quote, backslash or bracket.
 */
export class JsonScanner {
  private depth = 0;
  private values = 1;
  private inString = false;
  private escaped = false;
  private total = 0;
  private failed: BoundsViolation | null = null;

  constructor(
    private readonly bounds: Bounds,
    private readonly what = 'the message',
  ) {}

  get bytes(): number {
    return this.total;
  }

  feed(chunk: Uint8Array): BoundsViolation | null {
    if (this.failed) return this.failed;
    this.total += chunk.length;
    if (this.total > this.bounds.maxBytes) return (this.failed = tooBig(this.bounds, this.what, this.total));
    const n = chunk.length;
    let i = 0;
    let nextQuote = -2;
    let nextSlash = -2;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
        if (nextSlash !== -1 && nextSlash < i) nextSlash = chunk.indexOf(BACKSLASH, i);
        if (nextSlash !== -1 && (nextQuote === -1 || nextSlash < nextQuote)) {
          this.escaped = true;
          i = nextSlash + 1;
          continue;
        }
        if (nextQuote === -1) break; // the string goes on in the next chunk
        this.inString = false;
        i = nextQuote + 1;
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) this.inString = true;
      else if (c === 123 || c === 91) {
        if (++this.depth > this.bounds.maxDepth) return (this.failed = tooDeep(this.bounds, this.what));
        if (++this.values > this.bounds.maxValues) return (this.failed = tooMany(this.bounds, this.what));
      } else if (c === 125 || c === 93) this.depth--;
      else if (c === 44 || c === 58) {
        if (++this.values > this.bounds.maxValues) return (this.failed = tooMany(this.bounds, this.what));
      }
      i++;
    }
    return null;
  }
}

/** JSON.parse behind scanJson: throws BoundsError for oversize or too deep, SyntaxError for bad JSON. */
export function parseBoundedJson(text: string, bounds: Bounds, what = 'the message', byteLength = text.length): unknown {
  const violation = scanJson(text, bounds, what, byteLength);
  if (violation) throw new BoundsError(violation);
  return JSON.parse(text) as unknown;
}

function isPlainData(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null || Array.isArray(v);
}

/**
 * Walks a value that arrived already built (structured clone) with an explicit stack: depth,
 * number of values and total string length. Only JSON-like data passes — plain objects, arrays,
 * strings, numbers, booleans, null and undefined — because that is all the contract speaks; a Map,
 * Date or typed array would slip past the schemas' view of the value. Cycles end at the depth bound.
 */
export function checkValue(value: unknown, bounds: Bounds, what = 'the message'): BoundsViolation | null {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  let chars = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++values > bounds.maxValues) return tooMany(bounds, what);
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > bounds.maxBytes) return tooBig(bounds, `the text in ${what}`, chars);
      continue;
    }
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      return { code: 'invalid_args', message: `${what} holds a ${typeof v}, which is not JSON data` };
    }
    if (typeof v !== 'object' || v === null) continue;
    if (!isPlainData(v)) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return { code: 'invalid_args', message: `${what} holds a ${typeof name === 'string' ? name : 'non-plain object'}, which is not JSON data` };
    }
    if (depth + 1 > bounds.maxDepth) return tooDeep(bounds, what);
    const children = Array.isArray(v) ? v : Object.values(v);
    if (values + children.length > bounds.maxValues) return tooMany(bounds, what);
    for (const child of children) stack.push([child, depth + 1]);
    if (!Array.isArray(v)) {
      for (const key of Object.keys(v)) chars += key.length;
      if (chars > bounds.maxBytes) return tooBig(bounds, `the text in ${what}`, chars);
    }
  }
  return null;
}
